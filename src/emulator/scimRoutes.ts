import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { injectFaults, truncate } from './httpFaults.ts';
import { addUser, type EmuAccount, type EmuUser, isScimProvisioned } from './model.ts';
import { createGroup, deleteGroup, type GroupContext, listGroups, patchGroup } from './scimGroups.ts';
import { applyChanges, parsePatch, type ScimChanges } from './scimPatch.ts';
import { scimError, scimList, toScimUser, userTypeToKind } from './scimResource.ts';
import type { EmulatorState } from './state.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

type Handler = (ctx: { account: EmuAccount; request: FastifyRequest; baseUrl: string }) => {
  status: number;
  body?: unknown;
};

/** Serves monday's SCIM 2.0 API at /scim/v2 for Enterprise accounts, authenticated by the SCIM bearer token. */
export function registerScimRoutes(app: FastifyInstance, state: EmulatorState): void {
  const route = (handler: Handler) => async (request: FastifyRequest, reply: FastifyReply) => {
    const auth = request.headers.authorization ?? '';
    const token = /^bearer\s+(.+)$/i.exec(auth.trim())?.[1];
    const account = token ? state.scimAccount(token) : undefined;
    if (!token || !account || state.faults.revoked(token, 'scim')) {
      return sendScim(reply, 401, scimError(401, 'Invalid or missing SCIM bearer token'));
    }
    const fault = await injectFaults(state, 'scim', reply);
    if (fault.handled) return reply;
    const baseUrl = `http://${request.headers.host ?? '127.0.0.1'}/scim/v2`;
    const result = handler({ account, request, baseUrl });
    // Changes SCIM carried out are recorded like GraphQL mutations (tests count what was done to monday).
    if (request.method !== 'GET' && result.status < 300) {
      await state.changed(account, `SCIM ${request.method}`);
      // monday acted; its answer is late (a fault).
      const answerDelay = state.faults.settings.answerDelayMs;
      if (answerDelay > 0 && state.faults.applies('scim')) await sleep(answerDelay);
    }
    if (result.body === undefined) return reply.code(result.status).send();
    const text = JSON.stringify(result.body);
    return reply
      .code(result.status)
      .type('application/scim+json')
      .send(fault.decision === 'malformed' ? truncate(text) : text);
  };

  app.get('/scim/v2/Users', route(listUsers));
  app.get('/scim/v2/Users/:id', route(getUser));
  app.post(
    '/scim/v2/Users',
    route((ctx) => createUser(ctx, new Date(state.now()))),
  );
  app.patch(
    '/scim/v2/Users/:id',
    route((ctx) => patchUser(ctx, new Date(state.now()))),
  );
  app.put(
    '/scim/v2/Users/:id',
    route((ctx) => putUser(ctx, new Date(state.now()))),
  );
  app.delete(
    '/scim/v2/Users/:id',
    route((ctx) => deleteUser(ctx, new Date(state.now()))),
  );
  // Groups are monday's teams. GET /Groups/{id} is not served: monday does not say it exists.
  const withNow = (handler: (ctx: GroupContext) => { status: number; body?: unknown }) =>
    route((ctx) => handler({ ...ctx, now: new Date(state.now()) }));
  app.get('/scim/v2/Groups', withNow(listGroups));
  app.post('/scim/v2/Groups', withNow(createGroup));
  app.patch('/scim/v2/Groups/:id', withNow(patchGroup));
  app.delete('/scim/v2/Groups/:id', withNow(deleteGroup));
}

function sendScim(reply: FastifyReply, status: number, body: unknown) {
  return reply.code(status).type('application/scim+json').send(JSON.stringify(body));
}

function query(request: FastifyRequest): Record<string, string | undefined> {
  return request.query as Record<string, string | undefined>;
}

/** Without `scim_provisioned_only=false`, monday's SCIM API only sees users it provisioned. */
function visible(request: FastifyRequest): (user: EmuUser) => boolean {
  const all = query(request).scim_provisioned_only?.toLowerCase() === 'false';
  return (user) => all || isScimProvisioned(user);
}

