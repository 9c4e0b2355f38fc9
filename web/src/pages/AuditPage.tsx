import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, query } from '../api.ts';
import { ConnectionFilter, useAccountName } from '../components/ConnectionFilter.tsx';
import { Empty, Loading, QueryError } from '../components/States.tsx';
import type { AuditEntry } from '../types.ts';

const actions = ['create', 'deactivate', 'invite', 'set_role', 'reactivate'];

/** The audit log: every action, refusal and dry run, who asked and what monday did. */
export function AuditPage() {
  const [connectionId, setConnectionId] = useState<string | undefined>();
  const [action, setAction] = useState('');
  const accountName = useAccountName();
  const entries = useQuery({
    queryKey: ['audit', connectionId, action],
    queryFn: async () =>
      (
        await api<{ entries: AuditEntry[] }>(
          'GET',
          `/api/audit${query({ connectionId, action, limit: 200 })}`,
        )
      ).entries,
  });
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <div className="filters">
        <ConnectionFilter value={connectionId} onChange={setConnectionId} />
        <label>
          Action{' '}
          <select value={action} onChange={(e) => setAction(e.target.value)}>
            <option value="">Any</option>
            {actions.map((a) => (
              <option key={a} value={a}>
                {a.replace('_', ' ')}
              </option>
            ))}
          </select>
        </label>
      </div>
      {entries.isPending && <Loading what="the audit log" lines={10} />}
      {entries.isError && (
        <QueryError error={entries.error} what="the audit log" retry={() => entries.refetch()} />
      )}
      {entries.data?.length === 0 && <Empty>No audit entries match.</Empty>}
      {entries.data && entries.data.length > 0 && (
        <table className="grid">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Account</th>
              <th scope="col">Action</th>
              <th scope="col">Outcome</th>
              <th scope="col">Targets</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {entries.data.map((e) => (
              <tr key={e.id}>
                <td>{e.at.replace('T', ' ').slice(0, 19)}</td>
                <td>{e.actor}</td>
                <td>{accountName(e.connectionId)}</td>
                <td>
                  {e.action.replace('_', ' ')} <span className="muted">({e.via})</span>
                  {e.dryRun ? <span className="muted"> dry run</span> : null}
                </td>
                <td>{e.outcome}</td>
                <td>
                  {e.results.length
                    ? e.results.map((r) => `${r.target}: ${r.outcome}`).join(', ')
                    : e.targets.length}
                </td>
                <td>{e.error ? `${e.error.message}` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
