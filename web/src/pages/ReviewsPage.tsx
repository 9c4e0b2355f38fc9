import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import type { PersonView } from '../../../src/domain/people.ts';
import {
  type CloseDefault,
  closeDefaults,
  type Recurrence,
  type ReviewDecision,
  reviewDecisions,
} from '../../../src/domain/reviews.ts';
import type { CampaignView } from '../../../src/domain/reviewViews.ts';
import { api } from '../api.ts';
import { Empty, Loading, QueryError } from '../components/States.tsx';
import { day, plural } from '../format.ts';
import { useConnections } from '../hooks.ts';
import { useIsAdmin } from '../session.tsx';
import { decisionLabel } from './MyReviewsPage.tsx';

const closeDefaultLabel: Record<CloseDefault, string> = {
  revoke: 'revoke (deactivate)',
  downgrade: 'downgrade to viewer',
  keep: 'keep (say so in the report)',
  none: 'leave as they are, recorded as not reviewed',
};

/** Access review campaigns: their progress, and (admins) launching a new one. */
export function ReviewsPage() {
  const isAdmin = useIsAdmin();
  const campaigns = useQuery({
    queryKey: ['reviews', 'list'],
    queryFn: async () => (await api<{ campaigns: CampaignView[] }>('GET', '/api/reviews')).campaigns,
  });
  const [creating, setCreating] = useState(false);
  return (
    <section aria-labelledby="reviews-title">
      <div className="page-head">
        <h1 id="reviews-title">Access reviews</h1>
        {isAdmin && !creating && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New campaign
          </button>
        )}
      </div>
      <p className="muted">
        Who has access to each monday account, reviewed by someone who knows whether they still need it. Each
        campaign keeps what reviewers saw, what they decided and what monday showed afterwards, as evidence.
      </p>
      {creating && <NewCampaignForm onDone={() => setCreating(false)} />}
      {campaigns.isPending && <Loading what="campaigns" lines={4} />}
      {campaigns.isError && (
        <QueryError error={campaigns.error} what="campaigns" retry={() => campaigns.refetch()} />
      )}
      {campaigns.data?.length === 0 && <Empty>No campaign yet.</Empty>}
      {campaigns.data && campaigns.data.length > 0 && (
        <div className="table-wrap">
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">Campaign</th>
                <th scope="col">State</th>
                <th scope="col">Due</th>
                <th scope="col">Accounts</th>
                <th scope="col">Reviewers</th>
                <th scope="col">To decide</th>
                <th scope="col">Done</th>
                <th scope="col">Kept</th>
                <th scope="col">Failed</th>
              </tr>
            </thead>
            <tbody>
              {campaigns.data.map((c) => (
                <tr key={c.id}>
                  <th scope="row">
                    <Link href={`/reviews/${c.id}`}>{c.name}</Link>
                    {c.recurrence !== 'off' && (
                      <span className="muted"> · repeats {c.recurrence.replace('_', '-')}</span>
                    )}
                  </th>
                  <td>
                    <span className={`badge ${c.overdue ? 'no' : c.status === 'closed' ? 'yes' : ''}`}>
                      {c.overdue ? 'overdue' : c.status}
                    </span>
                  </td>
                  <td>{day(c.dueAt)}</td>
                  <td>{c.accounts.join(', ')}</td>
                  <td>{c.reviewers.length}</td>
                  <td>{c.progress.open + c.progress.decided}</td>
                  <td>{c.progress.done}</td>
                  <td>{c.progress.kept}</td>
                  <td>{c.progress.failed}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

function NewCampaignForm({ onDone }: { onDone: () => void }) {
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const connections = useConnections();
  const people = useQuery({
    queryKey: ['people'],
    queryFn: async () => (await api<{ people: PersonView[] }>('GET', '/api/people')).people,
  });
  const [name, setName] = useState('');
  const [connectionIds, setConnectionIds] = useState<string[]>([]);
  const [who, setWho] = useState<'all' | 'paid' | 'guests' | 'admins' | 'inactive'>('all');
  const [inactiveDays, setInactiveDays] = useState(90);
  const [reviewerKind, setReviewerKind] = useState<'people' | 'team_owner'>('people');
  const [reviewers, setReviewers] = useState<string[]>([]);
  const [fallback, setFallback] = useState('');
  const [dueAt, setDueAt] = useState(inDays(14));
  const [endsAt, setEndsAt] = useState('');
  const [decisions, setDecisions] = useState<ReviewDecision[]>(['keep', 'revoke', 'downgrade']);
  const [applyMode, setApplyMode] = useState<'on_submit' | 'at_close'>('on_submit');
  const [closeDefault, setCloseDefault] = useState<CloseDefault | ''>('');
  const [recurrence, setRecurrence] = useState<Recurrence>('off');
  const [leavers, setLeavers] = useState('');
  const [error, setError] = useState<string | null>(null);
  const active = (people.data ?? []).filter((p) => !p.disabled);
  const flip = <T,>(list: T[], value: T, on: boolean) =>
    on ? [...list, value] : list.filter((v) => v !== value);
  const create = useMutation({
    mutationFn: () =>
      api<CampaignView>('POST', '/api/reviews', {
        name,
        scope: {
          connectionIds,
          ...(who === 'paid' ? { licenses: ['member'] } : {}),
          ...(who === 'guests' ? { guestsOnly: true } : {}),
          ...(who === 'admins' ? { adminsOnly: true } : {}),
          ...(who === 'inactive' ? { inactiveDays } : {}),
          statuses: ['active', 'pending'],
        },
        reviewers:
          reviewerKind === 'people'
            ? { kind: 'people', personIds: reviewers, ...(fallback ? { fallbackPersonId: fallback } : {}) }
            : { kind: 'team_owner', fallbackPersonId: fallback },
        dueAt,
        ...(endsAt ? { endsAt } : {}),
        decisions,
        applyMode,
        closeDefault,
        recurrence,
        leavers: leavers
          .split(/[\s,;]+/)
          .map((e) => e.trim())
          .filter(Boolean),
      }),
    onSuccess: async (c) => {
      await queryClient.invalidateQueries({ queryKey: ['reviews'] });
      onDone();
      navigate(`/reviews/${c.id}`);
    },
    onError: (e: Error) => setError(e.message),
  });
  return (
    <form
      className="panel"
      aria-label="New access review campaign"
      onSubmit={(e) => {
        e.preventDefault();
        setError(null);
        create.mutate();
      }}
    >
      <h2>New campaign</h2>
      <label className="field">
        Name
        <input required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <fieldset className="field">
        <legend>Accounts</legend>
        {(connections.data ?? []).map((c) => (
          <label key={c.id} className="choice">
            <input
              type="checkbox"
              checked={connectionIds.includes(c.id)}
              onChange={(e) => setConnectionIds(flip(connectionIds, c.id, e.target.checked))}
            />{' '}
            {c.accountName}
          </label>
        ))}
      </fieldset>
      <label className="field">
        Who is reviewed
        <select value={who} onChange={(e) => setWho(e.target.value as typeof who)}>
          <option value="all">Everyone active or invited</option>
          <option value="paid">Paid seats only</option>
          <option value="guests">Guests only</option>
          <option value="admins">Admins only</option>
          <option value="inactive">Inactive for more than…</option>
        </select>
      </label>
      {who === 'inactive' && (
        <label className="field">
          Days without activity
          <input
            type="number"
            min={1}
            max={3650}
            value={inactiveDays}
            onChange={(e) => setInactiveDays(Number(e.target.value))}
          />
        </label>
      )}
      <fieldset className="field">
        <legend>Reviewers</legend>
        <label className="choice">
          <input
            type="radio"
            checked={reviewerKind === 'people'}
            onChange={() => setReviewerKind('people')}
          />{' '}
          These people, in turn
        </label>
        <label className="choice">
          <input
            type="radio"
            checked={reviewerKind === 'team_owner'}
            onChange={() => setReviewerKind('team_owner')}
          />{' '}
          Each person's team owner
        </label>
        {reviewerKind === 'people' &&
          active.map((p) => (
            <label key={p.id} className="choice">
              <input
                type="checkbox"
                checked={reviewers.includes(p.id)}
                onChange={(e) => setReviewers(flip(reviewers, p.id, e.target.checked))}
              />{' '}
              {p.name ?? p.email} ({p.role ?? 'no role'})
            </label>
          ))}
        <label>
          {reviewerKind === 'team_owner'
            ? 'Reviews people no owner can'
            : 'Fallback (nobody reviews their own access)'}{' '}
          <select
            value={fallback}
            onChange={(e) => setFallback(e.target.value)}
            required={reviewerKind === 'team_owner'}
          >
            <option value="">{reviewerKind === 'team_owner' ? 'choose…' : 'none'}</option>
            {active.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name ?? p.email}
              </option>
            ))}
          </select>
        </label>
      </fieldset>
      <div className="inline-form">
        <label>
          Due
          <input type="date" required value={dueAt} onChange={(e) => setDueAt(e.target.value)} />
        </label>
        <label>
          Closes by itself on (optional)
          <input type="date" value={endsAt} onChange={(e) => setEndsAt(e.target.value)} />
        </label>
        <label>
          Repeats
          <select value={recurrence} onChange={(e) => setRecurrence(e.target.value as Recurrence)}>
            <option value="off">never</option>
            <option value="quarterly">quarterly</option>
            <option value="half_yearly">half-yearly</option>
          </select>
        </label>
      </div>
      <fieldset className="field">
        <legend>Decisions reviewers can make</legend>
        {reviewDecisions.map((d) => (
          <label key={d} className="choice">
            <input
              type="checkbox"
              checked={decisions.includes(d)}
              disabled={d === 'keep'}
              onChange={(e) => setDecisions(flip(decisions, d, e.target.checked))}
            />{' '}
            {decisionLabel[d]}
          </label>
        ))}
      </fieldset>
      <div className="inline-form">
        <label>
          Carry decisions out
          <select value={applyMode} onChange={(e) => setApplyMode(e.target.value as typeof applyMode)}>
            <option value="on_submit">when each is submitted</option>
            <option value="at_close">all at the close</option>
          </select>
        </label>
        <label>
          Undecided at the close
          <select
            required
            value={closeDefault}
            onChange={(e) => setCloseDefault(e.target.value as CloseDefault)}
          >
            <option value="" disabled>
              choose…
            </option>
            {closeDefaults.map((d) => (
              <option key={d} value={d}>
                {closeDefaultLabel[d]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label className="field">
        HR leavers list (optional: emails, recommended for revoke)
        <textarea rows={2} value={leavers} onChange={(e) => setLeavers(e.target.value)} />
      </label>
      {error && (
        <p className="error-box" role="alert">
          {error}
        </p>
      )}
      <div className="buttons">
        <button type="button" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? 'Launching…' : 'Launch campaign'}
        </button>
      </div>
      <p className="muted">
        Launching takes a snapshot of {plural(connectionIds.length, 'account')}: every person in scope, with
        what a reviewer needs to decide.
      </p>
    </form>
  );
}
