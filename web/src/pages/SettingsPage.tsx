import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { Link } from 'wouter';
import type { SeatPlanView } from '../../../src/app/economicsService.ts';
import { ApiError, api } from '../api.ts';
import { Loading, QueryError } from '../components/States.tsx';
import { useIsAdmin } from '../session.tsx';
import type { Connection } from '../types.ts';
import { Field } from './ConnectPage.tsx';

interface SettingsForm {
  permission: 'read' | 'read_and_act';
  token: string;
  scimToken: string;
  accountUrl: string;
  inactiveDays: string;
  seatPrice: string;
  currency: string;
  webhookUrl: string;
  syncSchedule: string;
  graphqlOffboarding: boolean;
}

/** A connection's settings: permission level, new tokens (validated live), account URL. */
export function SettingsPage({ id }: { id: string }) {
  const connection = useQuery({
    queryKey: ['connection', id],
    queryFn: () => api<Connection>('GET', `/api/connections/${id}`),
  });
  if (connection.isPending) return <Loading what="the connection" lines={10} />;
  if (connection.isError) return <QueryError error={connection.error} what="the connection" />;
  return (
    <>
      <SettingsForm connection={connection.data} />
      <SeatPlanForm connectionId={id} />
    </>
  );
}

/** The form as a connection fills it; tokens and the webhook URL are never shown, only replaced. */
function formValues(c: Connection): SettingsForm {
  return {
    permission: c.permission,
    token: '',
    scimToken: '',
    accountUrl: c.accountUrl ?? '',
    inactiveDays: String(c.inactiveDays),
    seatPrice: c.seatPrice === null ? '' : String(c.seatPrice),
    currency: c.currency ?? 'USD',
    webhookUrl: '',
    syncSchedule: c.syncSchedule,
    graphqlOffboarding: c.graphqlOffboarding,
  };
}

