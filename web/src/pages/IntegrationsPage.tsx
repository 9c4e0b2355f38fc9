import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { ApiError, api } from '../api.ts';
import { Confirm, Dialog } from '../components/Dialog.tsx';
import { Empty, ErrorBox, Loading, QueryError } from '../components/States.tsx';
import { ago, until } from '../format.ts';
import { useConnections } from '../hooks.ts';
import { useCanAct, useIsAdmin } from '../session.tsx';
import type { Connection, DailyUsageView, HeldRemoval, Run, VersionNotice } from '../types.ts';

/** Every connected monday account as a card: status, counts, and what can be done with it. */
export function IntegrationsPage() {
  const connections = useConnections();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const canAct = useIsAdmin();
  const demo = useMutation({
    mutationFn: () => api<Connection>('POST', '/api/demo'),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['connections'] }),
  });
  return (
    <section aria-labelledby="integrations-title">
      <div className="page-head">
        <h1 id="integrations-title">Integrations</h1>
        {canAct && (
          <button type="button" className="primary" onClick={() => navigate('/connect')}>
            Connect monday.com
          </button>
        )}
      </div>
      {connections.isPending && <Loading what="connections" lines={8} />}
      {connections.isError && (
        <QueryError error={connections.error} what="connections" retry={() => connections.refetch()} />
      )}
      {connections.data?.length === 0 && (
        <Empty>
          <h2>No monday.com account is connected yet</h2>
          {canAct ? (
            <>
              <p>Connect an account with its API v2 token, or look around first with sample data.</p>
              <div className="buttons">
                <Link href="/connect" className="button primary">
                  Connect monday.com
                </Link>
                <button type="button" onClick={() => demo.mutate()} disabled={demo.isPending}>
                  {demo.isPending ? 'Starting the demo account…' : 'Try with a demo account'}
                </button>
              </div>
            </>
          ) : (
            <p>An admin connects accounts; they appear here once connected.</p>
          )}
          {demo.isError && (
            <ErrorBox title="The demo could not start" message={(demo.error as Error).message} />
          )}
        </Empty>
      )}
      <div className="cards">
        {connections.data?.map((c) => (
          <ConnectionCard key={c.id} connection={c} />
        ))}
      </div>
    </section>
  );
}

