import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { ApiError, api, query } from '../api.ts';
import { ConnectionFilter, useAccountName } from '../components/ConnectionFilter.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { Empty, Loading, QueryError } from '../components/States.tsx';
import { ago } from '../format.ts';
import { useConnections } from '../hooks.ts';
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
  const remove = useMutation({
    mutationFn: (id: string) => api('DELETE', `/api/policies/${id}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['policies'] }),
  });
  return (
    <section aria-labelledby="policies-title">
      <div className="page-head">
        <h1 id="policies-title">Policies</h1>
        <button type="button" className="primary" onClick={() => setAdding(true)}>
          Add a policy
        </button>
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
                  <button type="button" className="danger-outline" onClick={() => remove.mutate(p.id)}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
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
              : `It would propose ${preview.data.length} changes now:`}
          </p>
          {preview.data.length > 0 && (
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

function Proposals({ connectionId }: { connectionId: string | undefined }) {
  const queryClient = useQueryClient();
  const accountName = useAccountName();
  const [status, setStatus] = useState('open');
  const [message, setMessage] = useState<string | null>(null);
  const proposals = useQuery({
    queryKey: ['proposals', connectionId, status],
    queryFn: async () =>
      (
        await api<{ proposals: Proposal[] }>(
          'GET',
          `/api/proposals${query({ connectionId, status: status || undefined })}`,
        )
      ).proposals,
  });
  const decide = useMutation({
    mutationFn: ({ verdict, id }: { verdict: 'approve' | 'reject'; id: string }) =>
      api<{ proposals: Proposal[] }>('POST', `/api/proposals/${verdict}`, { ids: [id] }),
    onSuccess: (result) => {
      const p = result.proposals[0];
      if (p) setMessage(`${p.email}: ${p.status}${p.outcome ? ` (${p.outcome})` : ''}`);
      queryClient.invalidateQueries({ queryKey: ['proposals'] });
    },
    onError: (error) => setMessage((error as Error).message),
  });
  return (
    <>
      <h2>Proposals</h2>
      <div className="filters">
        <label>
          Status{' '}
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Any</option>
            {['open', 'applied', 'rejected', 'failed', 'reported', 'withdrawn'].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p role="status" className="count">
        {message ?? ' '}
      </p>
      {proposals.isPending && <Loading what="proposals" lines={6} />}
      {proposals.isError && (
        <QueryError error={proposals.error} what="proposals" retry={() => proposals.refetch()} />
      )}
      {proposals.data?.length === 0 && <Empty>No proposals {status ? `with status ${status}` : ''}.</Empty>}
      {proposals.data && proposals.data.length > 0 && (
        <table className="grid">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Account</th>
              <th scope="col">Proposed</th>
              <th scope="col">Why</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="sr-only">Decide</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {proposals.data.map((p) => (
              <tr key={p.id}>
                <td>{p.email}</td>
                <td>{accountName(p.connectionId)}</td>
                <td>{p.action === 'set_role' ? `role → ${p.params.role}` : p.action}</td>
                <td>
                  {p.reason} <span className="muted">({ago(p.createdAt)})</span>
                </td>
                <td>
                  {p.status}
                  {p.outcome && p.status !== 'open' ? <span className="muted"> — {p.outcome}</span> : null}
                </td>
                <td className="row-buttons">
                  {(p.status === 'open' || p.status === 'failed') && p.action !== 'report' && (
                    <>
                      <button
                        type="button"
                        aria-label={`Approve for ${p.email}`}
                        disabled={decide.isPending}
                        onClick={() => decide.mutate({ verdict: 'approve', id: p.id })}
                      >
                        Approve
                      </button>
                      <button
                        type="button"
                        aria-label={`Reject for ${p.email}`}
                        disabled={decide.isPending}
                        onClick={() => decide.mutate({ verdict: 'reject', id: p.id })}
                      >
                        Reject
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
