import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { type ReviewDecision, raisesAccess } from '../../../src/domain/reviews.ts';
import type { CampaignView, ReviewItemView } from '../../../src/domain/reviewViews.ts';
import { api } from '../api.ts';
import { Confirm } from '../components/Dialog.tsx';
import { Empty, Loading, QueryError } from '../components/States.tsx';
import { ago, day, licenseLabel, plural, roleLabel } from '../format.ts';

type InboxItem = ReviewItemView & { campaignName: string; dueAt: string };
type Outcome = {
  itemId: string;
  ok: boolean;
  item?: ReviewItemView;
  error?: { code: string; message: string };
};

export const decisionLabel: Record<ReviewDecision, string> = {
  keep: 'Keep',
  revoke: 'Revoke (deactivate)',
  downgrade: 'Downgrade to viewer',
  change_role: 'Change role',
};

export const itemStatusLabel: Record<string, string> = {
  open: 'To decide',
  decided: 'Decided, not submitted',
  awaiting_approval: 'Waiting for an operator to approve (raises access)',
  submitted: 'Submitted',
  applying: 'Being carried out',
  done: 'Done',
  kept: 'Kept',
  failed: 'Failed',
  not_reviewed: 'Not reviewed',
  drifted: 'Changed in monday since',
};

/** An item's state as a badge: green when monday shows it done or it was kept, red when it failed. */
export function ItemStatusBadge({ status }: { status: string }) {
  const tone = status === 'failed' ? 'no' : status === 'done' || status === 'kept' ? 'yes' : '';
  return <span className={`badge ${tone}`}>{itemStatusLabel[status] ?? status}</span>;
}

const editable = (i: ReviewItemView) => i.status === 'open' || i.status === 'decided';

