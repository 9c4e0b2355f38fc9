import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import { api } from '../api.ts';
import { ActionDialog, type DialogAction } from '../components/ActionDialog.tsx';
import { Loading, QueryError } from '../components/States.tsx';
import { day, invitationMethodLabel, licenseLabel, roleLabel, when } from '../format.ts';
import { useCapabilities } from '../hooks.ts';
import { useCanAct } from '../session.tsx';
import type { UserDetail } from '../types.ts';

const actionLabels: Record<string, string> = {
  set_role: 'Change role',
  deactivate: 'Deactivate',
  reactivate: 'Reactivate',
  add_to_team: 'Add to team',
  remove_from_team: 'Remove from team',
};

/** One user: every synced field, why this license, the change history, and the actions available now. */
export function UserPage({ connectionId, userId }: { connectionId: string; userId: string }) {
  const user = useQuery({
    queryKey: ['user', connectionId, userId],
    queryFn: () => api<UserDetail>('GET', `/api/users/${connectionId}/${userId}`),
  });
  const caps = useCapabilities(connectionId);
  const canAct = useCanAct();
  const [dialog, setDialog] = useState<DialogAction | null>(null);
  if (user.isPending) return <Loading what="the user" lines={14} />;
  if (user.isError) return <QueryError error={user.error} what="the user" retry={() => user.refetch()} />;
  const u = user.data;
  return (
    <section aria-labelledby="user-title">
      <p>
        <Link href={`/users?connectionId=${connectionId}`}>← Users</Link>
      </p>
      <h1 id="user-title">{u.name}</h1>
      <dl className="facts wide">
        <dt>Email</dt>
        <dd>{u.email}</dd>
        <dt>Role</dt>
        <dd>
          {roleLabel[u.role] ?? u.role}
          {u.kind ? <span className="muted"> (monday kind: {u.kind})</span> : null}
        </dd>
        <dt>Status</dt>
        <dd>{u.status}</dd>
        <dt>License</dt>
        <dd>{licenseLabel[u.license ?? ''] ?? 'None'}</dd>
        <dt>Why this license</dt>
        <dd>{u.explanation}</dd>
        <dt>Title</dt>
        <dd>{u.title || '—'}</dd>
        <dt>Last active</dt>
        <dd>{day(u.lastActivityAt)}</dd>
        <dt>Created</dt>
        <dd>{day(u.createdAt)}</dd>
        <dt>Provisioned</dt>
        <dd>
          {u.scimLinked
            ? 'by SCIM (identity provider)'
            : u.invitationMethod
              ? (invitationMethodLabel[u.invitationMethod] ??
                u.invitationMethod.toLowerCase().replace(/_/g, ' '))
              : 'not by SCIM'}
        </dd>
        <dt>Teams</dt>
        <dd>
          {u.teams.length === 0 ? (
            <span className="muted">In no team</span>
          ) : (
            <ul className="inline-list">
              {u.teams.map((t) => (
                <li key={t.id}>
                  <Link href={`/teams/${connectionId}/${t.id}`}>{t.name}</Link>
                  {t.owner && <span className="badge">owner</span>}
                  {t.isGuest && <span className="muted"> (guest team)</span>}
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>monday user id</dt>
        <dd>{u.id}</dd>
      </dl>

      {canAct && <h2>Actions</h2>}
      {canAct && caps.isPending && <Loading what="actions" />}
      {canAct && (
        <ul className="actions">
          {Object.entries(actionLabels).map(([action, label]) => {
            const options = caps.data?.actions.filter((a) => a.action === action) ?? [];
            // Offered only where it would change something: reactivate a deactivated user, deactivate another.
            const fits =
              action === 'reactivate'
                ? u.status === 'deactivated'
                : action === 'deactivate'
                  ? u.status !== 'deactivated'
                  : action === 'remove_from_team'
                    ? u.teams.length > 0
                    : true;
            if (!fits) return null;
            const available = options.some((a) => a.available);
            return (
              <li key={action}>
                <button type="button" disabled={!available} onClick={() => setDialog(action as DialogAction)}>
                  {label}…
                </button>
                {!available && options.length > 0 && (
                  <span className="muted">
                    {' '}
                    {options.map((a) => `${a.label}: ${a.reasons.join('; ')}`).join(' · ')}
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}

      <h2>Change history</h2>
      {u.history.length === 0 ? (
        <p className="muted">No changes recorded.</p>
      ) : (
        <table className="grid compact">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Change</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {u.history.map((e) => (
              <tr key={e.id}>
                <td>{when(e.occurredAt)}</td>
                <td>{e.kind.replace(/_/g, ' ')}</td>
                <td>{describe(e.before)}</td>
                <td>{describe(e.after)}</td>
                <td>
                  {e.runId ? (
                    'a sync'
                  ) : e.auditId ? (
                    <>
                      {e.byName ?? e.by} <span className="muted">· audit entry {e.auditId}</span>
                    </>
                  ) : (
                    'seen by an action'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {dialog && (
        <ActionDialog
          action={dialog}
          connectionId={connectionId}
          users={[{ id: u.id, email: u.email, name: u.name }]}
          capabilities={caps.data}
          onClose={() => setDialog(null)}
        />
      )}
    </section>
  );
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value !== 'object') return String(value);
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${v ?? '—'}`)
    .join(', ');
}