function ConnectionCard({ connection: c }: { connection: Connection }) {
  const queryClient = useQueryClient();
  const canAct = useCanAct();
  const isAdmin = useIsAdmin();
  const [confirming, setConfirming] = useState(false);
  const refresh = () => {
    queryClient.invalidateQueries({ queryKey: ['connections'] });
    queryClient.invalidateQueries({ queryKey: ['runs'] });
  };
  // A second click before the first answer (a double click) sends nothing more.
  const asking = useRef(false);
  const sync = useMutation({
    mutationFn: async () => {
      try {
        return await api<{ run: Run }>('POST', `/api/connections/${c.id}/sync?wait=false`);
      } catch (error) {
        // Someone else (a schedule, another tab) is syncing it already: that is what was asked for.
        if (error instanceof ApiError && error.code === 'sync_in_progress') return null;
        throw error;
      } finally {
        asking.current = false;
      }
    },
    onSettled: refresh,
  });
  const startSync = () => {
    if (asking.current) return;
    asking.current = true;
    sync.mutate();
  };
  const remove = useMutation({
    mutationFn: () => api('DELETE', `/api/connections/${c.id}`),
    onSuccess: () => {
      setConfirming(false);
      refresh();
    },
  });
  return (
    <article className="card" aria-labelledby={`card-${c.id}`}>
      <header>
        <h2 id={`card-${c.id}`}>
          {c.accountName} {c.demo && <span className="badge">Sample data</span>}
        </h2>
        <span className="muted">
          {c.demo
            ? 'a demo account running inside Seatwise: what you do in it is kept across restarts; disconnect it to start afresh'
            : `${c.accountSlug}.monday.com`}
        </span>
      </header>
      <StatusLine connection={c} />
      {c.removalsHeld > 0 && c.status !== 'syncing' && <HeldRemovals connection={c} />}
      {c.apiVersionNotice && <VersionNoticeBox notice={c.apiVersionNotice} />}
      {c.syncDeferred && (
        <div className="notice" role="status">
          <p>
            <strong>The scheduled sync waits for tomorrow’s calls.</strong> {c.syncDeferred}
          </p>
        </div>
      )}
      <dl className="facts">
        <dt>Plan</dt>
        <dd>{c.planTier ?? 'unknown'}</dd>
        <dt>Users</dt>
        <dd>{c.userCount.toLocaleString()}</dd>
        <dt>Last sync</dt>
        <dd>{ago(c.lastSyncedAt)}</dd>
        <dt>Next sync</dt>
        <dd>
          {c.syncSchedule === 'off'
            ? c.demo
              ? 'not scheduled: the demo account syncs when the server starts, and on Sync now'
              : `not scheduled: syncs on Sync now (set one with seatwise connections update ${c.id} --schedule CRON)`
            : c.nextSyncAt
              ? until(c.nextSyncAt)
              : 'scheduled'}
        </dd>
        <dt>Permission</dt>
        <dd>{c.permission === 'read_and_act' ? 'Read and take action' : 'Read'}</dd>
        <dt>API version</dt>
        <dd>{apiVersionText(c)}</dd>
        {c.dailyUsage && (
          <>
            <dt>Calls today</dt>
            <dd>{dailyUsageText(c.dailyUsage)}</dd>
          </>
        )}
      </dl>
      <div className="buttons">
        {canAct && (
          <button type="button" onClick={startSync} disabled={c.status === 'syncing' || sync.isPending}>
            {c.status === 'syncing' || sync.isPending ? 'Syncing…' : 'Sync now'}
          </button>
        )}
        <Link href={`/connections/${c.id}/capabilities`} className="button">
          Capabilities
        </Link>
        <Link href={`/connections/${c.id}/settings`} className="button">
          Settings
        </Link>
        <Link href={`/runs?connectionId=${c.id}`} className="button">
          History
        </Link>
        <Link href={`/connections/${c.id}/service-users`} className="button">
          Service users
        </Link>
        {isAdmin && (
          <button type="button" className="danger-outline" onClick={() => setConfirming(true)}>
            Disconnect
          </button>
        )}
      </div>
      {sync.isError && <p className="field-error">{(sync.error as Error).message}</p>}
      <Confirm
        open={confirming}
        title={`Disconnect ${c.accountName}?`}
        message={
          <p>
            Seatwise forgets this connection, its tokens and everything synced for it. monday.com itself is
            not touched, and the audit log keeps its entries.
          </p>
        }
        confirmLabel="Disconnect"
        busy={remove.isPending}
        onConfirm={() => remove.mutate()}
        onClose={() => setConfirming(false)}
      />
    </article>
  );
}

/**
 * Removals the last sync held for review (monday no longer shows these people, but too many at once to remove
 * without a person's word): who they are, and a confirmation that removes those monday still does not show.
 */
