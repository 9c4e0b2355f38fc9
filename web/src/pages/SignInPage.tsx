import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { ApiError, api } from '../api.ts';
import type { Session } from '../types.ts';

/** Why the identity provider's sign-in was refused, by the code Seatwise sends back (the audit log has details). */
const refusals: Record<string, string> = {
  sso_unavailable: 'The identity provider could not be reached. Try again, or ask an admin.',
  invalid_state: 'That sign-in expired or was started in another browser. Sign in again.',
  provider_error: 'The identity provider did not sign you in.',
  token_invalid:
    "The identity provider's answer could not be verified (issuer, audience, nonce or signature), so Seatwise refused it.",
  email_missing: 'The identity provider did not tell Seatwise your email address.',
  email_unverified:
    'The identity provider did not confirm that your email address is verified, so Seatwise cannot tell it is yours. Ask an admin (the audit log says why).',
  too_many_sign_in_attempts: 'Too many sign-in attempts from your address. Wait a minute and try again.',
  domain_not_allowed: "Your email's domain is not allowed to sign in to Seatwise.",
  no_role:
    'You have no role in Seatwise yet. Ask an admin to invite you, or to add you to a group that gives one.',
  person_disabled: 'Your access to Seatwise is disabled. Ask an admin.',
  subject_mismatch: 'Your email already belongs to another account at the identity provider.',
};

interface AuthConfig {
  keySignIn: boolean;
  sso: { name: string; loginUrl: string } | null;
}

/**
 * Sign in with the identity provider (single sign-on), or with an API key where that is allowed: either opens a
 * browser session (an HttpOnly cookie) with its CSRF token.
 */
export function SignInPage({
  message,
  onSignedIn,
}: {
  message: string | null;
  onSignedIn: (s: Session) => void;
}) {
  const form = useForm<{ key: string }>({ defaultValues: { key: '' } });
  const config = useQuery({
    queryKey: ['auth-config'],
    queryFn: () => api<AuthConfig>('GET', '/api/auth/config'),
  });
  const [refused] = useState(() => {
    const params = new URLSearchParams(window.location.search);
    const code = params.get('signInError');
    // Said once: a reload or a later sign-out does not repeat it.
    if (code) {
      params.delete('signInError');
      const rest = params.toString();
      window.history.replaceState(null, '', `${window.location.pathname}${rest ? `?${rest}` : ''}`);
    }
    return code;
  });
  const returnTo = window.location.pathname === '/' ? '/' : window.location.pathname + window.location.search;
  const submit = form.handleSubmit(async ({ key }) => {
    try {
      await api<{ role: Session['role']; csrfToken: string; expiresAt: string }>('POST', '/api/session', {
        key: key.trim(),
      });
      // The session as the server describes it: the key's name and whose it is, for the header.
      onSignedIn(await api<Session>('GET', '/api/session'));
    } catch (error) {
      form.setError('key', {
        message:
          error instanceof ApiError && error.status === 401
            ? 'That API key is not valid or was revoked.'
            : String((error as Error).message),
      });
    }
  });
  const error = form.formState.errors.key?.message;
  return (
    <main className="signin" id="main">
      <h1>Sign in to Seatwise</h1>
      {message && (
        <p className="notice" role="status">
          {message}
        </p>
      )}
      {refused && (
        <p className="notice error" role="alert">
          {refusals[refused] ?? 'Signing in was refused.'} An admin finds the reason in the audit log.
        </p>
      )}
      {config.data?.sso && (
        <a
          className="button primary sso"
          href={`${config.data.sso.loginUrl}?returnTo=${encodeURIComponent(returnTo)}`}
        >
          Sign in with {config.data.sso.name}
        </a>
      )}
      {config.data && !config.data.keySignIn && !config.data.sso && (
        <p className="notice">Signing in is turned off here: ask the operator.</p>
      )}
      {config.data?.keySignIn !== false && (
        <form onSubmit={submit} noValidate>
          {config.data?.sso && <p className="muted or">or with an API key</p>}
          <label htmlFor="key">API key</label>
          <input
            id="key"
            type="password"
            autoComplete="current-password"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'key-error' : 'key-help'}
            {...form.register('key', { required: 'Enter an API key.' })}
          />
          {error ? (
            <p className="field-error" id="key-error">
              {error}
            </p>
          ) : (
            <p className="help" id="key-help">
              The admin key printed when Seatwise first started, or one from <code>seatwise keys create</code>
              .
            </p>
          )}
          <button type="submit" className="primary" disabled={form.formState.isSubmitting}>
            {form.formState.isSubmitting ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      )}
    </main>
  );
}
