import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { Link } from 'wouter';
import { ApiError, api } from '../api.ts';
import { Loading, QueryError } from '../components/States.tsx';
import type { Connection } from '../types.ts';
import { Field } from './ConnectPage.tsx';

interface SettingsForm {
  permission: 'read' | 'read_and_act';
  token: string;
  scimToken: string;
  accountUrl: string;
}

/** A connection's settings: permission level, new tokens (validated live), account URL. */
export function SettingsPage({ id }: { id: string }) {
  const connection = useQuery({
    queryKey: ['connection', id],
    queryFn: () => api<Connection>('GET', `/api/connections/${id}`),
  });
  if (connection.isPending) return <Loading what="the connection" lines={10} />;
  if (connection.isError) return <QueryError error={connection.error} what="the connection" />;
  return <SettingsForm connection={connection.data} />;
}

function SettingsForm({ connection: c }: { connection: Connection }) {
  const queryClient = useQueryClient();
  const form = useForm<SettingsForm>({
    defaultValues: { permission: c.permission, token: '', scimToken: '', accountUrl: c.accountUrl ?? '' },
  });
  const save = useMutation({
    mutationFn: (values: SettingsForm) => {
      const body: Record<string, unknown> = {};
      if (values.permission !== c.permission) body.permission = values.permission;
      if (values.token.trim()) body.token = values.token.trim();
      if (values.scimToken.trim()) body.scimToken = values.scimToken.trim();
      if (values.accountUrl.trim() !== (c.accountUrl ?? ''))
        body.accountUrl = values.accountUrl.trim() || null;
      return api<Connection>('PATCH', `/api/connections/${c.id}`, body);
    },
    onSuccess: (updated) => {
      queryClient.setQueryData(['connection', c.id], updated);
      queryClient.invalidateQueries({ queryKey: ['connections'] });
      queryClient.invalidateQueries({ queryKey: ['capabilities', c.id] });
      form.reset({
        permission: updated.permission,
        token: '',
        scimToken: '',
        accountUrl: updated.accountUrl ?? '',
      });
    },
    onError: (error) => {
      const code = error instanceof ApiError ? error.code : '';
      const field = /scim/.test(code)
        ? 'scimToken'
        : /account_url/.test(code)
          ? 'accountUrl'
          : /token|account/.test(code)
            ? 'token'
            : 'root';
      form.setError(field as keyof SettingsForm | 'root', { message: (error as Error).message });
    },
  });
  const { errors } = form.formState;
  return (
    <section aria-labelledby="settings-title" className="narrow">
      <p>
        <Link href="/">← Integrations</Link>
      </p>
      <h1 id="settings-title">Settings: {c.accountName}</h1>
      <p className="muted">
        {c.accountSlug}.monday.com · API {c.apiUrl} (version {c.apiVersion}) · SCIM{' '}
        {c.hasScimToken ? `token set (${c.scimUrl})` : 'no token'}
      </p>
      <form onSubmit={form.handleSubmit((v) => save.mutate(v))} noValidate>
        <fieldset>
          <legend>Permission level</legend>
          <label className="choice">
            <input type="radio" value="read" {...form.register('permission')} /> Read
          </label>
          <label className="choice">
            <input type="radio" value="read_and_act" {...form.register('permission')} /> Read and Take action
          </label>
        </fieldset>
        <Field
          name="token"
          label="New API v2 token"
          error={errors.token?.message}
          help="Leave empty to keep the current one."
        >
          <input id="token" type="password" autoComplete="off" {...form.register('token')} />
        </Field>
        <Field
          name="scimToken"
          label="New SCIM token"
          error={errors.scimToken?.message}
          help="Leave empty to keep the current one."
        >
          <input id="scimToken" type="password" autoComplete="off" {...form.register('scimToken')} />
        </Field>
        <Field
          name="accountUrl"
          label="Account URL"
          error={errors.accountUrl?.message}
          help="https://<account>.monday.com, or empty."
        >
          <input id="accountUrl" type="url" {...form.register('accountUrl')} />
        </Field>
        {errors.root?.message && (
          <p className="error-box" role="alert">
            {errors.root.message}
          </p>
        )}
        {save.isSuccess && (
          <p className="notice" role="status">
            Saved.
          </p>
        )}
        <div className="buttons">
          <button type="submit" className="primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </section>
  );
}