function HeldRemovals({ connection: c }: { connection: Connection }) {
  const queryClient = useQueryClient();
  const canAct = useCanAct();
  const [open, setOpen] = useState(false);
  const held = useQuery({
    queryKey: ['held-removals', c.id],
    queryFn: async () =>
      (await api<{ heldRemovals: HeldRemoval[] }>('GET', `/api/connections/${c.id}/held-removals`))
        .heldRemovals,
    enabled: open,
  });
  const confirm = useMutation({
    mutationFn: () =>
      api<{ run: Run }>('POST', `/api/connections/${c.id}/sync?wait=false&confirmRemovals=true`),
    onSuccess: () => {
      setOpen(false);
      queryClient.invalidateQueries({ queryKey: ['connections'] });
      queryClient.invalidateQueries({ queryKey: ['held-removals', c.id] });
    },
  });
  return (
    <div className="notice" role="status">
      <p>
        <strong>{c.removalsHeld.toLocaleString()} removals held for review.</strong> monday no longer shows
        these people, but that is more than {c.removalHold.percent}% of the account at once: Seatwise keeps
        them until someone confirms.
      </p>
      <button type="button" onClick={() => setOpen(true)}>
        Review held removals
      </button>
      <Dialog open={open} title={`Held removals: ${c.accountName}`} onClose={() => setOpen(false)}>
        {held.isPending && <Loading what="the held removals" lines={4} />}
        {held.isError && (
          <QueryError error={held.error} what="the held removals" retry={() => held.refetch()} />
        )}
        {held.data && (
          <>
            <p>
              The last sync did not find these {held.data.length.toLocaleString()} people in monday.
              Confirming syncs again and removes from the copy those monday still does not show; anyone back
              in monday stays.
            </p>
            <div className="scroll-box">
              <table className="grid compact">
                <thead>
                  <tr>
                    <th scope="col">User</th>
                    <th scope="col">Email</th>
                    <th scope="col">monday id</th>
                  </tr>
                </thead>
                <tbody>
                  {held.data.map((h) => (
                    <tr key={h.userId}>
                      <td>{h.name ?? '-'}</td>
                      <td>{h.email ?? '-'}</td>
                      <td>{h.userId}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
        {confirm.isError && <p className="field-error">{(confirm.error as Error).message}</p>}
        <div className="buttons">
          <button type="button" onClick={() => setOpen(false)}>
            Keep them for now
          </button>
          <button
            type="button"
            className="primary"
            disabled={!held.data || confirm.isPending || !canAct}
            title={canAct ? undefined : 'Needs the operator or admin role'}
            onClick={() => confirm.mutate()}
          >
            {confirm.isPending ? 'Starting the sync…' : `Confirm: remove those monday does not show`}
          </button>
        </div>
      </Dialog>
    </div>
  );
}

/** Connected and synced (a green check), syncing with progress, or what is wrong and what to do. */
function StatusLine({ connection: c }: { connection: Connection }) {
  const run = useQuery({
    queryKey: ['latest-run', c.id],
    queryFn: async () =>
      (await api<{ runs: Run[] }>('GET', `/api/runs?connectionId=${c.id}&limit=1`)).runs[0] ?? null,
    enabled: c.status === 'syncing',
    refetchInterval: c.status === 'syncing' ? 1000 : false,
  });
  if (c.status === 'syncing') {
    const seen = run.data?.status === 'running' ? run.data.usersSeen : 0;
    const expected = c.userCount || null;
    return (
      <p className="status syncing" role="status">
        <span aria-hidden="true" className="spinner" /> Syncing…{' '}
        {expected ? (
          <progress max={expected} value={Math.min(seen, expected)} aria-label="Sync progress" />
        ) : null}{' '}
        {seen.toLocaleString()} users read
      </p>
    );
  }
  if (c.status === 'error') {
    return (
      <div className="status error" role="status">
        <strong>
          <span aria-hidden="true">✕</span> Needs attention
        </strong>
        <p>{c.statusReason}</p>
        <p className="help">{whatToDo(c.statusReason ?? '')}</p>
      </div>
    );
  }
  if (!c.lastSyncedAt) {
    return (
      <p className="status pending" role="status">
        Connected, not synced yet
      </p>
    );
  }
  return (
    <p className="status ok" role="status">
      <span aria-hidden="true" className="check">
        ✓
      </span>{' '}
      Connected
    </p>
  );
}

function whatToDo(reason: string): string {
  if (/token|Not Authenticated|401|Unauthorized/i.test(reason))
    return 'Open Settings and enter a current API token (an admin’s, to run actions).';
  if (/rate limit|limit|budget/i.test(reason))
    return 'Seatwise waits as monday asks; sync again after the time shown.';
  if (/account URL/i.test(reason)) return 'Check the account URL in Settings.';
  if (/stopped before it finished/i.test(reason)) return 'Sync again: the next sync takes over.';
  if (/reach|answer/i.test(reason))
    return 'Check that monday.com (or the configured endpoint) is reachable, then sync again.';
  return 'Sync again; if it keeps failing, check the connection’s settings.';
}

/** `current (2026-10)` when following monday's calendar, else the pin and what monday served for it. */
export function apiVersionText(c: Pick<Connection, 'apiVersion' | 'servedApiVersion'>): string {
  if (c.apiVersion === 'current')
    return `follows current${c.servedApiVersion ? ` (${c.servedApiVersion})` : ''}`;
  return c.servedApiVersion && c.servedApiVersion !== c.apiVersion
    ? `pinned ${c.apiVersion}, served as ${c.servedApiVersion}`
    : `pinned ${c.apiVersion}`;
}

function dailyUsageText(u: DailyUsageView): string {
  const used = u.usedToday === null ? '?' : u.usedToday.toLocaleString();
  const limit = u.limit === null ? 'no known limit' : `of ${u.limit.toLocaleString()}`;
  const mine =
    u.tokenOwnerToday === null ? '' : `, ${u.tokenOwnerToday.toLocaleString()} by the token's owner`;
  const cost = u.syncCost === null ? '' : `; a sync needs about ${u.syncCost.toLocaleString()}`;
  return `${used} ${limit}${mine}${cost}`;
}

/** What monday's version calendar means for a pinned connection, and what to do. */
export function VersionNoticeBox({ notice }: { notice: VersionNotice }) {
  return (
    <div className={notice.level === 'warning' ? 'notice' : 'notice info'} role="status">
      <p>
        <strong>{notice.level === 'warning' ? 'API version: action needed.' : 'API version.'}</strong>{' '}
        {notice.message}
      </p>
    </div>
  );
}