function SettingsForm({ connection: c }: { connection: Connection }) {
  const queryClient = useQueryClient();
  const isAdmin = useIsAdmin();
  const form = useForm<SettingsForm>({ defaultValues: formValues(c) });
  const save = useMutation({
    mutationFn: (values: SettingsForm) => {
      const body: Record<string, unknown> = {};
      if (values.permission !== c.permission) body.permission = values.permission;
      if (values.token.trim()) body.token = values.token.trim();
      if (values.scimToken.trim()) body.scimToken = values.scimToken.trim();
      if (values.accountUrl.trim() !== (c.accountUrl ?? ''))
        body.accountUrl = values.accountUrl.trim() || null;
      if (Number(values.inactiveDays) !== c.inactiveDays) body.inactiveDays = Number(values.inactiveDays);
      const price = values.seatPrice.trim() === '' ? null : Number(values.seatPrice);
      if (price !== c.seatPrice) body.seatPrice = price;
      if (price !== null && values.currency.trim().toUpperCase() !== (c.currency ?? ''))
        body.currency = values.currency.trim().toUpperCase();
      if (values.webhookUrl.trim()) body.webhookUrl = values.webhookUrl.trim();
      if (values.syncSchedule.trim() !== c.syncSchedule) body.syncSchedule = values.syncSchedule.trim();
      if (values.graphqlOffboarding !== c.graphqlOffboarding)
        body.graphqlOffboarding = values.graphqlOffboarding;
      return api<Connection>('PATCH', `/api/connections/${c.id}`, body);
    },
    onSuccess: (updated) => {
      queryClient.setQueryData(['connection', c.id], updated);
      queryClient.invalidateQueries({ queryKey: ['connections'] });
      queryClient.invalidateQueries({ queryKey: ['capabilities', c.id] });
      form.reset(formValues(updated));
    },
    onError: (error) => {
      const code = error instanceof ApiError ? error.code : '';
      const issues =
        error instanceof ApiError ? (error.details?.issues as { path: string }[] | undefined) : undefined;
      const named =
        issues?.[0]?.path.replace(/^body\./, '') ??
        (error instanceof ApiError ? (error.details?.field as string | undefined) : undefined);
      const field =
        named && ['inactiveDays', 'seatPrice', 'currency', 'webhookUrl', 'syncSchedule'].includes(named)
          ? named
          : /scim/.test(code)
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
      {!isAdmin && <AdminOnlyNote />}
      <form onSubmit={form.handleSubmit((v) => save.mutate(v))} noValidate>
        {/* Read-only for everyone but admins: the server refuses their changes anyway. */}
        <fieldset className="plain" disabled={!isAdmin}>
          <fieldset>
            <legend>Permission level</legend>
            <label className="choice">
              <input type="radio" value="read" {...form.register('permission')} /> Read
            </label>
            <label className="choice">
              <input type="radio" value="read_and_act" {...form.register('permission')} /> Read and Take
              action
            </label>
          </fieldset>
          <fieldset>
            <legend>Offboarding</legend>
            <label className="choice">
              <input type="checkbox" {...form.register('graphqlOffboarding')} /> Offboarding may deactivate
              users SCIM did not provision, with GraphQL
            </label>
            <p className="muted">
              SCIM deactivates the users it provisioned. Deactivating others with GraphQL also stops the
              integrations and automations they made, so it is off until you allow it.
            </p>
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
          <Field
            name="inactiveDays"
            label="Inactive after (days)"
            error={errors.inactiveDays?.message}
            help="No activity for this long makes a paid seat inactive (insights, policies)."
          >
            <input id="inactiveDays" type="number" min={1} max={3650} {...form.register('inactiveDays')} />
          </Field>
          <Field
            name="seatPrice"
            label="Price per seat per month"
            error={errors.seatPrice?.message}
            help="What one paid seat costs; empty if unknown. Used for the cost of inactive seats."
          >
            <input id="seatPrice" type="number" min={0} step="0.01" {...form.register('seatPrice')} />
          </Field>
          <Field
            name="currency"
            label="Currency"
            error={errors.currency?.message}
            help="Three letters, e.g. USD, EUR."
          >
            <input id="currency" maxLength={3} {...form.register('currency')} />
          </Field>
          <Field
            name="webhookUrl"
            label="Webhook URL"
            error={errors.webhookUrl?.message}
            help={
              c.webhookHost
                ? `Notifications go to ${c.webhookHost}. Enter a new URL to replace it.`
                : 'Where notifications go (new proposals, failed syncs, a refused token), e.g. a Slack incoming webhook.'
            }
          >
            <input id="webhookUrl" type="url" autoComplete="off" {...form.register('webhookUrl')} />
          </Field>
          <Field
            name="syncSchedule"
            label="Sync schedule"
            error={errors.syncSchedule?.message}
            help="When it syncs by itself: a cron expression in UTC (0 */6 * * * is every six hours), or off."
          >
            <input id="syncSchedule" {...form.register('syncSchedule')} />
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
        </fieldset>
        {isAdmin && (
          <div className="buttons">
            <button type="submit" className="primary" disabled={save.isPending}>
              {save.isPending ? 'Saving…' : 'Save'}
            </button>
          </div>
        )}
      </form>
    </section>
  );
}

interface SeatPlanFields {
  renewalDate: string;
  billingPeriod: '' | 'monthly' | 'yearly';
  bucketPrices: string;
  protectedPeople: string;
}

function seatPlanValues(plan: SeatPlanView): SeatPlanFields {
  return {
    renewalDate: plan.renewalDate ?? '',
    billingPeriod: plan.billingPeriod ?? '',
    bucketPrices: Object.entries(plan.bucketPrices)
      .map(([size, price]) => `${size}=${price}`)
      .join(', '),
    protectedPeople: [...plan.protectedEmails, ...plan.protectedDomains].join('\n'),
  };
}

/** The seat plan right-sizing uses: renewal date, billing period, bucket prices, people it never changes. */
/** Said where a page shows settings a non-admin may read but not change. */
function AdminOnlyNote() {
  return (
    <p className="note" role="note">
      Only an admin can change these settings; you can read them.
    </p>
  );
}

function SeatPlanForm({ connectionId }: { connectionId: string }) {
  const isAdmin = useIsAdmin();
  const queryClient = useQueryClient();
  const plan = useQuery({
    queryKey: ['seat-plan', connectionId],
    queryFn: () => api<SeatPlanView>('GET', `/api/connections/${connectionId}/seat-plan`),
  });
  const form = useForm<SeatPlanFields>({
    values: plan.data ? seatPlanValues(plan.data) : undefined,
  });
  const save = useMutation({
    mutationFn: (v: SeatPlanFields) => {
      const prices: Record<string, number> = {};
      for (const pair of v.bucketPrices
        .split(/[,\n]/)
        .map((p) => p.trim())
        .filter(Boolean)) {
        const [size, price] = pair.split('=').map((x) => x.trim());
        prices[size ?? ''] = price === undefined || price === '' ? Number.NaN : Number(price);
      }
      const people = v.protectedPeople.split(/[\s,]+/).filter(Boolean);
      return api<SeatPlanView>('PUT', `/api/connections/${connectionId}/seat-plan`, {
        renewalDate: v.renewalDate || null,
        billingPeriod: v.billingPeriod || null,
        bucketPrices: prices,
        protectedEmails: people.filter((p) => p.includes('@')),
        protectedDomains: people.filter((p) => !p.includes('@')),
      });
    },
    onSuccess: (saved) => {
      queryClient.setQueryData(['seat-plan', connectionId], saved);
      queryClient.invalidateQueries({ queryKey: ['right-sizing'] });
    },
  });
  if (plan.isPending) return <Loading what="the seat plan" lines={4} />;
  if (plan.isError) return <QueryError error={plan.error} what="the seat plan" />;
  return (
    <section aria-labelledby="seat-plan-title" className="narrow">
      <h2 id="seat-plan-title">Seat plan</h2>
      <p className="muted">
        What the Savings page right-sizes with. The price per seat and currency are set above.
      </p>
      <form onSubmit={form.handleSubmit((v) => save.mutate(v))} noValidate>
        <fieldset className="plain" disabled={!isAdmin}>
          <Field
            name="renewalDate"
            label="Renewal date"
            error={undefined}
            help="Reminders go to the webhook 30 and 7 days before."
          >
            <input id="renewalDate" type="date" {...form.register('renewalDate')} />
          </Field>
          <Field name="billingPeriod" label="Billing period" error={undefined}>
            <select id="billingPeriod" {...form.register('billingPeriod')}>
              <option value="">not set</option>
              <option value="monthly">monthly</option>
              <option value="yearly">yearly</option>
            </select>
          </Field>
          <Field
            name="bucketPrices"
            label="Bucket prices per month"
            error={undefined}
            help="Seats=price pairs, e.g. 50=600, 100=1100; a bucket not listed costs the price per seat × its size."
          >
            <input id="bucketPrices" {...form.register('bucketPrices')} />
          </Field>
          <Field
            name="protectedPeople"
            label="Never right-size"
            error={undefined}
            help="Emails and domains, one per line: right-sizing never proposes them."
          >
            <textarea id="protectedPeople" rows={3} {...form.register('protectedPeople')} />
          </Field>
          {save.isError && (
            <p className="error-box" role="alert">
              {(save.error as Error).message}
            </p>
          )}
          {save.isSuccess && (
            <p className="notice" role="status">
              Seat plan saved.
            </p>
          )}
        </fieldset>
        {isAdmin && (
          <div className="buttons">
            <button type="submit" className="primary" disabled={save.isPending}>
              {save.isPending ? 'Saving…' : 'Save seat plan'}
            </button>
          </div>
        )}
      </form>
    </section>
  );
}