function parseBody(request: FastifyRequest): unknown {
  try {
    return JSON.parse(String(request.body ?? ''));
  } catch {
    return undefined;
  }
}

const listUsers: Handler = ({ account, request, baseUrl }) => {
  const isVisible = visible(request);
  return scimList(
    query(request),
    'userName',
    (userName) =>
      account.users.filter(
        (u) => isVisible(u) && (userName === null || u.email.toLowerCase() === userName.toLowerCase()),
      ),
    (u) => toScimUser(u, baseUrl),
  );
};

function findUser(account: EmuAccount, request: FastifyRequest): EmuUser | undefined {
  return account.usersById.get((request.params as { id: string }).id);
}

const notFound = (request: FastifyRequest) => ({
  status: 404,
  body: scimError(404, `User ${(request.params as { id: string }).id} not found`),
});

const getUser: Handler = ({ account, request, baseUrl }) => {
  const user = findUser(account, request);
  if (!user || !visible(request)(user)) return notFound(request);
  return { status: 200, body: toScimUser(user, baseUrl) };
};

/** Changes through SCIM are refused for users monday did not provision through SCIM. */
function refuseNonScim(user: EmuUser) {
  return {
    status: 404,
    body: scimError(
      404,
      `User ${user.id} was not provisioned through SCIM (invitation method ${user.invitationMethod}); only SCIM-provisioned users can be changed through SCIM`,
    ),
  };
}

function guardOwner(account: EmuAccount, user: EmuUser, changes: ScimChanges) {
  if (user.id !== account.scimTokenOwnerId) return null;
  if (changes.status === 'INACTIVE' || (changes.kind && changes.kind !== 'admin')) {
    return {
      status: 400,
      body: scimError(
        400,
        'The admin who owns the SCIM token cannot be deactivated or changed from admin',
        'mutability',
      ),
    };
  }
  return null;
}

function emailTaken(account: EmuAccount, email: string, self?: EmuUser): boolean {
  const existing = account.usersByEmail.get(email.toLowerCase());
  return existing !== undefined && existing !== self;
}

function reindexEmail(account: EmuAccount, user: EmuUser, previous: string): void {
  if (previous === user.email) return;
  account.usersByEmail.delete(previous.toLowerCase());
  account.usersByEmail.set(user.email.toLowerCase(), user);
}

function createUser({ account, request, baseUrl }: Parameters<Handler>[0], now: Date) {
  const body = parseBody(request) as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object')
    return { status: 400, body: scimError(400, 'The body must be a SCIM User JSON object', 'invalidSyntax') };
  const userName = typeof body.userName === 'string' ? body.userName.trim().toLowerCase() : '';
  if (!EMAIL.test(userName))
    return { status: 400, body: scimError(400, 'userName must be an email address', 'invalidValue') };
  const name = body.name as { givenName?: unknown; familyName?: unknown } | undefined;
  const displayName =
    typeof body.displayName === 'string' && body.displayName.trim()
      ? body.displayName.trim()
      : [name?.givenName, name?.familyName].filter((p) => typeof p === 'string' && p).join(' ');
  if (!displayName)
    return { status: 400, body: scimError(400, 'displayName (or name) is required', 'invalidValue') };
  const userType = body.userType === undefined ? 'member' : String(body.userType).toLowerCase();
  const kind = userTypeToKind[userType];
  if (!kind) {
    return {
      status: 400,
      body: scimError(
        400,
        `userType must be one of admin, member, viewer, guest; got ${JSON.stringify(body.userType)}`,
        'invalidValue',
      ),
    };
  }
  if (emailTaken(account, userName)) {
    return {
      status: 409,
      body: scimError(409, `A user with userName ${userName} already exists`, 'uniqueness'),
    };
  }
  const active =
    body.active === undefined ? true : body.active === true || String(body.active).toLowerCase() === 'true';
  const user: EmuUser = {
    id: String(account.nextUserId++),
    accountId: account.id,
    name: displayName,
    email: userName,
    title: typeof body.title === 'string' ? body.title : '',
    kind,
    status: active ? 'ACTIVE' : 'INACTIVE',
    invitationMethod: 'SCIM',
    isEmailConfirmed: true,
    createdAt: now,
    becameActiveAt: now,
    lastActivity: null,
    timeZone: typeof body.timezone === 'string' ? body.timezone : 'UTC',
    locale: typeof body.locale === 'string' ? body.locale : 'en',
    externalId: typeof body.externalId === 'string' ? body.externalId : null,
    teamIds: [],
    updatedAt: now,
  };
  addUser(account, user);
  return { status: 201, body: toScimUser(user, baseUrl) };
}

