import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { Link, useSearch } from 'wouter';
import { ApiError, api, query } from '../api.ts';
import { ConnectionFilter, useAccountName } from '../components/ConnectionFilter.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { Pager } from '../components/Pager.tsx';
import { Empty, Loading, QueryError } from '../components/States.tsx';
import { ago, plural } from '../format.ts';
import { useConnections } from '../hooks.ts';
import { useCanAct } from '../session.tsx';
import type { Policy, Proposal } from '../types.ts';

interface PolicyForm {
  connectionId: string;
  kind: Policy['kind'];
  days: string;
  emails: string;
  exceptions: string;
  autoApply: boolean;
  maxPerRun: string;
}

const kindLabels: Record<Policy['kind'], string> = {
  inactive_members_to_viewer: 'Members inactive for N days → change role to viewer',
  stale_invites_report: 'Pending invites older than N days → report',
  hr_leavers_deactivate: 'People on the HR leavers list → deactivate',
};

/** Policies per connection (add, preview, remove) and the proposals they made (approve, reject). */
export function PoliciesPage() {
  const [connectionId, setConnectionId] = useState<string | undefined>();
  const [adding, setAdding] = useState(false);
  const [previewing, setPreviewing] = useState<Policy | null>(null);
  const accountName = useAccountName();
  const queryClient = useQueryClient();
  const policies = useQuery({
    queryKey: ['policies', connectionId],
    queryFn: async () =>
      (await api<{ policies: Policy[] }>('GET', `/api/policies${query({ connectionId })}`)).policies,
  });
  const canAct = useCanAct();
  const [evaluated, setEvaluated] = useState<string | null>(null);
  const evaluate = useMutation({
    mutationFn: async (policy: Policy) => ({
      policy,
      added: (await api<{ proposals: Proposal[] }>('POST', `/api/policies/${policy.id}/evaluate`)).proposals,
    }),
    onSuccess: ({ policy, added }) => {
      setEvaluated(
        `${policy.description}: ${added.length === 0 ? 'no new proposals' : `${plural(added.length, 'new proposal')} below`}.`,
      );
      queryClient.invalidateQueries({ queryKey: ['proposals'] });
    },
    onError: (error) => setEvaluated((error as Error).message),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api('DELETE', `/api/policies/${id}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['policies'] }),
  });
  return (
    <section aria-labelledby="policies-title">
      <div className="page-head">
        <h1 id="policies-title">Policies</h1>
        {canAct && (
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            Add a policy
          </button>
        )}
      </div>
      <div className="filters">
        <ConnectionFilter value={connectionId} onChange={setConnectionId} />
      </div>
      {policies.isPending && <Loading what="policies" lines={4} />}
      {policies.isError && (
        <QueryError error={policies.error} what="policies" retry={() => policies.refetch()} />
      )}
      {policies.data?.length === 0 && (
        <Empty>No policies yet. A policy proposes changes after every sync.</Empty>
      )}
      {policies.data && policies.data.length > 0 && (
        <table className="grid">
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Rule</th>
              <th scope="col">Never touches</th>
              <th scope="col">Applies</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {policies.data.map((p) => (
              <tr key={p.id}>
                <td>{accountName(p.connectionId)}</td>
                <td>{p.description}</td>
                <td>{[...p.exceptions.emails, ...p.exceptions.domains].join(', ') || '—'}</td>
                <td>{p.autoApply ? `automatically, up to ${p.maxPerRun} per sync` : 'after approval'}</td>
                <td className="row-buttons">
                  <button type="button" onClick={() => setPreviewing(p)}>
                    Preview
                  </button>
                  {canAct && (
                    <button
                      type="button"
                      disabled={evaluate.isPending}
                      onClick={() => evaluate.mutate(p)}
                      aria-label={`Evaluate now: ${p.description}`}
                    >
                      Evaluate now
                    </button>
                  )}
                  {canAct && (
                    <button type="button" className="danger-outline" onClick={() => remove.mutate(p.id)}>
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {evaluated && (
        <p className="notice" role="status">
          {evaluated}
        </p>
      )}
      <Proposals connectionId={connectionId} />
      {adding && <AddPolicy onClose={() => setAdding(false)} defaultConnection={connectionId} />}
      {previewing && <Preview policy={previewing} onClose={() => setPreviewing(null)} />}
    </section>
  );
}

function Preview({ policy, onClose }: { policy: Policy; onClose: () => void }) {
  const preview = useQuery({
    queryKey: ['policy-preview', policy.id],
    queryFn: async () =>
      (
        await api<{
          proposals: { email: string; action: string; params: { role?: string }; reason: string }[];
        }>('GET', `/api/policies/${policy.id}/preview`)
      ).proposals,
  });
  return (
    <Dialog open title={`Preview: ${policy.description}`} onClose={onClose}>
      {preview.isPending && <Loading what="the preview" />}
      {preview.isError && <QueryError error={preview.error} what="the preview" />}
      {preview.data && (
        <>
          <p>
            {preview.data.length === 0
              ? 'It would propose nothing now.'
              : `It would propose ${plural(preview.data.length, 'change')} now${preview.data.length > 100 ? '; the first 100:' : ':'}`}
          </p>
          {preview.data.length > 0 && (
            <div className="scroll-box">
              <table className="grid compact">
                <thead>
                  <tr>
                    <th scope="col">User</th>
                    <th scope="col">Action</th>
                    <th scope="col">Why</th>
                  </tr>
                </thead>
                <tbody>
                  {preview.data.slice(0, 100).map((d) => (
                    <tr key={d.email}>
                      <td>{d.email}</td>
                      <td>{d.action === 'set_role' ? `role → ${d.params.role}` : d.action}</td>
                      <td>{d.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
      <div className="buttons">
        <button type="button" className="primary" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

function AddPolicy({ onClose, defaultConnection }: { onClose: () => void; defaultConnection?: string }) {
  const queryClient = useQueryClient();
  const connections = useConnections();
  const form = useForm<PolicyForm>({
    defaultValues: {
      connectionId: defaultConnection ?? connections.data?.[0]?.id ?? '',
      kind: 'inactive_members_to_viewer',
      days: '90',
      emails: '',
      exceptions: '',
      autoApply: false,
      maxPerRun: '10',
    },
  });
  const kind = form.watch('kind');
  const submit = form.handleSubmit(async (v) => {
    const words = (text: string) =>
      text
        .split(/[\s,;]+/)
        .map((w) => w.trim().toLowerCase())
        .filter(Boolean);
    const exceptions = words(v.exceptions);
    try {
      await api('POST', '/api/policies', {
        connectionId: v.connectionId,
        kind: v.kind,
        ...(v.kind === 'hr_leavers_deactivate' ? { emails: words(v.emails) } : { days: Number(v.days) }),
        exceptEmails: exceptions.filter((e) => e.includes('@')),
        exceptDomains: exceptions.filter((e) => !e.includes('@')),
        autoApply: v.kind !== 'stale_invites_report' && v.autoApply,
        maxPerRun: Number(v.maxPerRun),
      });
      await queryClient.invalidateQueries({ queryKey: ['policies'] });
      onClose();
    } catch (error) {
      form.setError('root', { message: error instanceof ApiError ? error.message : String(error) });
    }
  });
  return (
    <Dialog open title="Add a policy" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="policy-connection">Account</label>
          <select id="policy-connection" {...form.register('connectionId')}>
            {connections.data?.map((c) => (
              <option key={c.id} value={c.id}>
                {c.accountName}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="policy-kind">Rule</label>
          <select id="policy-kind" {...form.register('kind')}>
            {Object.entries(kindLabels).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        {kind === 'hr_leavers_deactivate' ? (
          <div className="field">
            <label htmlFor="policy-emails">HR leavers list (emails)</label>
            <textarea id="policy-emails" rows={4} {...form.register('emails')} />
          </div>
        ) : (
          <div className="field">
            <label htmlFor="policy-days">Days (N)</label>
            <input id="policy-days" type="number" min={1} max={3650} {...form.register('days')} />
          </div>
        )}
        <div className="field">
          <label htmlFor="policy-exceptions">Never touch (emails or domains)</label>
          <input
            id="policy-exceptions"
            placeholder="ceo@acme.com, partner.com"
            {...form.register('exceptions')}
          />
        </div>
        {kind !== 'stale_invites_report' && (
          <>
            <label className="choice">
              <input type="checkbox" {...form.register('autoApply')} /> Apply automatically (off: every
              proposal waits for approval)
            </label>
            <div className="field">
              <label htmlFor="policy-cap">At most this many applied automatically per sync</label>
              <input id="policy-cap" type="number" min={1} max={1000} {...form.register('maxPerRun')} />
            </div>
          </>
        )}
        {form.formState.errors.root?.message && (
          <p className="error-box" role="alert">
            {form.formState.errors.root.message}
          </p>
        )}
        <div className="buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={form.formState.isSubmitting}>
            Add policy
          </button>
        </div>
      </form>
    </Dialog>
  );
}

const PROPOSALS_PAGE = 25;

type ProposalSort = 'createdAt' | 'email' | 'account' | 'action';

/**
 * The proposals policies made: sorted, a page at a time, chosen one by one or all on the page, and approved or
 * rejected only after a confirmation that lists who and what (an approval acts on monday).
 */
function Proposals({ connectionId }: { connectionId: string | undefined }) {
  const queryClient = useQueryClient();
  const accountName = useAccountName();
  const canAct = useCanAct();
  // The audit log links here with ?proposal= to show the one proposal behind an action.
  const linked = new URLSearchParams(useSearch()).get('proposal');
  const [status, setStatus] = useState(linked ? '' : 'open');
  const [sort, setSort] = useState<ProposalSort>('createdAt');
  const [page, setPage] = useState(0);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [asking, setAsking] = useState<{ verdict: 'approve' | 'reject'; items: Proposal[] } | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const proposals = useQuery({
    queryKey: ['proposals', connectionId, status],
    queryFn: async () =>
      (
        await api<{ proposals: Proposal[] }>(
          'GET',
          `/api/proposals${query({ connectionId, status: status || undefined, limit: 1000 })}`,
        )
      ).proposals,
  });
  const decide = useMutation({
    mutationFn: ({ verdict, ids }: { verdict: 'approve' | 'reject'; ids: string[] }) =>
      api<{ proposals: Proposal[] }>('POST', `/api/proposals/${verdict}`, { ids }),
    onSuccess: (result, { verdict }) => {
      const counts = new Map<string, number>();
      for (const p of result.proposals) counts.set(p.status, (counts.get(p.status) ?? 0) + 1);
      setMessage(
        `${verdict === 'approve' ? 'Approved' : 'Rejected'} ${plural(result.proposals.length, 'proposal')}: ${[
          ...counts,
        ]
          .map(([s, n]) => `${n} ${s}`)
          .join(', ')}.`,
      );
      setAsking(null);
      setChosen(new Set());
      queryClient.invalidateQueries({ queryKey: ['proposals'] });
      queryClient.invalidateQueries({ queryKey: ['users'] });
    },
    onError: (error) => {
      setAsking(null);
      setMessage((error as Error).message);
    },
  });
  const all = (proposals.data ?? []).filter((p) => !linked || p.id === linked);
  const key = (p: Proposal): string =>
    sort === 'account' ? accountName(p.connectionId) : sort === 'createdAt' ? p.createdAt : p[sort];
  const sorted = [...all].sort((a, b) =>
    sort === 'createdAt'
      ? key(b).localeCompare(key(a))
      : key(a).localeCompare(key(b)) || a.email.localeCompare(b.email),
  );
  const pages = Math.max(1, Math.ceil(sorted.length / PROPOSALS_PAGE));
  const current = Math.min(page, pages - 1);
  const shown = sorted.slice(current * PROPOSALS_PAGE, (current + 1) * PROPOSALS_PAGE);
  const decidable = (p: Proposal) => (p.status === 'open' || p.status === 'failed') && p.action !== 'report';
  const chosenItems = all.filter((p) => chosen.has(p.id));
  const pageDecidable = shown.filter(decidable);
  const toggle = (ids: string[], on: boolean) => {
    const next = new Set(chosen);
    for (const id of ids) {
      if (on) next.add(id);
      else next.delete(id);
    }
    setChosen(next);
  };
  return (
    <>
      <h2>Proposals</h2>
      <div className="filters">
        <label>
          Status{' '}
          <select
            value={status}
            onChange={(e) => {
              setStatus(e.target.value);
              setPage(0);
              setChosen(new Set());
            }}
          >
            <option value="">Any</option>
            {['open', 'applied', 'rejected', 'failed', 'reported', 'withdrawn'].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sort by{' '}
          <select value={sort} onChange={(e) => setSort(e.target.value as ProposalSort)}>
            <option value="createdAt">Newest first</option>
            <option value="email">User</option>
            <option value="account">Account</option>
            <option value="action">Proposed change</option>
          </select>
        </label>
        {linked && (
          <Link href="/policies" className="button">
            Show all proposals
          </Link>
        )}
      </div>
      {canAct && (
        <div className="toolbar" role="toolbar" aria-label="Decide on chosen proposals">
          <span>
            {chosen.size
              ? `${plural(chosen.size, 'proposal')} chosen`
              : 'Choose proposals to decide on several'}
          </span>
          <button
            type="button"
            disabled={!chosen.size || decide.isPending}
            onClick={() => setAsking({ verdict: 'approve', items: chosenItems })}
          >
            Approve chosen…
          </button>
          <button
            type="button"
            disabled={!chosen.size || decide.isPending}
            onClick={() => setAsking({ verdict: 'reject', items: chosenItems })}
          >
            Reject chosen…
          </button>
        </div>
      )}
      <p role="status" className="count">
        {message ??
          (proposals.data
            ? `${plural(all.length, 'proposal')}${pages > 1 ? ` · page ${current + 1} of ${pages}` : ''}`
            : ' ')}
      </p>
      {proposals.isPending && <Loading what="proposals" lines={6} />}
      {proposals.isError && (
        <QueryError error={proposals.error} what="proposals" retry={() => proposals.refetch()} />
      )}
      {proposals.data && all.length === 0 && (
        <Empty>No proposals {status ? `with status ${status}` : ''}.</Empty>
      )}
      {all.length > 0 && (
        <table className="grid">
          <thead>
            <tr>
              {canAct && (
                <th scope="col">
                  <input
                    type="checkbox"
                    aria-label="Choose every open proposal on this page"
                    disabled={pageDecidable.length === 0}
                    checked={pageDecidable.length > 0 && pageDecidable.every((p) => chosen.has(p.id))}
                    onChange={(e) =>
                      toggle(
                        pageDecidable.map((p) => p.id),
                        e.target.checked,
                      )
                    }
                  />
                </th>
              )}
              <th scope="col">User</th>
              <th scope="col">Account</th>
              <th scope="col">Proposed</th>
              <th scope="col">Why</th>
              <th scope="col">Status</th>
              {canAct && (
                <th scope="col">
                  <span className="sr-only">Decide</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {shown.map((p) => (
              <tr key={p.id}>
                {canAct && (
                  <td>
                    {decidable(p) && (
                      <input
                        type="checkbox"
                        aria-label={`Choose the proposal for ${p.email}`}
                        checked={chosen.has(p.id)}
                        onChange={(e) => toggle([p.id], e.target.checked)}
                      />
                    )}
                  </td>
                )}
                <td>{p.email}</td>
                <td>{accountName(p.connectionId)}</td>
                <td>{proposedWords(p)}</td>
                <td>
                  {p.reason} <span className="muted">({ago(p.createdAt)})</span>
                </td>
                <td>
                  {p.status}
                  {p.outcome && p.status !== 'open' ? <span className="muted"> — {p.outcome}</span> : null}
                </td>
                {canAct && (
                  <td className="row-buttons">
                    {decidable(p) && (
                      <>
                        <button
                          type="button"
                          aria-label={`Approve for ${p.email}`}
                          disabled={decide.isPending}
                          onClick={() => setAsking({ verdict: 'approve', items: [p] })}
                        >
                          Approve…
                        </button>
                        <button
                          type="button"
                          aria-label={`Reject for ${p.email}`}
                          disabled={decide.isPending}
                          onClick={() => setAsking({ verdict: 'reject', items: [p] })}
                        >
                          Reject…
                        </button>
                      </>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pages > 1 && (
        <Pager
          label="Proposal pages"
          current={current + 1}
          of={pages}
          onPrevious={current > 0 ? () => setPage(current - 1) : null}
          onNext={current < pages - 1 ? () => setPage(current + 1) : null}
        />
      )}
      {asking && (
        <Dialog
          open
          title={`${asking.verdict === 'approve' ? 'Approve' : 'Reject'} ${plural(asking.items.length, 'proposal')}?`}
          onClose={() => setAsking(null)}
        >
          <p>
            {asking.verdict === 'approve'
              ? 'Each approved proposal runs on monday now, as an ordinary action (checked against monday first, audited). Those already done are reported as such.'
              : 'The users are left as they are; the proposals are closed as rejected.'}
          </p>
          <div className="scroll-box">
            <table className="grid compact">
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Account</th>
                  <th scope="col">Change</th>
                </tr>
              </thead>
              <tbody>
                {asking.items.map((p) => (
                  <tr key={p.id}>
                    <td>{p.email}</td>
                    <td>{accountName(p.connectionId)}</td>
                    <td>{proposedWords(p)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="buttons">
            <button type="button" onClick={() => setAsking(null)}>
              Cancel
            </button>
            <button
              type="button"
              className={asking.verdict === 'approve' ? 'danger' : 'primary'}
              disabled={decide.isPending}
              onClick={() => decide.mutate({ verdict: asking.verdict, ids: asking.items.map((p) => p.id) })}
            >
              {decide.isPending
                ? 'Working…'
                : `${asking.verdict === 'approve' ? 'Approve and apply' : 'Reject'} ${plural(asking.items.length, 'proposal')}`}
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}

/** What a proposal would do, in words. */
function proposedWords(p: Proposal): string {
  if (p.action === 'set_role') return `change role to ${p.params.role}`;
  if (p.action === 'deactivate') return 'deactivate';
  return 'report only';
}
