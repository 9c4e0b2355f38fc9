import type { FastifyRequest } from 'fastify';
import { type EmuAccount, type EmuTeam, isScimProvisioned, scimGroupId, teamMembers } from './model.ts';
import { SCIM_PATCH_SCHEMA, scimError, scimList } from './scimResource.ts';

export const SCIM_GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

export interface GroupContext {
  account: EmuAccount;
  request: FastifyRequest;
  baseUrl: string;
  now: Date;
}
type Result = { status: number; body?: unknown };

/**
 * A team as a SCIM Group. Its `id` is the Group's own, not the team's GraphQL id (monday does not say the two
 * agree, so the emulator makes them differ); members are listed by SCIM user id with their display names.
 */
export function toScimGroup(team: EmuTeam, account: EmuAccount, baseUrl: string) {
  return {
    schemas: [SCIM_GROUP_SCHEMA],
    id: team.scimId,
    displayName: team.name,
    members: teamMembers(account, team.id).map((u) => ({ value: u.id, display: u.name })),
    meta: { resourceType: 'Group', location: `${baseUrl}/Groups/${team.scimId}` },
  };
}

function query(request: FastifyRequest): Record<string, string | undefined> {
  return request.query as Record<string, string | undefined>;
}

function parseBody(request: FastifyRequest): Record<string, unknown> | undefined {
  try {
    const body = JSON.parse(String(request.body ?? ''));
    return body && typeof body === 'object' ? body : undefined;
  } catch {
    return undefined;
  }
}

/** `GET /Groups`: SCIM-provisioned teams only unless `scim_provisioned_only=false`; `displayName eq` only. */
export function listGroups({ account, request, baseUrl }: GroupContext): Result {
  const q = query(request);
  const all = q.scim_provisioned_only?.toLowerCase() === 'false';
  return scimList(
    q,
    'displayName',
    // Names are compared exactly: monday does not say it ignores case.
    (displayName) =>
      account.teams.filter(
        (t) => (all || t.scimProvisioned) && (displayName === null || t.name === displayName),
      ),
    (t) => toScimGroup(t, account, baseUrl),
  );
}

function findGroup(account: EmuAccount, request: FastifyRequest): EmuTeam | undefined {
  const id = (request.params as { id: string }).id;
  return account.teams.find((t) => t.scimId === id);
}

const groupNotFound = (request: FastifyRequest): Result => ({
  status: 404,
  body: scimError(404, `Group ${(request.params as { id: string }).id} not found`),
});

/** Why a user cannot be a member through SCIM, or null: only active SCIM-provisioned people, guests apart. */
function memberProblem(account: EmuAccount, team: EmuTeam, userId: string): string | null {
  const user = account.usersById.get(userId);
  if (!user) return `member ${userId} is not a user of this account`;
  if (!isScimProvisioned(user)) return `member ${userId} was not provisioned through SCIM`;
  if (user.status === 'INACTIVE') return `member ${userId} is deactivated`;
  if (team.isGuest !== (user.kind === 'guest'))
    return team.isGuest ? `member ${userId} is not a guest` : `member ${userId} is a guest`;
  return null;
}

function memberIds(value: unknown): string[] | null {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const ids: string[] = [];
  for (const entry of list) {
    const id = (entry as { value?: unknown })?.value;
    if (typeof id !== 'string' && typeof id !== 'number') return null;
    ids.push(String(id));
  }
  return ids;
}

/** `POST /Groups`: a new SCIM-managed team; a taken name is a conflict (an IdP takes that team over instead). */
export function createGroup({ account, request, baseUrl }: GroupContext): Result {
  const body = parseBody(request);
  if (!body)
    return {
      status: 400,
      body: scimError(400, 'The body must be a SCIM Group JSON object', 'invalidSyntax'),
    };
  const name = typeof body.displayName === 'string' ? body.displayName.trim() : '';
  if (!name) return { status: 400, body: scimError(400, 'displayName is required', 'invalidValue') };
  if (account.teams.some((t) => t.name === name))
    return { status: 409, body: scimError(409, `A team named ${name} already exists`, 'uniqueness') };
  const ids = memberIds(body.members);
  if (!ids)
    return { status: 400, body: scimError(400, 'members must be a list of { value }', 'invalidValue') };
  const id = String(account.nextTeamId++);
  const team: EmuTeam = {
    id,
    name,
    isGuest: false,
    ownerIds: [],
    scimProvisioned: true,
    scimId: scimGroupId(id),
  };
  for (const userId of ids) {
    const problem = memberProblem(account, team, userId);
    if (problem) return { status: 400, body: scimError(400, problem, 'invalidValue') };
  }
  account.teams.push(team);
  for (const userId of new Set(ids)) account.usersById.get(userId)!.teamIds.push(id);
  return { status: 201, body: toScimGroup(team, account, baseUrl) };
}

