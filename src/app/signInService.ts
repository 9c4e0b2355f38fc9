import type { Kysely } from 'kysely';
import * as oidc from 'openid-client';
import type { OidcSettings } from '../config.ts';
import { AppError } from '../domain/appError.ts';
import { newId } from '../domain/ids.ts';
import { effectiveRole, roleFromGroups } from '../domain/people.ts';
import type { SeatwiseRole } from '../domain/roles.ts';
import type { Store } from '../store/database.ts';
import type { Database, PeopleTable } from '../store/schema.ts';
import { type KeysService, sha256 } from './keysService.ts';
import type { SeatwiseAudit } from './seatwiseAudit.ts';

/** How long someone has to finish signing in at the provider. */
const LOGIN_TTL_MS = 10 * 60_000;

/** Identical refusals within this window share one audit entry. */
const REFUSAL_WINDOW_MS = 60_000;

/** Why a sign-in with the provider was refused; `code` is what the web UI explains, `message` the audit's. */
export class SignInRefused extends Error {
  constructor(
    readonly code:
      | 'sso_unavailable'
      | 'invalid_state'
      | 'provider_error'
      | 'token_invalid'
      | 'email_missing'
      | 'email_unverified'
      | 'domain_not_allowed'
      | 'no_role'
      | 'person_disabled'
      | 'subject_mismatch',
    message: string,
  ) {
    super(message);
  }
}

export interface SignInConfigView {
  /** Whether the web UI offers sign-in with an API key. */
  keySignIn: boolean;
  /** Single sign-on, when configured: the button's words and where it starts. */
  sso: { name: string; loginUrl: string } | null;
}

/**
 * Single sign-on with an OpenID Connect provider: the authorization code flow with PKCE, state and nonce;
 * discovery, ID-token validation and the code exchange are openid-client's. A person is found by the
 * provider's subject (or by email the first time), created on a first sign-in, and given a session.
 */
export class SignInService {
  private readonly db: Kysely<Database>;
  private discovered: Promise<oidc.Configuration> | null = null;

  constructor(
    store: Store,
    private readonly keys: KeysService,
    private readonly audit: SeatwiseAudit,
    private readonly settings: OidcSettings | null,
    private readonly keySignIn: boolean,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.db = store.db;
  }

  config(): SignInConfigView {
    return {
      keySignIn: this.keySignIn,
      sso: this.settings ? { name: this.settings.name, loginUrl: '/api/auth/oidc/login' } : null,
    };
  }

  /** The redirect URL the provider knows (the callback is checked against it). */
  redirectUrl(): string {
    return this.requireSettings().redirectUrl;
  }

  get keySignInEnabled(): boolean {
    return this.keySignIn;
  }

  private requireSettings(): OidcSettings {
    if (!this.settings)
      throw new AppError(
        'not_found',
        'sso_not_configured',
        'single sign-on is not configured: set SEATWISE_OIDC_ISSUER and the other SEATWISE_OIDC_ variables',
      );
    return this.settings;
  }

  /** The provider's metadata, discovered once (again after a failure). */
  private async provider(): Promise<oidc.Configuration> {
    const settings = this.requireSettings();
    if (!this.discovered) {
      const issuer = new URL(settings.issuer);
      const loopback = issuer.protocol === 'http:';
      this.discovered = oidc
        .discovery(
          issuer,
          settings.clientId,
          undefined,
          settings.clientSecret ? oidc.ClientSecretBasic(settings.clientSecret) : oidc.None(),
          { execute: loopback ? [oidc.allowInsecureRequests] : [], timeout: 10 },
        )
        .catch((error: Error) => {
          this.discovered = null;
          throw new SignInRefused(
            'sso_unavailable',
            `the identity provider at ${settings.issuer} could not be reached or described itself wrongly: ${error.message}`,
          );
        });
    }
    return this.discovered;
  }