function patchUser({ account, request, baseUrl }: Parameters<Handler>[0], now: Date) {
  const user = findUser(account, request);
  if (!user) return notFound(request);
  const parsed = parsePatch(parseBody(request));
  if (!parsed.ok) return { status: 400, body: scimError(400, parsed.detail, parsed.scimType) };
  if (!isScimProvisioned(user)) return refuseNonScim(user);
  const refused = guardOwner(account, user, parsed.changes);
  if (refused) return refused;
  if (parsed.changes.email && emailTaken(account, parsed.changes.email, user)) {
    return { status: 409, body: scimError(409, `userName ${parsed.changes.email} is taken`, 'uniqueness') };
  }
  const previousEmail = user.email;
  applyChanges(account, user, parsed.changes, now);
  reindexEmail(account, user, previousEmail);
  return { status: 200, body: toScimUser(user, baseUrl) };
}

/** PUT replaces identity attributes only: monday changes `active` and `userType` through PATCH alone. */
function putUser({ account, request, baseUrl }: Parameters<Handler>[0], now: Date) {
  const user = findUser(account, request);
  if (!user) return notFound(request);
  const body = parseBody(request) as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object' || typeof body.userName !== 'string') {
    return { status: 400, body: scimError(400, 'PUT needs a full User with userName', 'invalidSyntax') };
  }
  if (!isScimProvisioned(user)) return refuseNonScim(user);
  const email = body.userName.trim().toLowerCase();
  if (!EMAIL.test(email))
    return { status: 400, body: scimError(400, 'userName must be an email address', 'invalidValue') };
  if (emailTaken(account, email, user))
    return { status: 409, body: scimError(409, `userName ${email} is taken`, 'uniqueness') };
  const name = body.name as { givenName?: string; familyName?: string } | undefined;
  const changes: ScimChanges = {
    email,
    name: typeof body.displayName === 'string' ? body.displayName : undefined,
    givenName: typeof name?.givenName === 'string' ? name.givenName : undefined,
    familyName: typeof name?.familyName === 'string' ? name.familyName : undefined,
    title: typeof body.title === 'string' ? body.title : undefined,
    externalId: typeof body.externalId === 'string' ? body.externalId : undefined,
    locale: typeof body.locale === 'string' ? body.locale : undefined,
    timezone: typeof body.timezone === 'string' ? body.timezone : undefined,
  };
  const previousEmail = user.email;
  applyChanges(account, user, changes, now);
  reindexEmail(account, user, previousEmail);
  return { status: 200, body: toScimUser(user, baseUrl) };
}

/** monday de-provisions rather than deletes: DELETE deactivates the user. */
function deleteUser({ account, request }: Parameters<Handler>[0], now: Date) {
  const user = findUser(account, request);
  if (!user) return notFound(request);
  if (!isScimProvisioned(user)) return refuseNonScim(user);
  const refused = guardOwner(account, user, { status: 'INACTIVE' });
  if (refused) return refused;
  applyChanges(account, user, { status: 'INACTIVE' }, now);
  return { status: 204 };
}
