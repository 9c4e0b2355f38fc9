import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearch } from 'wouter';
import { api, query } from '../api.ts';
import { ConnectionFilter, useAccountName } from '../components/ConnectionFilter.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { cursorHandlers, Pager } from '../components/Pager.tsx';
import { Empty, Loading, QueryError } from '../components/States.tsx';
import { plural, took, when } from '../format.ts';
import type { Run } from '../types.ts';

/** Sync history: every run, newest first, with what it read, changed and why it failed. */
export function RunsPage() {
  const [connectionId, setConnectionId] = useState<string | undefined>(
    new URLSearchParams(useSearch()).get('connectionId') ?? undefined,
  );
  const [opened, setOpened] = useState<Run | null>(null);
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
              <th scope="col">Took</th>
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
                <td>{when(r.startedAt)}</td>
                <td>{took(r.startedAt, r.finishedAt)}</td>
                <td>{accountName(r.connectionId)}</td>
                <td>{r.trigger}</td>
                <td className={r.status === 'succeeded' ? 'yes' : r.status === 'running' ? '' : 'no'}>
                  {r.status}
                </td>
                <td>{r.usersSeen.toLocaleString()}</td>
                <td>
                  {r.changes > 0 ? (
                    <button type="button" className="link" onClick={() => setOpened(r)}>
                      {plural(r.changes, 'change')}
                    </button>
                  ) : (
                    '0'
                  )}
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
      {opened && (
        <RunChanges
          run={opened}
          accountName={accountName(opened.connectionId)}
          onClose={() => setOpened(null)}
        />
      )}
    </section>
  );
}

interface ChangeEvent {
  id: number;
  kind: string;
  userId: string;
  userEmail?: string;
  teamId?: string;
  before: Record<string, unknown> | string | null;
  after: Record<string, unknown> | string | null;
  occurredAt: string;
}

const fieldsShown = ['role', 'status', 'license', 'email', 'name', 'team'];

/** Who a change is about: the user (by email where known), or for a change of a team as a whole, the team. */
function subjectOf(e: ChangeEvent): string {
  if (e.userId) return e.userEmail ?? e.userId;
  const side = (typeof e.after === 'object' && e.after) || (typeof e.before === 'object' && e.before) || null;
  return `Team ${String(side?.name ?? e.teamId ?? '')}`.trim();
}

/** What one side of a change said, in the fields people look at. */
function stateText(state: Record<string, unknown> | string | null): string {
  if (state === null) return '—';
  if (typeof state !== 'object') return String(state);
  return fieldsShown
    .filter((f) => state[f] !== undefined && state[f] !== null)
    .map((f) => `${f}: ${String(state[f])}`)
    .join(', ');
}

/** The changes one run made, a page at a time. */
function RunChanges({ run, accountName, onClose }: { run: Run; accountName: string; onClose: () => void }) {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const page = useQuery({
    queryKey: ['run-events', run.id, cursor],
    queryFn: () =>
      api<{ events: ChangeEvent[]; nextCursor: string | null }>(
        'GET',
        `/api/runs/${run.id}/events${query({ limit: 50, cursor })}`,
      ),
  });
  return (
    <Dialog open title={`Changes of the ${when(run.startedAt)} sync of ${accountName}`} onClose={onClose}>
      <p>
        {plural(run.changes, 'change')} · {plural(run.usersSeen, 'user')} read in{' '}
        {took(run.startedAt, run.finishedAt)}
      </p>
      {page.isPending && <Loading what="the changes" lines={6} />}
      {page.isError && <QueryError error={page.error} what="the changes" retry={() => page.refetch()} />}
      {page.data && (
        <table className="grid compact">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Change</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {page.data.events.map((e) => (
              <tr key={e.id}>
                <td>{subjectOf(e)}</td>
                <td>{e.kind.replace(/_/g, ' ')}</td>
                <td>{stateText(e.before)}</td>
                <td>{stateText(e.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(cursors.length > 1 || page.data?.nextCursor) && (
        <Pager
          label="Pages of changes"
          current={cursors.length}
          {...cursorHandlers(cursors, setCursors, page.data?.nextCursor)}
        />
      )}
      <div className="buttons">
        <button type="button" className="primary" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
