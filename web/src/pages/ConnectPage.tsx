import { useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { Link, useLocation } from 'wouter';
import { ApiError, api } from '../api.ts';
import type { Connection } from '../types.ts';

interface ConnectForm {
  permission: 'read' | 'read_and_act';
  token: string;
  accountUrl: string;
  scimToken: string;
  apiUrl: string;
  scimUrl: string;
}

const fields = ['permission', 'token', 'accountUrl', 'scimToken', 'apiUrl', 'scimUrl'] as const;

/** Which field a refusal from the API is about. */
function fieldOf(error: ApiError): (typeof fields)[number] | null {
  const byCode: Record<string, (typeof fields)[number]> = {
    invalid_token: 'token',
    token_owner_denied: 'token',
    account_url_mismatch: 'accountUrl',
    invalid_scim_token: 'scimToken',
    scim_needs_enterprise: 'scimToken',
    scim_unreachable: 'scimToken',
  };
  if (byCode[error.code]) return byCode[error.code]!;
  const field = error.details?.field;
  if (typeof field === 'string' && (fields as readonly string[]).includes(field))
    return field as (typeof fields)[number];
  return null;
}

/** Connect monday.com: permission level, API v2 token, optional account URL and SCIM token, then Connect. */
export function ConnectPage() {
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const form = useForm<ConnectForm>({
    defaultValues: { permission: 'read', token: '', accountUrl: '', scimToken: '', apiUrl: '', scimUrl: '' },
  });
  const { errors, isSubmitting } = form.formState;

  const submit = form.handleSubmit(async (values) => {
    const body = Object.fromEntries(Object.entries(values).filter(([, v]) => v.trim() !== ''));
    try {
      const connection = await api<Connection>('POST', '/api/connections', body);
      // The first sync starts at once; the card turns green when it is done.
      await api('POST', `/api/connections/${connection.id}/sync?wait=false`).catch(() => {});
      await queryClient.invalidateQueries({ queryKey: ['connections'] });
      navigate('/');
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const issues = (error.details?.issues as { path: string; message: string }[] | undefined) ?? [];
      let placed = false;
      for (const issue of issues) {
        const name = issue.path.replace(/^body\./, '').split('.')[0] as (typeof fields)[number];
        if ((fields as readonly string[]).includes(name)) {
          form.setError(name, { message: `${labels[name]} ${issue.message}.` });
          placed = true;
        }
      }
      const field = fieldOf(error);
      if (field) {
        form.setError(field, { message: error.message });
        placed = true;
      }
      if (!placed) form.setError('root', { message: error.message });
    }
  });

  return (
    <section aria-labelledby="connect-title" className="narrow">
      <p>
        <Link href="/">← Integrations</Link>
      </p>
      <h1 id="connect-title">Connect monday.com</h1>
      <form onSubmit={submit} noValidate>
        <fieldset>
          <legend>1. Permission level</legend>
          <label className="choice">
            <input type="radio" value="read" {...form.register('permission')} /> Read
            <span className="help">See users, roles, licenses and activity.</span>
          </label>
          <label className="choice">
            <input type="radio" value="read_and_act" {...form.register('permission')} /> Read and Take action
            <span className="help">
              Also invite, change roles, deactivate and reactivate users. Actions need this level.
            </span>
          </label>
        </fieldset>

        <Field
          name="token"
          label="2. API v2 Token"
          error={errors.token?.message}
          help="In monday.com: your avatar → Developers → My access tokens. An admin’s token can run every action."
        >
          <input
            id="token"
            type="password"
            autoComplete="off"
            {...form.register('token', { required: 'Enter the API v2 token.' })}
            {...invalid('token', errors.token?.message)}
          />
        </Field>

        <Field
          name="accountUrl"
          label="3. Account URL (optional)"
          error={errors.accountUrl?.message}
          help="https://<your-account>.monday.com — needed to connect more than one account; checked against the token."
        >
          <input
            id="accountUrl"
            type="url"
            placeholder="https://acme.monday.com"
            {...form.register('accountUrl')}
            {...invalid('accountUrl', errors.accountUrl?.message)}
          />
        </Field>

        <Field
          name="scimToken"
          label="4. SCIM Provisioning Token (optional)"
          error={errors.scimToken?.message}
          help="Enterprise plans: Admin → Security → SCIM. Needed to create and deactivate users."
        >
          <input
            id="scimToken"
            type="password"
            autoComplete="off"
            {...form.register('scimToken')}
            {...invalid('scimToken', errors.scimToken?.message)}
          />
        </Field>

        <details>
          <summary>Advanced: other endpoints</summary>
          <p className="help">
            For monday’s emulator or a proxy. The server must allow them in{' '}
            <code>SEATWISE_ALLOWED_ENDPOINTS</code>.
          </p>
          <Field
            name="apiUrl"
            label="API endpoint"
            error={errors.apiUrl?.message}
            help="Default https://api.monday.com/v2"
          >
            <input
              id="apiUrl"
              type="url"
              {...form.register('apiUrl')}
              {...invalid('apiUrl', errors.apiUrl?.message)}
            />
          </Field>
          <Field
            name="scimUrl"
            label="SCIM endpoint"
            error={errors.scimUrl?.message}
            help="Default https://<account>.monday.com/scim/v2"
          >
            <input
              id="scimUrl"
              type="url"
              {...form.register('scimUrl')}
              {...invalid('scimUrl', errors.scimUrl?.message)}
            />
          </Field>
        </details>

        {errors.root?.message && (
          <p className="error-box" role="alert">
            {errors.root.message}
          </p>
        )}
        <div className="buttons">
          <button type="submit" className="primary" disabled={isSubmitting}>
            {isSubmitting ? 'Connecting…' : 'Connect'}
          </button>
        </div>
      </form>
    </section>
  );
}

const labels: Record<(typeof fields)[number], string> = {
  permission: 'The permission level',
  token: 'The API token',
  accountUrl: 'The account URL',
  scimToken: 'The SCIM token',
  apiUrl: 'The API endpoint',
  scimUrl: 'The SCIM endpoint',
};

function invalid(name: string, error: string | undefined) {
  return {
    'aria-invalid': error ? true : undefined,
    'aria-describedby': error ? `${name}-error` : `${name}-help`,
  } as const;
}

/** A labelled control with its help text, or its error in place of the help. */
export function Field({
  name,
  label,
  error,
  help,
  children,
}: {
  name: string;
  label: string;
  error: string | undefined;
  help?: string;
  children: React.ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={name}>{label}</label>
      {children}
      {error ? (
        <p className="field-error" id={`${name}-error`}>
          {error}
        </p>
      ) : (
        help && (
          <p className="help" id={`${name}-help`}>
            {help}
          </p>
        )
      )}
    </div>
  );
}
