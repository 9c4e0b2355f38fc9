import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, query } from '../api.ts';
import { ConnectionFilter, useAccountName } from '../components/ConnectionFilter.tsx';
import { Empty, Loading, QueryError } from '../components/States.tsx';
import type { Run } from '../types.ts';

/** Sync history: every run, newest first, with what it read, changed and why it failed. */
export function RunsPage() {
  const [connectionId, setConnectionId] = useState<string | undefined>();
  const [status, setStatus] = useState('');
  const accountName = useAccountName();
  const runs = useQuery({
    queryKey: ['runs', connectionId],
    queryFn: async () =>
      (await api<{ runs: Run[] }>('GET', `/api/runs${query({ connectionId, limit: 200 })}`)).runs,
  });
  const shown = runs.data?.filter((r) => !status || r.status === status);
  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">Sync history</h1>
      <div className="filters">
        <ConnectionFilter value={connectionId} onChange={setConnectionId} />
        <label>
          Status{' '}
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Any</option>
            <option value="succeeded">succeeded</option>
            <option value="failed">failed</option>
            <option value="running">running</option>
            <option value="abandoned">abandoned</option>
          </select>
        </label>
      </div>
      {runs.isPending && <Loading what="sync runs" lines={10} />}
      {runs.isError && <QueryError error={runs.error} what="sync runs" retry={() => runs.refetch()} />}
      {shown?.length === 0 && <Empty>No sync runs match.</Empty>}
      {shown && shown.length > 0 && (
        <table className="grid">
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Account</th>
              <th scope="col">Trigger</th>
              <th scope="col">Status</th>
              <th scope="col">Users</th>
              <th scope="col">Changes</th>
              <th scope="col">Requests</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.id}>
                <td>{r.startedAt.replace('T', ' ').slice(0, 19)}</td>
                <td>{accountName(r.connectionId)}</td>
                <td>{r.trigger}</td>
                <td className={r.status === 'succeeded' ? 'yes' : r.status === 'running' ? '' : 'no'}>
                  {r.status}
                </td>
                <td>{r.usersSeen.toLocaleString()}</td>
                <td>
                  {r.changes.toLocaleString()}
                  {r.removalsHeld > 0 && (
                    <span className="no"> · {r.removalsHeld.toLocaleString()} removals held</span>
                  )}
                </td>
                <td>{r.requests}</td>
                <td>{r.error ? `${r.error.message} [${r.error.code}]` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