interface GroupChanges {
  name?: string;
  add: string[];
  remove: string[];
}

/**
 * `PATCH /Groups/{id}` in the forms IdPs send: rename (`replace displayName`, with or without a path), add
 * members (`add members`), remove members (`remove members[value eq "…"]` or `remove members` with values).
 * Everything is checked before anything changes; monday answers 204 without a body, so a client must read the
 * group again to see the result.
 */
export function patchGroup({ account, request }: GroupContext): Result {
  const team = findGroup(account, request);
  if (!team?.scimProvisioned) return groupNotFound(request);
  const body = parseBody(request);
  const invalid = (detail: string, type = 'invalidSyntax'): Result => ({
    status: 400,
    body: scimError(400, detail, type),
  });
  if (!body || !Array.isArray(body.schemas) || !body.schemas.includes(SCIM_PATCH_SCHEMA))
    return invalid(`schemas must contain ${SCIM_PATCH_SCHEMA}`);
  if (!Array.isArray(body.Operations) || body.Operations.length === 0)
    return invalid('Operations must be a non-empty array');
  const changes: GroupChanges = { add: [], remove: [] };
  for (const raw of body.Operations) {
    const operation = raw as { op?: unknown; path?: unknown; value?: unknown };
    const op = typeof operation.op === 'string' ? operation.op.toLowerCase() : '';
    const path = typeof operation.path === 'string' ? operation.path.trim() : null;
    if (op === 'replace' && (path === null || path.toLowerCase() === 'displayname')) {
      const value =
        path === null
          ? (operation.value as { displayName?: unknown } | undefined)?.displayName
          : operation.value;
      if (typeof value !== 'string' || !value.trim())
        return invalid('displayName must be a non-empty string', 'invalidValue');
      changes.name = value.trim();
      continue;
    }
    const filtered = path ? /^members\[\s*value\s+eq\s+"([^"]+)"\s*\]$/i.exec(path) : null;
    if (op === 'remove' && filtered) {
      changes.remove.push(filtered[1]!);
      continue;
    }
    if ((op === 'add' || op === 'remove') && path?.toLowerCase() === 'members') {
      const ids = memberIds(operation.value);
      if (!ids || ids.length === 0) return invalid('members needs a list of { value }', 'invalidValue');
      (op === 'add' ? changes.add : changes.remove).push(...ids);
      continue;
    }
    return invalid(`Unsupported operation ${String(operation.op)} ${path ?? ''}`.trim());
  }
  if (changes.name && changes.name !== team.name && account.teams.some((t) => t.name === changes.name))
    return { status: 409, body: scimError(409, `A team named ${changes.name} already exists`, 'uniqueness') };
  for (const userId of changes.add) {
    const problem = memberProblem(account, team, userId);
    if (problem) return invalid(problem, 'invalidValue');
  }
  for (const userId of changes.remove) {
    if (!account.usersById.has(userId))
      return invalid(`member ${userId} is not a user of this account`, 'invalidValue');
  }
  if (changes.name) team.name = changes.name;
  for (const userId of changes.add) {
    const user = account.usersById.get(userId)!;
    if (!user.teamIds.includes(team.id)) user.teamIds.push(team.id);
  }
  for (const userId of changes.remove) {
    const user = account.usersById.get(userId)!;
    user.teamIds = user.teamIds.filter((id) => id !== team.id);
    team.ownerIds = team.ownerIds.filter((id) => id !== userId);
  }
  return { status: 204 };
}

/** `DELETE /Groups/{id}`: de-provisions the team (its members stay in the account). */
export function deleteGroup({ account, request }: GroupContext): Result {
  const team = findGroup(account, request);
  if (!team?.scimProvisioned) return groupNotFound(request);
  account.teams = account.teams.filter((t) => t !== team);
  for (const user of account.users)
    if (user.teamIds.includes(team.id)) user.teamIds = user.teamIds.filter((id) => id !== team.id);
  return { status: 204 };
}
