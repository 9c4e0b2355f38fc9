import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import { api } from '../api.ts';
import { Dialog } from '../components/Dialog.tsx';
import { Empty, ErrorBox, Loading, QueryError } from '../components/States.tsx';
import { ago } from '../format.ts';
import { useCapabilities } from '../hooks.ts';
import { useCanAct } from '../session.tsx';
import type {
  Connection,
  RevokeResult,
  ServiceUserFinding,
  ServiceUsersList,
  ServiceUserView,
} from '../types.ts';

const findingWords: Record<ServiceUserFinding, string> = {
  token_unused: 'Token unused',
  creator_deactivated: 'Creator left',
  token_active_creator_left: 'Token active after its creator left',
};

const outcomeWords: Record<RevokeResult['outcome'], string> = {
  planned: 'Planned',
  revoked: 'Revoked: monday shows no token now',
  unchanged: 'Nothing to do: monday shows no token',
  failed: 'Failed',
  unverified: 'Unverified: monday could not be read after the act',
};

/** monday's service users (non-human identities) of one connection: findings, and revoking their tokens. */
export function ServiceUsersPage({ id }: { id: string }) {
  const connection = useQuery({
    queryKey: ['connection', id],
    queryFn: () => api<Connection>('GET', `/api/connections/${id}`),
  });
  const list = useQuery({
    queryKey: ['service-users', id],
    queryFn: () => api<ServiceUsersList>('GET', `/api/connections/${id}/service-users`),
  });
  const caps = useCapabilities(id);
  const revoke = caps.data?.serviceUsers.find((a) => a.operation === 'revoke_service_user_tokens');
  const canAct = useCanAct();
  const [target, setTarget] = useState<ServiceUserView | null>(null);
  const data = list.data;
  return (
    <section aria-labelledby="service-users-title">
      <p>
        <Link href="/">← Integrations</Link>
      </p>
      <h1 id="service-users-title">
        Service users{connection.data ? `: ${connection.data.accountName}` : ''}
      </h1>
      <p className="muted">
        monday's non-human identities: API tokens made by people for scripts and integrations. Seatwise reads
        them with every sync (an admin's token is needed).
      </p>
      {list.isPending && <Loading what="service users" lines={6} />}
      {list.isError && <QueryError error={list.error} what="service users" retry={() => list.refetch()} />}
      {data?.error && <ErrorBox title="Service users were not read" message={data.error} />}
      {data && data.serviceUsers.length === 0 && !data.error && (
        <Empty>
          <p>{data.readAt ? 'This account has no service users.' : 'Not read yet: sync the connection.'}</p>
        </Empty>
      )}
      {data && data.serviceUsers.length > 0 && (
        <>
          <p role="status">
            {data.summary.total} service users, {data.summary.withToken} with a token:{' '}
            <strong>{data.summary.token_unused}</strong> unused for {data.unusedDays} days,{' '}
            <strong>{data.summary.creator_deactivated}</strong> whose creator left,{' '}
            <strong>{data.summary.token_active_creator_left}</strong> active after their creator left. Read{' '}
            {ago(data.readAt)}.
          </p>
          {revoke && !revoke.available && (
            <p className="muted">Revoking tokens is not available: {revoke.reasons.join('; ')}</p>
          )}
          <table className="grid">
            <caption className="sr-only">Service users and what is wrong with them</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Enabled</th>
                <th scope="col">Token</th>
                <th scope="col">Last token use</th>
                <th scope="col">Created by</th>
                <th scope="col">Findings</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.serviceUsers.map((u) => (
                <tr key={u.id}>
                  <th scope="row">
                    {u.name} <span className="muted">({u.id})</span>
                  </th>
                  <td>{u.enabled === null ? '?' : u.enabled ? 'Yes' : 'No'}</td>
                  <td>{u.hasToken === null ? '?' : u.hasToken ? 'Yes' : 'No'}</td>
                  <td>{u.lastTokenActivity ? ago(u.lastTokenActivity) : 'never'}</td>
                  <td>
                    {u.createdBy ? (
                      <>
                        {u.createdBy.email ?? u.createdBy.name ?? u.createdBy.id}{' '}
                        <span className="muted">({u.createdBy.status ?? 'not in the copy'})</span>
                      </>
                    ) : (
                      '-'
                    )}
                  </td>
                  <td>
                    {u.findings.length === 0
                      ? ''
                      : u.findings.map((f) => (
                          <span key={f} className="badge no">
                            {findingWords[f]}
                          </span>
                        ))}
                  </td>
                  <td>
                    {canAct && u.hasToken && (
                      <button
                        type="button"
                        className="danger-outline"
                        disabled={!revoke?.available}
                        title={revoke?.available ? undefined : revoke?.reasons.join('; ')}
                        onClick={() => setTarget(u)}
                      >
                        Revoke tokens
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {target && <RevokeDialog connectionId={id} user={target} onClose={() => setTarget(null)} />}
    </section>
  );
}

/** Plans from monday first (a dry run), then revokes once (one key per dialog), and shows monday's state after. */
function RevokeDialog({
  connectionId,
  user,
  onClose,
}: {
  connectionId: string;
  user: ServiceUserView;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const [key] = useState(() => `web-${crypto.randomUUID()}`);
  const path = `/api/connections/${connectionId}/service-users/${user.id}/revoke-tokens`;
  const plan = useQuery({
    queryKey: ['revoke-plan', connectionId, user.id],
    queryFn: () => api<RevokeResult>('POST', path, { dryRun: true }),
    gcTime: 0,
  });
  const run = useMutation({
    mutationFn: () => api<RevokeResult>('POST', path, { idempotencyKey: key }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['service-users', connectionId] }),
  });
  const result = run.data;
  return (
    <Dialog open title={`Revoke the tokens of ${user.name}?`} onClose={onClose}>
      {plan.isPending && <Loading what="the plan" lines={2} />}
      {plan.isError && <QueryError error={plan.error} what="the plan" retry={() => plan.refetch()} />}
      {plan.data && !result && (
        <p>
          monday shows now: {plan.data.plan.hadToken ? 'a token' : 'no token'}
          {plan.data.plan.lastTokenActivity ? `, last used ${ago(plan.data.plan.lastTokenActivity)}` : ''}.
          Plan: {plan.data.plan.change}. Every script and integration using it stops working; monday cannot
          restore a revoked token.
        </p>
      )}
      {result && (
        <p
          role="status"
          className={result.outcome === 'revoked' || result.outcome === 'unchanged' ? 'yes' : 'no'}
        >
          {outcomeWords[result.outcome]}
          {result.error ? `: ${result.error.message}` : ''}
        </p>
      )}
      {run.isError && <p className="field-error">{(run.error as Error).message}</p>}
      <div className="buttons">
        <button type="button" onClick={onClose}>
          {result ? 'Close' : 'Cancel'}
        </button>
        {!result && (
          <button
            type="button"
            className="danger"
            disabled={!plan.data || run.isPending}
            onClick={() => run.mutate()}
          >
            {run.isPending ? 'Revoking…' : 'Revoke every token'}
          </button>
        )}
      </div>
    </Dialog>
  );
}
