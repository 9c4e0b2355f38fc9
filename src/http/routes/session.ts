import rateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SignInRefused } from '../../app/signInService.ts';
import type { Seatwise } from '../../compose.ts';
import { AppError } from '../../domain/appError.ts';
import { actorOf, SESSION_COOKIE } from '../auth.ts';
import { HttpError } from '../errorEnvelope.ts';
import type { SignInGuard } from '../signInGuard.ts';

/** Browser sign-in: POST /api/session with a key sets an HttpOnly, SameSite cookie and returns a CSRF token. */
export function sessionRoutes(
  seatwise: Seatwise,
  options: {
    secureCookies: boolean | 'auto';
    guard: SignInGuard;
    /** Single sign-on starts and callbacks one address may make in a window (each writes a row or an entry). */
    oidcLimit: { max: number; windowMs: number };
  },
): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_request, context) =>
        new HttpError(
          429,
          'too_many_sign_in_attempts',
          `too many single sign-on attempts from this address: try again in ${Math.ceil(context.ttl / 1000)} s`,
          { retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)) },
        ),
    });
    const oidcRateLimit = { max: options.oidcLimit.max, timeWindow: options.oidcLimit.windowMs };
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
        if (!seatwise.signIn.keySignInEnabled)
          throw new AppError(
            'forbidden',
            'key_sign_in_disabled',
            'signing in to the web UI with an API key is turned off here (SEATWISE_KEY_SIGN_IN=false): sign in with single sign-on',
          );
        const session = await seatwise.keys.openSession(request.body.key).catch((error) => {
          if (error instanceof AppError && error.kind === 'unauthorized') options.guard.failed(request.ip);
          throw error;
        });
        setSessionCookie(reply, request, session, options.secureCookies);
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
        const { kind, keyId, keyName, ownerId, person, role, via, csrfToken, expiresAt } = request.principal!;
        const owner = ownerId ? await seatwise.people.get(ownerId).catch(() => null) : null;
        const who =
          kind === 'person'
            ? {
                kind,
                person: { id: person!.id, email: person!.email, name: person!.name },
                roleSource: person!.roleSource,
              }
            : {
                kind,
                keyId,
                keyName,
                // The person the key belongs to: who the caller is, as the header and the audit log say.
                owner: owner ? { id: owner.id, email: owner.email, name: owner.name } : null,
              };
        return via === 'session' ? { ...who, role, via, csrfToken, expiresAt } : { ...who, role, via };
      },
    );
    app.delete(
      '/api/session',
      { config: { access: 'signedIn' }, schema: { tags: ['session'], summary: 'Sign out' } },
      async (request, reply) => {
        const sessionId = request.cookies[SESSION_COOKIE];
        if (sessionId) await seatwise.keys.closeSession(sessionId);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        const principal = request.principal!;
        await seatwise.audit.record({
          actor: actorOf(request),
          action: 'sign_out',
          via: principal.kind === 'person' ? 'oidc' : 'key',
          outcome: 'done',
          targets: [],
        });
        // A person signed in with the provider is also signed out there, when it offers that.
        const logoutUrl =
          principal.kind === 'person' ? await seatwise.signIn.logoutUrl(`${originOf(request)}/`) : null;
        return logoutUrl ? reply.code(200).send({ logoutUrl }) : reply.code(204).send();
      },
    );

    app.get(
      '/api/auth/config',
      {
        config: { access: 'public' },
        schema: {
          tags: ['session'],
          summary: 'How people may sign in here: single sign-on, an API key, or both',
        },
      },
      async () => seatwise.signIn.config(),
    );
    app.get(
      '/api/auth/oidc/login',
      {
        config: { access: 'public', rateLimit: oidcRateLimit },
        schema: {
          tags: ['session'],
          summary: "Start signing in with the identity provider: redirects to the provider's sign-in page",
          querystring: z.object({
            returnTo: z
              .string()
              .max(500)
              .optional()
              .describe('the Seatwise page to open afterwards (a path)'),
          }),
        },
      },
      async (request, reply) => {
        const { url, state } = await seatwise.signIn.start(request.query.returnTo);
        reply.setCookie(LOGIN_COOKIE, state, {
          httpOnly: true,
          // Lax: the provider's redirect back is a top-level navigation from another site.
          sameSite: 'lax',
          path: '/api/auth/oidc',
          secure: secureFor(request, options.secureCookies),
          maxAge: 600,
        });
        return reply.redirect(url, 302);
      },
    );
    app.get(
      '/api/auth/oidc/callback',
      {
        config: { access: 'public', rateLimit: oidcRateLimit },
        schema: {
          tags: ['session'],
          summary:
            'Where the identity provider sends people back: opens their session, or names why they were refused',
          querystring: z
            .object({
              code: z.string().max(4096),
              state: z.string().max(512),
              iss: z.string().max(2048),
              error: z.string().max(256),
              error_description: z.string().max(2048),
            })
            .partial(),
        },
      },
      async (request, reply) => {
        const url = new URL(request.url, `${originOf(request)}/`);
        // openid-client compares the callback with the configured redirect URL: what the browser reached.
        const callback = new URL(`${seatwise.signIn.redirectUrl()}${url.search}`);
        reply.clearCookie(LOGIN_COOKIE, { path: '/api/auth/oidc' });
        try {
          const session = await seatwise.signIn.finish(callback, request.cookies[LOGIN_COOKIE]);
          setSessionCookie(reply, request, session, options.secureCookies);
          return reply.redirect(session.returnTo, 302);
        } catch (error) {
          if (error instanceof SignInRefused)
            return reply.redirect(`/?signInError=${encodeURIComponent(error.code)}`, 302);
          throw error;
        }
      },
    );
  };
}

const LOGIN_COOKIE = 'seatwise_oidc_state';

function secureFor(request: FastifyRequest, secureCookies: boolean | 'auto'): boolean {
  return secureCookies === 'auto' ? cameOverHttps(request) : secureCookies;
}

/** The session cookie: HttpOnly, SameSite=Strict, Secure over https. */
function setSessionCookie(
  reply: FastifyReply,
  request: FastifyRequest,
  session: { sessionId: string; expiresAt: string },
  secureCookies: boolean | 'auto',
): void {
  reply.setCookie(SESSION_COOKIE, session.sessionId, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: secureFor(request, secureCookies),
    expires: new Date(session.expiresAt),
  });
}

function originOf(request: FastifyRequest): string {
  return `${cameOverHttps(request) ? 'https' : 'http'}://${request.headers.host ?? 'localhost'}`;
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
