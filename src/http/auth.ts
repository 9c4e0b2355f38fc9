import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type KeysService, type Principal, safeEqual } from '../app/keysService.ts';
import type { Seatwise } from '../compose.ts';
import { type Access, allows } from '../domain/roles.ts';
import { HttpError } from './errorEnvelope.ts';
import type { SignInGuard } from './signInGuard.ts';

export const SESSION_COOKIE = 'seatwise_session';

export type { Access } from '../domain/roles.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

/**
 * Authenticates every request but public ones: `Authorization: Bearer <key>`, or the session cookie set by
 * POST /api/session. Cookie-authenticated requests that change state must echo the session's CSRF token.
 */
export function authHook(keys: KeysService, guard: SignInGuard) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    // Routes say who may call them; those that don't (plugin routes such as /docs assets) are open to any key
    // for reads and to admin keys for everything else.
    const access =
      request.routeOptions.config?.access ?? (['GET', 'HEAD'].includes(request.method) ? 'viewer' : 'admin');
    await authenticate(keys, request, access, guard);
  };
}

/** Checks the caller for a route with the given access, setting `request.principal`; throws 401 or 403. */
export async function authenticate(
  keys: KeysService,
  request: FastifyRequest,
  access: Access,
  guard?: SignInGuard,
): Promise<void> {
  if (access === 'public') return;
  const header = request.headers.authorization;
  let principal: Principal | null = null;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!match) throw new HttpError(401, 'unauthenticated', 'use Authorization: Bearer <API key>');
    principal = await keys.authenticate(match[1]!);
    if (!principal) {
      // Wrong keys are counted; a valid key is never refused, whoever else shares its address.
      guard?.failed(request.ip);
      throw new HttpError(401, 'unauthenticated', 'the API key is not valid or was revoked');
    }
  } else {
    const sessionId = request.cookies?.[SESSION_COOKIE];
    if (sessionId) principal = await keys.session(sessionId);
    if (!principal)
      throw new HttpError(
        401,
        'unauthenticated',
        'sign in: send Authorization: Bearer <API key>, or open a session with POST /api/session',
      );
    if (!['GET', 'HEAD', 'OPTIONS'].includes(request.method)) {
      const sent = request.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !principal.csrfToken || !safeEqual(sent, principal.csrfToken)) {
        throw new HttpError(
          403,
          'csrf_token_invalid',
          'this request needs the X-CSRF-Token header returned when the session was opened',
        );
      }
    }
  }
  if (!allows(principal.role, access)) {
    throw new HttpError(
      403,
      'forbidden',
      `this needs the ${access} role${access === 'admin' ? '' : ' or higher'}; ${principal.kind === 'person' ? `${principal.person!.email} has` : 'the key used has'} the ${principal.role} role`,
    );
  }
  request.principal = principal;
}

/** Who asked, as the audit log stores it: `person:<id>` for a signed-in person, `api-key:<id>` for a key. */
export function actorOf(request: FastifyRequest): string {
  const p = request.principal;
  if (!p) return 'anonymous';
  return p.kind === 'person' ? `person:${p.person!.id}` : `api-key:${p.keyId}`;
}

/** The person behind a request: signed in themselves, or the owner of the key used (null: neither). */
export async function personOf(keys: KeysService, request: FastifyRequest): Promise<string | null> {
  const p = request.principal;
  if (!p) return null;
  if (p.kind === 'person') return p.person!.id;
  return p.ownerId !== undefined ? p.ownerId : ((await keys.ownerOf(p.keyId!)) ?? null);
}

/** Records a settings change in the audit log, field by field, when anything changed. */
export async function recordSettingsChange(
  seatwise: Pick<Seatwise, 'audit'>,
  request: FastifyRequest,
  target: string,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Promise<void> {
  await seatwise.audit.recordChange({
    actor: actorOf(request),
    action: 'settings_changed',
    targets: [target],
    before,
    after,
  });
}
