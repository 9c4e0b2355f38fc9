import { resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { defaultDataDir } from './dataLocation.ts';
import { isSeatwiseRole, type SeatwiseRole, seatwiseRoles } from './domain/roles.ts';

const envSchema = z.object({
  SEATWISE_PORT: z.coerce.number().int().min(0).max(65535).default(4310),
  SEATWISE_HOST: z.string().min(1).default('127.0.0.1'),
  SEATWISE_DATA_DIR: z.string().min(1).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  SEATWISE_SECRET_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Keys tokens may still be sealed with during a rotation (comma-separated); new values use SEATWISE_SECRET_KEY. */
  SEATWISE_PREVIOUS_SECRET_KEYS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    )
    .refine((keys) => keys.every((k) => k.length >= 16), 'every key must be at least 16 characters'),
  /** Origins besides monday's own that tokens may be sent to (the emulator, a proxy): comma-separated, or `*`. */
  SEATWISE_ALLOWED_ENDPOINTS: z.string().optional(),
  SEATWISE_LEASE_SECONDS: z.coerce.number().int().min(2).max(3600).default(60),
  /** Session cookies marked Secure: always, never, or (auto) when the request came over https. */
  SEATWISE_SECURE_COOKIES: z.enum(['auto', 'true', 'false']).default('auto'),
  /** Whether people may sign in to the web UI with an API key (API calls with a key always work). */
  SEATWISE_KEY_SIGN_IN: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** Where access-review reminders are e-mailed through: smtp://user:password@host:port (smtps:// for TLS). */
  SEATWISE_SMTP_URL: z
    .string()
    .regex(
      /^smtps?:\/\/[^\s]+$/,
      'must be an smtp:// or smtps:// URL, such as smtp://user:password@mail.example.com:587',
    )
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** The sender of those e-mails, such as "Seatwise <seatwise@example.com>". */
  SEATWISE_SMTP_FROM: z.string().min(3).max(320).default('Seatwise <seatwise@localhost>'),
  /** The address people open Seatwise at, for links in e-mails (such as https://seatwise.example.com). */
  SEATWISE_PUBLIC_URL: z.string().url().optional(),
  /** Single sign-on with OpenID Connect: the provider's issuer URL (discovery is read from it). */
  SEATWISE_OIDC_ISSUER: z.string().url().optional(),
  SEATWISE_OIDC_CLIENT_ID: z.string().min(1).optional(),
  /** The client secret; without one Seatwise signs in as a public client (PKCE only). */
  SEATWISE_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** Where the provider sends people back: https://<seatwise>/api/auth/oidc/callback. */
  SEATWISE_OIDC_REDIRECT_URL: z.string().url().optional(),
  /** Email domains that may sign in, comma-separated (`*`: any the provider vouches for). */
  SEATWISE_OIDC_ALLOWED_DOMAINS: z.string().optional(),
  /** The ID-token (or userinfo) claim that lists a person's groups. */
  SEATWISE_OIDC_GROUPS_CLAIM: z.string().min(1).default('groups'),
  /**
   * Whether the provider's email claim is trusted without `email_verified: true` (Okta and Google send it;
   * Entra ID sends none, and its email is not verified for guests and multi-tenant apps). Off by default: a
   * sign-in whose email is not asserted verified is refused.
   */
  SEATWISE_OIDC_TRUST_EMAIL: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** The claim that carries the email (Entra ID: preferred_username when email is not issued). */
  SEATWISE_OIDC_EMAIL_CLAIM: z.string().min(1).default('email'),
  /** Groups that give a role: `admin=seatwise-admins;operator=it-ops,helpdesk;viewer=finance`. */
  SEATWISE_OIDC_ROLE_GROUPS: z.string().optional(),
  /** The role of someone whose groups map to none and who has none in Seatwise (`none`: refused). */
  SEATWISE_OIDC_DEFAULT_ROLE: z.enum(['none', ...seatwiseRoles]).default('none'),
  SEATWISE_OIDC_SCOPES: z.string().min(1).default('openid email profile'),
  /** What the sign-in button calls the provider ("Sign in with Okta"). */
  SEATWISE_OIDC_NAME: z.string().min(1).max(60).default('single sign-on'),
  /**
   * The reverse proxies in front of Seatwise whose X-Forwarded-For names the real client (comma-separated
   * addresses or CIDR ranges, or loopback, linklocal, uniquelocal); unset: the connecting address is the client.
   */
  SEATWISE_TRUSTED_PROXIES: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .refine(
      (list) => list.every(isProxySpec),
      'give addresses or CIDR ranges, comma-separated (10.0.0.0/8,127.0.0.1), or loopback, linklocal, uniquelocal',
    ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How `seatwise serve` writes its log: readable lines on a terminal and JSON otherwise (`auto`), or always one. */
  LOG_FORMAT: z.enum(['auto', 'pretty', 'json']).default('auto'),
});

/** Seatwise's settings, read once from the environment at start. */
export type Config = Omit<z.infer<typeof envSchema>, 'SEATWISE_DATA_DIR'> & {
  /** Single sign-on, when SEATWISE_OIDC_ISSUER is set. */
  oidc: OidcSettings | null;
  /** An absolute path: SEATWISE_DATA_DIR, or the user's data directory. */
  SEATWISE_DATA_DIR: string;
  /** Whether SEATWISE_DATA_DIR was set (rather than the default used). */
  dataDirFromEnv: boolean;
};

export class ConfigError extends Error {}

/** Single sign-on with an OpenID Connect provider, as the operator configured it. */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string | null;
  redirectUrl: string;
  /** Lowercased domains, or '*' for any. */
  allowedDomains: string[] | '*';
  groupsClaim: string;
  emailClaim: string;
  /** Whether an email without `email_verified: true` is trusted (SEATWISE_OIDC_TRUST_EMAIL). */
  trustEmail: boolean;
  /** Group name → the role it gives. */
  roleGroups: Map<string, SeatwiseRole>;
  defaultRole: SeatwiseRole | null;
  scopes: string;
  name: string;
}

