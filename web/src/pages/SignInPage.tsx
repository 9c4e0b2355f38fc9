import { useForm } from 'react-hook-form';
import { ApiError, api } from '../api.ts';
import type { Session } from '../types.ts';

/** Sign in with an API key: opens a browser session (an HttpOnly cookie) and keeps its CSRF token. */
export function SignInPage({
  message,
  onSignedIn,
}: {
  message: string | null;
  onSignedIn: (s: Session) => void;
}) {
  const form = useForm<{ key: string }>({ defaultValues: { key: '' } });
  const submit = form.handleSubmit(async ({ key }) => {
    try {
      const opened = await api<{ role: Session['role']; csrfToken: string; expiresAt: string }>(
        'POST',
        '/api/session',
        { key: key.trim() },
      );
      onSignedIn({
        keyId: '',
        role: opened.role,
        via: 'session',
        csrfToken: opened.csrfToken,
        expiresAt: opened.expiresAt,
      });
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
      <form onSubmit={submit} noValidate>
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
            The admin key printed when Seatwise first started, or one from <code>seatwise keys create</code>.
          </p>
        )}
        <button type="submit" className="primary" disabled={form.formState.isSubmitting}>
          {form.formState.isSubmitting ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
