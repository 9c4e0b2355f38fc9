import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Seatwise } from '../../compose.ts';
import { AppError } from '../../domain/appError.ts';
import { SESSION_COOKIE } from '../auth.ts';
import type { SignInGuard } from '../signInGuard.ts';

/** Browser sign-in: POST /api/session with a key sets an HttpOnly, SameSite cookie and returns a CSRF token. */
export function sessionRoutes(
  seatwise: Seatwise,
  options: { secureCookies: boolean | 'auto'; guard: SignInGuard },
): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/session',
      {
        config: { access: 'public' },
        schema: {
          tags: ['session'],
          summary: 'Open a browser session with an API key',
          body: z.object({ key: z.string().min(1).max(200) }),
        },
      },
      async (request, reply) => {
        options.guard.check(request.ip);
        const session = await seatwise.keys.openSession(request.body.key).catch((error) => {
          if (error instanceof AppError && error.kind === 'unauthorized') options.guard.failed(request.ip);
          throw error;
        });
        options.guard.succeeded(request.ip);
        reply.setCookie(SESSION_COOKIE, session.sessionId, {
          httpOnly: true,
          sameSite: 'strict',
          path: '/',
          secure: options.secureCookies === 'auto' ? cameOverHttps(request) : options.secureCookies,
          expires: new Date(session.expiresAt),
        });
        return { role: session.role, csrfToken: session.csrfToken, expiresAt: session.expiresAt };
      },
    );
    app.get(
      '/api/session',
      {
        config: { access: 'signedIn' },
        schema: {
          tags: ['session'],
          summary: 'Who is signed in; a browser session also gets its CSRF token again (after a page reload)',
        },
      },
      async (request) => {
        const { keyId, role, via, csrfToken, expiresAt } = request.principal!;
        return via === 'session' ? { keyId, role, via, csrfToken, expiresAt } : { keyId, role, via };
      },
    );
    app.delete(
      '/api/session',
      { config: { access: 'signedIn' }, schema: { tags: ['session'], summary: 'Sign out' } },
      async (request, reply) => {
        const sessionId = request.cookies[SESSION_COOKIE];
        if (sessionId) await seatwise.keys.closeSession(sessionId);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.code(204).send();
      },
    );
  };
}

/**
 * Whether the browser reached Seatwise over https: directly, or through a proxy that says so. Trusting the
 * header can only make the cookie stricter (Secure), never weaker.
 */
function cameOverHttps(request: FastifyRequest): boolean {
  if (request.protocol === 'https') return true;
  const forwarded = request.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}