/** Reads the OIDC variables: all or none of issuer, client id, redirect URL and allowed domains. */
function oidcSettings(env: z.infer<typeof envSchema>): OidcSettings | null {
  const required = {
    SEATWISE_OIDC_ISSUER: env.SEATWISE_OIDC_ISSUER,
    SEATWISE_OIDC_CLIENT_ID: env.SEATWISE_OIDC_CLIENT_ID,
    SEATWISE_OIDC_REDIRECT_URL: env.SEATWISE_OIDC_REDIRECT_URL,
    SEATWISE_OIDC_ALLOWED_DOMAINS: env.SEATWISE_OIDC_ALLOWED_DOMAINS,
  };
  const missing = Object.entries(required).filter(([, v]) => v === undefined);
  if (missing.length === 4 && !env.SEATWISE_OIDC_CLIENT_SECRET && !env.SEATWISE_OIDC_ROLE_GROUPS) return null;
  if (missing.length > 0)
    throw new ConfigError(
      `invalid configuration: single sign-on also needs ${missing.map(([k]) => k).join(', ')}`,
    );
  const issuer = new URL(env.SEATWISE_OIDC_ISSUER!);
  if (issuer.protocol !== 'https:' && !isLoopback(issuer.hostname))
    throw new ConfigError('invalid configuration: SEATWISE_OIDC_ISSUER: must be an https:// URL');
  const redirect = new URL(env.SEATWISE_OIDC_REDIRECT_URL!);
  if (redirect.pathname !== '/api/auth/oidc/callback')
    throw new ConfigError(
      'invalid configuration: SEATWISE_OIDC_REDIRECT_URL: must end in /api/auth/oidc/callback (https://<seatwise>/api/auth/oidc/callback)',
    );
  const domains = env
    .SEATWISE_OIDC_ALLOWED_DOMAINS!.split(',')
    .map((d) => d.trim().toLowerCase().replace(/^@/, ''))
    .filter(Boolean);
  if (domains.length === 0 || domains.some((d) => d !== '*' && !/^[a-z0-9.-]+\.[a-z]{2,}$/.test(d)))
    throw new ConfigError(
      'invalid configuration: SEATWISE_OIDC_ALLOWED_DOMAINS: give email domains, comma-separated (example.com,example.org), or * for any',
    );
  const roleGroups = new Map<string, SeatwiseRole>();
  for (const part of (env.SEATWISE_OIDC_ROLE_GROUPS ?? '').split(';').filter((p) => p.trim())) {
    const [role, groups] = part.split('=', 2).map((x) => x.trim());
    if (!isSeatwiseRole(role) || !groups)
      throw new ConfigError(
        `invalid configuration: SEATWISE_OIDC_ROLE_GROUPS: "${part.trim()}" is not role=group[,group] (roles: ${seatwiseRoles.join(', ')})`,
      );
    for (const group of groups
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean))
      roleGroups.set(group, role);
  }
  return {
    issuer: env.SEATWISE_OIDC_ISSUER!,
    clientId: env.SEATWISE_OIDC_CLIENT_ID!,
    clientSecret: env.SEATWISE_OIDC_CLIENT_SECRET ?? null,
    redirectUrl: redirect.href,
    allowedDomains: domains.includes('*') ? '*' : domains,
    groupsClaim: env.SEATWISE_OIDC_GROUPS_CLAIM,
    emailClaim: env.SEATWISE_OIDC_EMAIL_CLAIM,
    trustEmail: env.SEATWISE_OIDC_TRUST_EMAIL,
    roleGroups,
    defaultRole: env.SEATWISE_OIDC_DEFAULT_ROLE === 'none' ? null : env.SEATWISE_OIDC_DEFAULT_ROLE,
    scopes: env.SEATWISE_OIDC_SCOPES,
    name: env.SEATWISE_OIDC_NAME,
  };
}

function isProxySpec(spec: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(spec)) return true;
  if (ipaddr.isValid(spec)) return true;
  try {
    ipaddr.parseCIDR(spec);
    return true;
  } catch {
    return false;
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
}

/** Parses the environment; a bad value stops the start with a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means unset, as shells and compose files write it.
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = envSchema.safeParse(given);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const dataDir = result.data.SEATWISE_DATA_DIR;
  return {
    ...result.data,
    oidc: oidcSettings(result.data),
    SEATWISE_DATA_DIR: resolve(dataDir ?? defaultDataDir()),
    dataDirFromEnv: dataDir !== undefined,
  };
}
