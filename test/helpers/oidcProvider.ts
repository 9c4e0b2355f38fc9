import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import Provider from 'oidc-provider';

/** A person at the company's identity provider. */
export interface ProviderAccount {
  email: string;
  name: string;
  groups: string[];
  /** What the provider says of the email: verified (the default), not verified, or nothing (Entra ID). */
  emailVerified?: boolean | 'absent';
}

/** How the next ID token is bent on its way to Seatwise (signed again with the provider's own key). */
export type IdTokenTamper = (claims: Record<string, unknown>) => Record<string, unknown>;

export interface RunningProvider {
  /** The issuer Seatwise is configured with (what the browser and Seatwise reach). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, ProviderAccount>;
  /** Bend every ID token the token endpoint returns until set back to null. */
  tamper: IdTokenTamper | null;
  close(): Promise<void>;
}

/**
 * The company's identity provider for tests: node-oidc-provider (a certified OpenID Provider) with users and
 * their groups, a confidential client for Seatwise, PKCE required, and its development sign-in form (any
 * password; the login is the account's id). It sits behind a small proxy that can re-sign the ID token with
 * changed claims, as a provider answering with another issuer, audience or nonce would.
 */
export async function startOidcProvider(options: {
  redirectUri: string;
  postLogoutRedirectUri: string;
  accounts: Record<string, ProviderAccount>;
}): Promise<RunningProvider> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const accounts = new Map(Object.entries(options.accounts));

  const front = createServer();
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  const clientId = 'seatwise';
  const clientSecret = 'provider-test-secret-0123456789';

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        post_logout_redirect_uris: [options.postLogoutRedirectUri],
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [jwk] },
    pkce: { required: () => true },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    // The claims go into the ID token, as Okta and Entra ID put groups there.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    // A first-party application: no consent screen.
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client!.clientId,
        accountId: ctx.oidc.session!.accountId!,
      });
      grant.addOIDCScope('openid email profile groups');
      await grant.save();
      return grant;
    },
    async findAccount(_ctx, id) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email: account.email,
            ...(account.emailVerified === 'absent' ? {} : { email_verified: account.emailVerified ?? true }),
            name: account.name,
            groups: account.groups,
          };
        },
      };
    },
  });
  const back: Server = createServer(provider.callback());
  await new Promise<void>((resolve) => back.listen(0, '127.0.0.1', resolve));
  const backPort = (back.address() as AddressInfo).port;

  const running: RunningProvider = {
    issuer,
    clientId,
    clientSecret,
    accounts,
    tamper: null,
    async close() {
      front.closeAllConnections();
      back.closeAllConnections();
      await Promise.all([
        new Promise((resolve) => front.close(resolve)),
        new Promise((resolve) => back.close(resolve)),
      ]);
    },
  };

  front.on('request', (req, res) => {
    const upstream = httpRequest(
      { host: '127.0.0.1', port: backPort, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        const tamper = running.tamper;
        if (!tamper || !req.url?.startsWith('/token') || answer.statusCode !== 200) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', async () => {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          const claims = JSON.parse(
            Buffer.from(String(body.id_token).split('.')[1]!, 'base64url').toString('utf8'),
          ) as Record<string, unknown>;
          body.id_token = await new SignJWT(tamper(claims))
            .setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'JWT' })
            .sign(privateKey);
          const text = JSON.stringify(body);
          const headers = { ...answer.headers, 'content-length': String(Buffer.byteLength(text)) };
          res.writeHead(200, headers);
          res.end(text);
        });
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  return running;
}

/** The identity provider for a Seatwise at `seatwise` (its callback and sign-out redirect registered). */
export function startProviderFor(
  seatwise: string,
  accounts: Record<string, ProviderAccount>,
): Promise<RunningProvider> {
  return startOidcProvider({
    redirectUri: `${seatwise}/api/auth/oidc/callback`,
    postLogoutRedirectUri: `${seatwise}/`,
    accounts,
  });
}

/** The variables an operator sets to sign in with this provider at `seatwise` (groups in the ID token). */
export function oidcEnv(
  provider: RunningProvider,
  seatwise: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    SEATWISE_OIDC_ISSUER: provider.issuer,
    SEATWISE_OIDC_CLIENT_ID: provider.clientId,
    SEATWISE_OIDC_CLIENT_SECRET: provider.clientSecret,
    SEATWISE_OIDC_REDIRECT_URL: `${seatwise}/api/auth/oidc/callback`,
    SEATWISE_OIDC_ALLOWED_DOMAINS: 'acme.test',
    SEATWISE_OIDC_SCOPES: 'openid email profile groups',
    ...extra,
  };
}