/** A reviewer's inbox: the people assigned to them, with what helps decide, one by one or in bulk. */
export function MyReviewsPage() {
  const queryClient = useQueryClient();
  const inbox = useQuery({
    queryKey: ['reviews', 'inbox'],
    queryFn: async () => (await api<{ items: InboxItem[] }>('GET', '/api/reviews/inbox')).items,
  });
  const campaigns = useQuery({
    queryKey: ['reviews', 'list'],
    queryFn: async () => (await api<{ campaigns: CampaignView[] }>('GET', '/api/reviews')).campaigns,
  });
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [comments, setComments] = useState<Record<string, string>>({});
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [reassignTo, setReassignTo] = useState('');
  // Submitting carries decisions out in monday (or at the close): it is asked first, as every other act is.
  const [confirming, setConfirming] = useState<{ campaignId: string; items: InboxItem[] } | null>(null);

  const byCampaign = useMemo(() => {
    const groups = new Map<string, InboxItem[]>();
    for (const item of inbox.data ?? [])
      groups.set(item.campaignId, [...(groups.get(item.campaignId) ?? []), item]);
    return [...groups.entries()];
  }, [inbox.data]);
  const campaignOf = (id: string) => campaigns.data?.find((c) => c.id === id);

  const settle = async (outcomes: Outcome[], verb: string) => {
    const failed = outcomes.filter((o) => !o.ok);
    setProblems((p) => {
      const next = { ...p };
      for (const o of outcomes) {
        if (o.ok) delete next[o.itemId];
        else next[o.itemId] = o.error?.message ?? 'refused';
      }
      return next;
    });
    const done = outcomes.length - failed.length;
    setMessage(
      [
        done ? `${verb}: ${plural(done, 'person', 'people')}.` : '',
        failed.length ? `${plural(failed.length, 'refusal')}: the reason is beside each.` : '',
      ]
        .filter(Boolean)
        .join(' '),
    );
    setChosen(new Set());
    await queryClient.invalidateQueries({ queryKey: ['reviews'] });
  };

  const decide = useMutation({
    mutationFn: async (input: {
      campaignId: string;
      ids: string[];
      decision: ReviewDecision;
      role?: string;
      submit?: boolean;
    }) =>
      (
        await api<{ items: Outcome[] }>('POST', `/api/reviews/${input.campaignId}/decisions`, {
          decisions: input.ids.map((itemId) => ({
            itemId,
            decision: input.decision,
            role: input.decision === 'change_role' ? input.role : undefined,
            comment: comments[itemId] || undefined,
          })),
          submit: input.submit ?? false,
        })
      ).items,
    onSuccess: (outcomes, input) => settle(outcomes, input.submit ? 'Decided and submitted' : 'Decided'),
    onError: (error: Error) => setMessage(error.message),
  });
  const submit = useMutation({
    mutationFn: async (input: { campaignId: string; ids: string[] }) =>
      (
        await api<{ items: Outcome[] }>('POST', `/api/reviews/${input.campaignId}/submit`, {
          itemIds: input.ids,
        })
      ).items,
    onSuccess: (outcomes) => settle(outcomes, 'Submitted'),
    onError: (error: Error) => setMessage(error.message),
  });
  const reassign = useMutation({
    mutationFn: async (input: { campaignId: string; ids: string[]; personId: string }) =>
      (
        await api<{ items: Outcome[] }>('POST', `/api/reviews/${input.campaignId}/reassign`, {
          itemIds: input.ids,
          personId: input.personId,
        })
      ).items,
    onSuccess: (outcomes) => settle(outcomes, 'Handed on'),
    onError: (error: Error) => setMessage(error.message),
  });
  const busy = decide.isPending || submit.isPending || reassign.isPending;

  const toggle = (ids: string[], on: boolean) =>
    setChosen((prev) => {
      const next = new Set(prev);
      for (const id of ids) on ? next.add(id) : next.delete(id);
      return next;
    });

  return (
    <section aria-labelledby="my-reviews-title">
      <h1 id="my-reviews-title">My reviews</h1>
      <p className="muted">
        The people whose access you review. Decide each (you can change a decision until you submit it), or
        choose several and decide them at once. Submitted decisions are carried out in monday; a change counts
        as done only when monday shows it.
      </p>
      <p role="status" className="count">
        {message ??
          (inbox.data ? `${plural(inbox.data.filter(editable).length, 'person', 'people')} to decide` : ' ')}
      </p>
      {inbox.isPending && <Loading what="your reviews" lines={6} />}
      {inbox.isError && <QueryError error={inbox.error} what="your reviews" retry={() => inbox.refetch()} />}
      {inbox.data?.length === 0 && <Empty>No access review is assigned to you.</Empty>}
      {byCampaign.map(([campaignId, items]) => {
        const campaign = campaignOf(campaignId);
        const allowed = campaign?.config.decisions ?? ['keep'];
        const mine = items.filter((i) => chosen.has(i.id));
        const choosable = items.filter(editable);
        const overdue = Date.parse(items[0]!.dueAt) < Date.now();
        const others = (campaign?.reviewers ?? []).filter((r) => r.id !== items[0]!.reviewerId);
        return (
          <article key={campaignId} className="panel" aria-labelledby={`c-${campaignId}`}>
            <h2 id={`c-${campaignId}`}>{items[0]!.campaignName}</h2>
            <p className={overdue ? 'warn' : 'muted'}>
              Due {day(items[0]!.dueAt)}
              {overdue ? ' (overdue)' : ''} ·{' '}
              {campaign?.config.closeDefault === 'none'
                ? 'undecided at the close: recorded as not reviewed'
                : `undecided at the close: ${campaign?.config.closeDefault ?? '…'}`}{' '}
              · decisions are carried out{' '}
              {campaign?.config.applyMode === 'at_close' ? 'at the close' : 'when you submit them'}
            </p>
            <div
              className="toolbar"
              role="toolbar"
              aria-label={`Decide on chosen people in ${items[0]!.campaignName}`}
            >
              <span>
                {mine.length
                  ? `${plural(mine.length, 'person', 'people')} chosen`
                  : 'Choose people to decide on several'}
              </span>
              {allowed
                .filter((d) => d !== 'change_role')
                .map((d) => (
                  <button
                    key={d}
                    type="button"
                    disabled={!mine.length || busy}
                    onClick={() => decide.mutate({ campaignId, ids: mine.map((i) => i.id), decision: d })}
                  >
                    {decisionLabel[d]}
                  </button>
                ))}
              <button
                type="button"
                className="primary"
                disabled={!mine.some((i) => i.status === 'decided') || busy}
                onClick={() =>
                  setConfirming({ campaignId, items: mine.filter((i) => i.status === 'decided') })
                }
              >
                Submit chosen
              </button>
              {(campaign?.config.allowReassign ?? false) && others.length > 0 && (
                <>
                  <label>
                    Hand to{' '}
                    <select value={reassignTo} onChange={(e) => setReassignTo(e.target.value)}>
                      <option value="">someone else…</option>
                      {others.map((r) => (
                        <option key={r.id} value={r.id}>
                          {r.name ?? r.email}
                        </option>
                      ))}
                    </select>
                  </label>
                  <button
                    type="button"
                    disabled={!mine.length || !reassignTo || busy}
                    onClick={() =>
                      reassign.mutate({ campaignId, ids: mine.map((i) => i.id), personId: reassignTo })
                    }
                  >
                    Reassign chosen
                  </button>
                </>
              )}
            </div>
            <div className="table-wrap">
              <table className="grid">
                <thead>
                  <tr>
                    <th scope="col">
                      <input
                        type="checkbox"
                        aria-label="Choose everyone still to decide"
                        disabled={choosable.length === 0}
                        checked={choosable.length > 0 && choosable.every((i) => chosen.has(i.id))}
                        onChange={(e) =>
                          toggle(
                            choosable.map((i) => i.id),
                            e.target.checked,
                          )
                        }
                      />
                    </th>
                    <th scope="col">Person</th>
                    <th scope="col">Access at launch</th>
                    <th scope="col">Activity and teams</th>
                    <th scope="col">Recommended</th>
                    <th scope="col">Decision</th>
                    <th scope="col">State</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((item) => (
                    <ItemRow
                      key={item.id}
                      item={item}
                      allowed={allowed}
                      chosen={chosen.has(item.id)}
                      onChoose={(on) => toggle([item.id], on)}
                      comment={comments[item.id] ?? item.comment ?? ''}
                      onComment={(text) => setComments((c) => ({ ...c, [item.id]: text }))}
                      problem={problems[item.id]}
                      busy={busy}
                      onDecide={(decision, role) =>
                        decide.mutate({ campaignId, ids: [item.id], decision, role })
                      }
                      onSubmit={() => setConfirming({ campaignId, items: [item] })}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          </article>
        );
      })}
      {confirming && (
        <Confirm
          open
          title="Submit these decisions?"
          message={
            <SubmitSummary
              items={confirming.items}
              atClose={campaignOf(confirming.campaignId)?.config.applyMode === 'at_close'}
            />
          }
          confirmLabel={`Submit ${plural(confirming.items.length, 'decision')}`}
          busy={submit.isPending}
          onClose={() => setConfirming(null)}
          onConfirm={() =>
            submit.mutate(
              { campaignId: confirming.campaignId, ids: confirming.items.map((i) => i.id) },
              { onSettled: () => setConfirming(null) },
            )
          }
        />
      )}
    </section>
  );
}

function ItemRow(props: {
  item: InboxItem;
  allowed: readonly ReviewDecision[];
  chosen: boolean;
  onChoose: (on: boolean) => void;
  comment: string;
  onComment: (text: string) => void;
  problem?: string;
  busy: boolean;
  onDecide: (decision: ReviewDecision, role?: string) => void;
  onSubmit: () => void;
}) {
  const { item } = props;
  const s = item.snapshot;
  const open = editable(item);
  return (
    <tr>
      <td>
        <input
          type="checkbox"
          aria-label={`Choose ${item.email}`}
          disabled={!open}
          checked={props.chosen}
          onChange={(e) => props.onChoose(e.target.checked)}
        />
      </td>
      <th scope="row">
        {item.name}
        <br />
        <span className="muted">
          {item.email} · {item.accountName}
        </span>
      </th>
      <td>
        {roleLabel[s.role] ?? s.role}, {s.status}
        <br />
        <span className="muted">
          {s.license ? (licenseLabel[s.license] ?? s.license) : 'no license'}
          {s.seatCost ? ` · ${s.seatCost.monthly} ${s.seatCost.currency ?? ''}/month` : ''} · {s.provisioned}
        </span>
      </td>
      <td>
        {s.lastActivityAt ? `active ${ago(s.lastActivityAt)}` : 'never active'}
        <br />
        <span className="muted">{s.teams.length ? s.teams.join(', ') : 'no team'}</span>
      </td>
      <td>
        {item.recommendations.length === 0
          ? '—'
          : item.recommendations.map((r) => (
              <span key={r.code} className="badge warn" title={`suggests ${r.suggests}`}>
                {r.reason}
              </span>
            ))}
      </td>
      <td>
        {open ? (
          <div className="decide">
            <fieldset className="buttons" aria-label={`Decision on ${item.email}`}>
              {props.allowed
                .filter((d) => d !== 'change_role')
                .map((d) => (
                  <button
                    key={d}
                    type="button"
                    aria-pressed={item.decision === d}
                    className={item.decision === d ? 'primary' : undefined}
                    disabled={props.busy}
                    onClick={() => props.onDecide(d)}
                  >
                    {decisionLabel[d].split(' ')[0]}
                  </button>
                ))}
              {props.allowed.includes('change_role') && (
                <select
                  aria-label={`Change the role of ${item.email}`}
                  className={item.decision === 'change_role' ? 'chosen' : undefined}
                  value={item.decision === 'change_role' ? (item.role ?? '') : ''}
                  disabled={props.busy}
                  onChange={(e) => {
                    if (!e.target.value) return;
                    props.onDecide('change_role', e.target.value);
                  }}
                >
                  <option value="">Role…</option>
                  {['admin', 'member', 'viewer', 'guest']
                    .filter((r) => r !== item.snapshot.role)
                    .map((r) => (
                      <option key={r} value={r}>
                        {roleLabel[r] ?? r}
                      </option>
                    ))}
                </select>
              )}
            </fieldset>
            <input
              type="text"
              aria-label={`Comment on ${item.email}`}
              placeholder={item.keepNeedsComment ? 'Comment (needed to keep)' : 'Comment'}
              value={props.comment}
              maxLength={2000}
              onChange={(e) => props.onComment(e.target.value)}
            />
            {props.problem && (
              <p className="field-error" role="alert">
                {props.problem}
              </p>
            )}
          </div>
        ) : (
          <>
            {item.decision ? decisionLabel[item.decision] : '—'}
            {item.decision === 'change_role' && ` to ${item.role}`}
            {item.comment && (
              <>
                <br />
                <span className="muted">“{item.comment}”</span>
              </>
            )}
          </>
        )}
      </td>
      <td>
        <ItemStatusBadge status={item.status} />
        {item.result && (
          <>
            <br />
            <span className="muted">{item.result}</span>
          </>
        )}
        {item.status === 'decided' && (
          <>
            <br />
            <button type="button" className="primary" disabled={props.busy} onClick={props.onSubmit}>
              Submit
            </button>
          </>
        )}
      </td>
    </tr>
  );
}

/** What submitting does, decision by decision, before it is done. */
function SubmitSummary({ items, atClose }: { items: InboxItem[]; atClose: boolean }) {
  const counts = new Map<string, number>();
  for (const i of items) {
    const what =
      i.decision === 'change_role' && i.role
        ? `Change role to ${roleLabel[i.role] ?? i.role}`
        : (decisionLabel[i.decision as ReviewDecision] ?? 'No decision');
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  const raises = items.filter((i) => i.decision && raisesAccess(i.decision, i.role, i.snapshot.role)).length;
  const acts = items.filter((i) => i.decision && i.decision !== 'keep').length - raises;
  return (
    <>
      <p>
        {atClose
          ? "These decisions are recorded now and carried out in monday at the campaign's close; you cannot change them after submitting."
          : acts
            ? `${plural(acts, 'change')} will be made in monday now; a change counts as done only when monday shows it.`
            : 'Nothing changes in monday now.'}
        {raises
          ? ` ${plural(raises, 'decision')} would raise access: ${raises === 1 ? 'it waits' : 'they wait'} for an operator to approve.`
          : ''}
      </p>
      <ul>
        {[...counts.entries()].map(([what, n]) => (
          <li key={what}>
            {what}: {plural(n, 'person', 'people')}
          </li>
        ))}
      </ul>
      <ul className="muted">
        {items.slice(0, 10).map((i) => (
          <li key={i.id}>
            {i.name} ({i.email}) in {i.accountName}
          </li>
        ))}
        {items.length > 10 && <li>and {items.length - 10} more</li>}
      </ul>
    </>
  );
}
