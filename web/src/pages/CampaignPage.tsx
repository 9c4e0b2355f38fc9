import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import { type CampaignView, decidedByWords, type ReviewItemView } from '../../../src/domain/reviewViews.ts';
import { api } from '../api.ts';
import { Confirm } from '../components/Dialog.tsx';
import { Loading, QueryError } from '../components/States.tsx';
import { day, plural, when } from '../format.ts';
import { useCanAct, useIsAdmin } from '../session.tsx';
import { decisionLabel, ItemStatusBadge } from './MyReviewsPage.tsx';

/** One campaign: progress per reviewer, every item and its result, the close and the report. */
export function CampaignPage({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const isAdmin = useIsAdmin();
  const canAct = useCanAct();
  const campaign = useQuery({
    queryKey: ['reviews', 'campaign', id],
    queryFn: () => api<CampaignView>('GET', `/api/reviews/${id}`),
  });
  const items = useQuery({
    queryKey: ['reviews', 'items', id],
    queryFn: async () => (await api<{ items: ReviewItemView[] }>('GET', `/api/reviews/${id}/items`)).items,
  });
  const [asking, setAsking] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['reviews'] });
  const close = useMutation({
    mutationFn: () => api<CampaignView>('POST', `/api/reviews/${id}/close`),
    onSuccess: async (c) => {
      setAsking(false);
      setMessage(
        `Closed: ${c.progress.done} done, ${c.progress.kept} kept, ${c.progress.failed} failed, ${c.progress.notReviewed} not reviewed${c.progress.drifted ? `, ${c.progress.drifted} changed in monday since` : ''}.`,
      );
      await refresh();
    },
    onError: (e: Error) => {
      setAsking(false);
      setMessage(e.message);
    },
  });
  const retry = useMutation({
    mutationFn: (itemIds: string[]) =>
      api<{ items: { ok: boolean }[] }>('POST', `/api/reviews/${id}/retry`, { itemIds }),
    onSuccess: async (r) => {
      const ok = r.items.filter((i) => i.ok).length;
      setMessage(
        `Retried ${plural(r.items.length, 'item')}: ${ok} done, ${r.items.length - ok} still failing.`,
      );
      await refresh();
    },
    onError: (e: Error) => setMessage(e.message),
  });
  const answer = useMutation({
    mutationFn: (input: { itemIds: string[]; approve: boolean }) =>
      api<{ items: { ok: boolean; item?: ReviewItemView; error?: { message: string } }[] }>(
        'POST',
        `/api/reviews/${id}/approve`,
        input,
      ),
    onSuccess: async (r, input) => {
      const refused = r.items.filter((i) => !i.ok);
      setMessage(
        `${input.approve ? 'Approved' : 'Declined'} ${plural(r.items.length - refused.length, 'raise')}${refused.length ? `; not answered: ${refused.map((i) => i.error?.message).join('; ')}` : ''}.`,
      );
      await refresh();
    },
    onError: (e: Error) => setMessage(e.message),
  });
  if (campaign.isPending) return <Loading what="the campaign" lines={8} />;
  if (campaign.isError)
    return <QueryError error={campaign.error} what="the campaign" retry={() => campaign.refetch()} />;
  const c = campaign.data;
  const failed = (items.data ?? []).filter((i) => i.status === 'failed');
  const waiting = (items.data ?? []).filter((i) => i.status === 'awaiting_approval');
  return (
    <section aria-labelledby="campaign-title">
      <p>
        <Link href="/reviews">← Access reviews</Link>
      </p>
      <div className="page-head">
        <h1 id="campaign-title">{c.name}</h1>
        <div className="buttons">
          {c.status === 'closed' ? (
            <>
              <a
                className="button"
                href={`/api/reviews/${id}/report?format=html`}
                target="_blank"
                rel="noreferrer"
              >
                Report (printable)
              </a>
              <a className="button" href={`/api/reviews/${id}/report?format=csv`}>
                Download CSV
              </a>
            </>
          ) : (
            isAdmin && (
              <button type="button" className="danger" onClick={() => setAsking(true)}>
                Close campaign…
              </button>
            )
          )}
          {canAct && c.status === 'open' && failed.length > 0 && (
            <button
              type="button"
              disabled={retry.isPending}
              onClick={() => retry.mutate(failed.map((i) => i.id))}
            >
              Retry {plural(failed.length, 'failed item')}
            </button>
          )}
        </div>
      </div>
      {message && (
        <p className="status" role="status">
          {message}
        </p>
      )}
      {c.status === 'open' && waiting.length > 0 && (
        <section className="notice" aria-labelledby="raises-title">
          <h2 id="raises-title">Raises waiting for approval</h2>
          <p>
            A review only keeps or reduces access. These decisions give more (a higher role or a paid seat),
            so they are carried out only when an operator or admin approves them.
          </p>
          <ul>
            {waiting.map((i) => (
              <li key={i.id}>
                {i.name} &lt;{i.email}&gt; ({i.accountName}): {i.snapshot.role} → {i.role}, decided by{' '}
                {decidedByWords(i)}
                {canAct && (
                  <>
                    {' '}
                    <button
                      type="button"
                      disabled={answer.isPending}
                      onClick={() => answer.mutate({ itemIds: [i.id], approve: true })}
                    >
                      Approve
                    </button>{' '}
                    <button
                      type="button"
                      disabled={answer.isPending}
                      onClick={() => answer.mutate({ itemIds: [i.id], approve: false })}
                    >
                      Decline
                    </button>
                  </>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      <dl className="facts wide">
        <dt>State</dt>
        <dd>
          {c.overdue ? 'open, overdue' : c.status}
          {c.closedAt && ` (closed ${when(c.closedAt)} by ${c.closedByName})`}
        </dd>
        <dt>Due</dt>
        <dd>
          {day(c.dueAt)}
          {c.endsAt && `; closes by itself ${day(c.endsAt)}`}
        </dd>
        <dt>Accounts</dt>
        <dd>{c.accounts.join(', ')}</dd>
        <dt>Launched</dt>
        <dd>
          {when(c.createdAt)} by {c.createdByName}
        </dd>
        <dt>Decisions</dt>
        <dd>
          {c.config.decisions.map((d) => decisionLabel[d]).join(', ')}; carried out{' '}
          {c.config.applyMode === 'at_close' ? 'at the close' : 'when submitted'}; undecided at the close:{' '}
          {c.config.closeDefault === 'none' ? 'not reviewed' : c.config.closeDefault}
        </dd>
        {c.recurrence !== 'off' && (
          <>
            <dt>Repeats</dt>
            <dd>
              {c.recurrence.replace('_', '-')}, next {c.nextLaunchAt ? day(c.nextLaunchAt) : '—'}
            </dd>
          </>
        )}
      </dl>
      <div className="tiles">
        {(
          [
            ['Items', c.progress.total],
            ['To decide', c.progress.open + c.progress.decided],
            ['Submitted', c.progress.submitted],
            ['Awaiting approval', c.progress.awaitingApproval],
            ['Done in monday', c.progress.done],
            ['Kept', c.progress.kept],
            ['Failed', c.progress.failed],
          ] as const
        ).map(([label, value]) => (
          <div key={label} className="tile">
            <span className="tile-label">{label}</span>
            <span className="tile-value">{value}</span>
          </div>
        ))}
      </div>
      <h2>Reviewers</h2>
      <table className="grid">
        <thead>
          <tr>
            <th scope="col">Reviewer</th>
            <th scope="col">Items</th>
            <th scope="col">To decide</th>
            <th scope="col">Overdue</th>
            <th scope="col">Done</th>
            <th scope="col">Kept</th>
            <th scope="col">Failed</th>
          </tr>
        </thead>
        <tbody>
          {c.reviewers.map((r) => (
            <tr key={r.id}>
              <th scope="row">{r.name ? `${r.name} <${r.email}>` : r.email}</th>
              <td>{r.progress.total}</td>
              <td>{r.progress.open + r.progress.decided}</td>
              <td>{r.progress.overdue}</td>
              <td>{r.progress.done}</td>
              <td>{r.progress.kept}</td>
              <td>{r.progress.failed}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Items</h2>
      {items.isPending && <Loading what="items" lines={6} />}
      {items.data && (
        <div className="table-wrap">
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">Person</th>
                <th scope="col">At launch</th>
                <th scope="col">Recommended</th>
                <th scope="col">Reviewer</th>
                <th scope="col">Decision</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {items.data.map((i) => (
                <tr key={i.id}>
                  <th scope="row">
                    {i.name}
                    <br />
                    <span className="muted">
                      {i.email} · {i.accountName}
                    </span>
                  </th>
                  <td>
                    {i.snapshot.role}, {i.snapshot.status}
                  </td>
                  <td>{i.recommendations.map((r) => r.reason).join('; ') || '—'}</td>
                  <td>{i.reviewer?.name ?? i.reviewer?.email ?? i.reviewerId}</td>
                  <td>
                    {i.decision ? decisionLabel[i.decision] : '—'}
                    {i.decision === 'change_role' && ` to ${i.role}`}
                    {i.decidedByName && <span className="muted"> · {decidedByWords(i)}</span>}
                    {i.comment && (
                      <>
                        <br />
                        <span className="muted">“{i.comment}”</span>
                      </>
                    )}
                  </td>
                  <td>
                    <ItemStatusBadge status={i.status} />
                    {i.result && (
                      <>
                        <br />
                        <span className="muted">{i.result}</span>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Confirm
        open={asking}
        title={`Close "${c.name}"?`}
        message={
          <p>
            {plural(c.progress.open, 'undecided item')} will be{' '}
            {c.config.closeDefault === 'none'
              ? 'recorded as not reviewed'
              : `given the campaign's default: ${c.config.closeDefault}`}
            ; decisions not yet carried out are carried out in monday now; then monday is read for every item
            and the report is kept. Nothing can be decided after.
          </p>
        }
        confirmLabel="Close and carry out"
        busy={close.isPending}
        onConfirm={() => close.mutate()}
        onClose={() => setAsking(false)}
      />
    </section>
  );
}