  /**
   * Starts a sign-in: where to send the browser, and the state the browser must bring back (kept in a cookie,
   * so a sign-in started in one browser cannot be finished in another).
   */
  async start(returnTo: string | undefined): Promise<{ url: string; state: string }> {
    const settings = this.requireSettings();
    const config = await this.provider().catch(async (error: SignInRefused) => {
      await this.refused('unknown', error);
      throw new AppError('upstream', error.code, error.message);
    });
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const verifier = oidc.randomPKCECodeVerifier();
    const now = this.now();
    await this.db.deleteFrom('oidc_logins').where('expires_at', '<=', now.toISOString()).execute();
    await this.db
      .insertInto('oidc_logins')
      .values({
        state_hash: sha256(state),
        code_verifier: verifier,
        nonce,
        return_to: safeReturnTo(returnTo),
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + LOGIN_TTL_MS).toISOString(),
      })
      .execute();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: settings.redirectUrl,
      scope: settings.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, state };
  }

  /**
   * Finishes a sign-in from the provider's redirect: checks state (against the browser's cookie too), trades the
   * code with the PKCE verifier, validates the ID token (issuer, audience, signature, expiry, nonce), then the
   * email, its domain, and the person's role. Every outcome lands in the audit log.
   */
  async finish(
    callbackUrl: URL,
    browserState: string | undefined,
  ): Promise<{ sessionId: string; expiresAt: string; returnTo: string }> {
    const settings = this.requireSettings();
    const state = callbackUrl.searchParams.get('state') ?? '';
    // The login is used up whatever happens next: a state can be presented once.
    const login = state
      ? await this.db
          .deleteFrom('oidc_logins')
          .where('state_hash', '=', sha256(state))
          .returningAll()
          .executeTakeFirst()
      : undefined;
    let who = 'unknown';
    try {
      if (!login || login.expires_at <= this.now().toISOString() || browserState !== state)
        throw new SignInRefused(
          'invalid_state',
          !login
            ? 'the sign-in is unknown or was already used (state)'
            : login.expires_at <= this.now().toISOString()
              ? 'the sign-in took too long: start again'
              : 'the sign-in was started in another browser (state does not match this browser)',
        );
      const providerError = callbackUrl.searchParams.get('error');
      if (providerError)
        throw new SignInRefused(
          'provider_error',
          `the identity provider refused: ${providerError}${callbackUrl.searchParams.get('error_description') ? ` (${callbackUrl.searchParams.get('error_description')})` : ''}`,
        );
      const config = await this.provider();
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: login.code_verifier,
          expectedState: state,
          expectedNonce: login.nonce,
          idTokenExpected: true,
        });
      } catch (error) {
        // openid-client wraps the check that failed; its cause names the claim (iss, aud, nonce, exp…).
        const cause = (error as { cause?: unknown }).cause;
        const detail = cause instanceof Error ? `: ${cause.message}` : '';
        throw new SignInRefused(
          'token_invalid',
          `the identity provider's answer was not accepted: ${(error as Error).message}${detail}`,
        );
      }
      const claims = tokens.claims()!;
      who = String(claims.sub);
      let all: Record<string, unknown> = claims;
      if (claims[settings.groupsClaim] === undefined || claims[settings.emailClaim] === undefined) {
        // Some providers put email or groups only in userinfo.
        const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub).catch(() => null);
        if (info) all = { ...info, ...claims };
      }
      const email =
        typeof all[settings.emailClaim] === 'string'
          ? String(all[settings.emailClaim]).trim().toLowerCase()
          : '';
      if (!/^[^\s@]+@[^\s@]+$/.test(email))
        throw new SignInRefused(
          'email_missing',
          `the identity provider gave no email in the "${settings.emailClaim}" claim`,
        );
      who = email;
      // The email links a sign-in to a person invited by email: only an email the provider vouches for may do
      // that, or anyone who can set their own email claim at the provider would become that person.
      const verified = all.email_verified === true || all.email_verified === 'true';
      if (all.email_verified === false || all.email_verified === 'false')
        throw new SignInRefused('email_unverified', `the identity provider has not verified ${email}`);
      if (!verified && !settings.trustEmail)
        throw new SignInRefused(
          'email_unverified',
          `the identity provider did not say it verified ${email} (no email_verified claim): Seatwise signs people in by verified email only; if every email this provider issues is verified, set SEATWISE_OIDC_TRUST_EMAIL=true`,
        );
      const domain = email.split('@')[1]!;
      if (settings.allowedDomains !== '*' && !settings.allowedDomains.includes(domain))
        throw new SignInRefused(
          'domain_not_allowed',
          `${domain} is not one of the email domains allowed to sign in (${settings.allowedDomains.join(', ')})`,
        );
      const groups = groupsOf(all[settings.groupsClaim]);
      const providerRole = settings.roleGroups.size > 0 ? roleFromGroups(groups, settings.roleGroups) : null;
      const person = await this.signInPerson({
        subject: String(claims.sub),
        email,
        name: typeof all.name === 'string' ? all.name.slice(0, 200) : null,
        providerRole,
      });
      const { role, source } = effectiveRole(person, settings.defaultRole);
      const session = await this.keys.openPersonSession(person.id);
      await this.audit.record({
        actor: `person:${person.id}`,
        action: 'sign_in',
        via: 'oidc',
        outcome: 'done',
        targets: [email],
        detail: { role, roleSource: source, groups: groups.slice(0, 50) },
      });
      return { ...session, returnTo: login.return_to };
    } catch (error) {
      if (error instanceof SignInRefused) await this.refused(who, error);
      throw error;
    }
  }

  /** Where the browser goes after signing out of Seatwise: the provider's logout, when it has one. */
  async logoutUrl(returnTo: string): Promise<string | null> {
    if (!this.settings) return null;
    const config = await this.provider().catch(() => null);
    if (!config?.serverMetadata().end_session_endpoint) return null;
    return oidc
      .buildEndSessionUrl(config, { client_id: this.settings.clientId, post_logout_redirect_uri: returnTo })
      .toString();
  }

  /** Refusals of one kind for one sign-in name, counted since the last audit entry that named them. */
  private readonly repeats = new Map<string, { since: number; count: number }>();

  /**
   * Records a refused sign-in. A flood of the same refusal (the same name, reason and words) is one entry a minute,
   * the next one saying how many were folded into it, so the audit log stays readable and small.
   */
  private async refused(who: string, error: SignInRefused): Promise<void> {
    const key = `${who}\u0000${error.code}\u0000${error.message}`;
    const at = this.now().getTime();
    const seen = this.repeats.get(key);
    if (seen && at - seen.since < REFUSAL_WINDOW_MS) {
      seen.count += 1;
      return;
    }
    if (this.repeats.size > 1000)
      for (const [k, v] of this.repeats) if (at - v.since >= REFUSAL_WINDOW_MS) this.repeats.delete(k);
    this.repeats.set(key, { since: at, count: 0 });
    await this.audit.record({
      actor: `sign-in:${who}`,
      action: 'sign_in',
      via: 'oidc',
      outcome: 'refused',
      targets: who === 'unknown' ? [] : [who],
      error: { code: error.code, message: error.message },
      ...(seen?.count
        ? { detail: { alsoRefused: seen.count, since: new Date(seen.since).toISOString() } }
        : {}),
    });
  }

  /**
   * Finds (by the provider's subject, else by email) or creates the person, records their provider role and
   * sign-in, and refuses a disabled person, one with no role, or an email another subject already holds.
   */
  private async signInPerson(input: {
    subject: string;
    email: string;
    name: string | null;
    providerRole: SeatwiseRole | null;
  }): Promise<PeopleTable> {
    const settings = this.requireSettings();
    const at = this.now().toISOString();
    return this.db.transaction().execute(async (trx) => {
      const bySubject = await trx
        .selectFrom('people')
        .selectAll()
        .where('oidc_subject', '=', input.subject)
        .executeTakeFirst();
      const byEmail = bySubject
        ? undefined
        : await trx.selectFrom('people').selectAll().where('email', '=', input.email).executeTakeFirst();
      if (byEmail?.oidc_subject && byEmail.oidc_subject !== input.subject)
        throw new SignInRefused(
          'subject_mismatch',
          `${input.email} already signed in as another account of the identity provider`,
        );
      const existing = bySubject ?? byEmail;
      const person: PeopleTable = existing
        ? {
            ...existing,
            name: input.name ?? existing.name,
            provider_role: input.providerRole,
            oidc_subject: input.subject,
            last_sign_in_at: at,
          }
        : {
            id: newId('psn'),
            email: input.email,
            name: input.name,
            assigned_role: null,
            provider_role: input.providerRole,
            invited_by: null,
            created_at: at,
            last_sign_in_at: at,
            disabled_at: null,
            oidc_subject: input.subject,
          };
      if (person.disabled_at)
        throw new SignInRefused('person_disabled', `${person.email} is disabled in Seatwise`);
      if (!effectiveRole(person, settings.defaultRole).role)
        throw new SignInRefused(
          'no_role',
          `${person.email} has no role in Seatwise: an admin can invite them with one, or add them to a group that maps to one (SEATWISE_OIDC_ROLE_GROUPS)`,
        );
      if (existing)
        await trx
          .updateTable('people')
          .set({
            name: person.name,
            provider_role: person.provider_role,
            oidc_subject: person.oidc_subject,
            last_sign_in_at: at,
          })
          .where('id', '=', person.id)
          .execute();
      else await trx.insertInto('people').values(person).execute();
      return person;
    });
  }
}

/** Groups as providers send them: an array of names (or ids), or one string. */
function groupsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string');
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return [];
}

/**
 * Only a page of Seatwise itself, judged as a browser reads it: the WHATWG parser drops tabs and newlines and
 * reads `\` as `/`, so `/\t/evil.example` and `/\evil.example` leave the site although they start with one
 * slash. What is kept is the parsed path, query and fragment, never a second slash at its start.
 */
export function safeReturnTo(returnTo: string | undefined): string {
  if (!returnTo || returnTo.length > 500) return '/';
  const here = 'http://seatwise.invalid';
  let url: URL;
  try {
    url = new URL(returnTo, `${here}/`);
  } catch {
    return '/';
  }
  if (url.origin !== here || !returnTo.startsWith('/')) return '/';
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.startsWith('//') || path.startsWith('/\\') ? '/' : path;
}
