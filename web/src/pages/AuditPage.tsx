import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import type { FieldChange } from '../../../src/domain/fieldChanges.ts';
import type { PersonView } from '../../../src/domain/people.ts';
import { api, query } from '../api.ts';
import { ConnectionFilter, useAccountName } from '../components/ConnectionFilter.tsx';
import { Empty, Loading, QueryError } from '../components/States.tsx';
import { plural, when } from '../format.ts';
import { useIsAdmin } from '../session.tsx';
import type { AuditEntry } from '../types.ts';

const actionWords: Record<string, string> = {
  create: 'Create user',
  deactivate: 'Deactivate',
  invite: 'Invite',
  set_role: 'Change role',
  reactivate: 'Reactivate',
  add_to_team: 'Add to team',
  remove_from_team: 'Remove from team',
  sign_in: 'Sign in',
  sign_out: 'Sign out',
  key_created: 'API key created',
  key_revoked: 'API key revoked',
  person_invited: 'Person invited',
  person_role_changed: "Person's role changed",
  person_disabled: 'Person disabled',
  person_enabled: 'Person enabled',
  settings_changed: 'Settings changed',
  connection_created: 'Account connected',
  connection_updated: 'Connection changed',
  connection_deleted: 'Account disconnected',
  policy_created: 'Policy added',
  policy_deleted: 'Policy removed',
  review_launched: 'Access review launched',
  review_reassigned: 'Review items reassigned',
  review_raise_approved: 'Review raise approved',
  review_raise_declined: 'Review raise declined',
  review_closed: 'Access review closed',
  review_reminded: 'Reviewer reminded',
};
const actions = Object.keys(actionWords);

/** The audit log: every action and refusal (dry runs on request), who asked, whom it touched, what monday did. */
export function AuditPage() {
  const [connectionId, setConnectionId] = useState<string | undefined>();
  const [action, setAction] = useState('');
  const [kind, setKind] = useState<'false' | 'true' | ''>('false');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [personId, setPersonId] = useState('');
  const isAdmin = useIsAdmin();
  const people = useQuery({
    queryKey: ['people'],
    queryFn: async () => (await api<{ people: PersonView[] }>('GET', '/api/people')).people,
    enabled: isAdmin,
  });
  const accountName = useAccountName();
  const filters = { connectionId, action, dryRun: kind, from, to, personId };
  const entries = useQuery({
    queryKey: ['audit', filters],
    queryFn: async () =>
      (await api<{ entries: AuditEntry[] }>('GET', `/api/audit${query({ ...filters, limit: 200 })}`)).entries,
  });
  return (
    <section aria-labelledby="audit-title">
      <div className="page-head">
        <h1 id="audit-title">Audit log</h1>
        <a
          className="button"
          href={`/api/audit${query({ ...filters, limit: 1000, format: 'csv' })}`}
          download
        >
          Export CSV
        </a>
      </div>
      <div className="filters">
        <ConnectionFilter value={connectionId} onChange={setConnectionId} />
        <label>
          Action{' '}
          <select value={action} onChange={(e) => setAction(e.target.value)}>
            <option value="">Any</option>
            {actions.map((a) => (
              <option key={a} value={a}>
                {actionWords[a]}
              </option>
            ))}
          </select>
        </label>
        {isAdmin && (
          <label>
            Person{' '}
            <select value={personId} onChange={(e) => setPersonId(e.target.value)}>
              <option value="">Anyone</option>
              {people.data?.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name ? `${p.name} (${p.email})` : p.email}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          Show{' '}
          <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
            <option value="false">Actions sent to monday</option>
            <option value="true">Previews (dry runs)</option>
            <option value="">Both</option>
          </select>
        </label>
        <label>
          From <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          To <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
      </div>
      {entries.isPending && <Loading what="the audit log" lines={10} />}
      {entries.isError && (
        <QueryError error={entries.error} what="the audit log" retry={() => entries.refetch()} />
      )}
      {entries.data && (
        <p className="count" aria-live="polite">
          {entries.data.length === 200
            ? 'The newest 200 entries; narrow the filters or export to see more.'
            : plural(entries.data.length, 'entry', 'entries')}
        </p>
      )}
      {entries.data?.length === 0 && <Empty>No audit entries match.</Empty>}
      {entries.data && entries.data.length > 0 && (
        <div className="table-wrap">
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Account</th>
                <th scope="col">Action</th>
                <th scope="col">Outcome</th>
                <th scope="col">Users</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {entries.data.map((e) => (
                <tr key={e.id}>
                  <td>{when(e.at)}</td>
                  <td>{e.actorName}</td>
                  <td>{e.connectionId ? accountName(e.connectionId) : 'Seatwise'}</td>
                  <td>
                    {actionWords[e.action] ?? e.action} <span className="muted">({e.via})</span>
                    {e.dryRun ? <span className="badge">preview</span> : null}
                  </td>
                  <td>{e.outcome}</td>
                  <td>{e.targetLabels.join(', ')}</td>
                  <td>
                    <Detail entry={e} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** A setting's value as people read it: none for nothing, lists joined, objects as their fields. */
function shown(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (Array.isArray(value)) return value.length ? value.map(shown).join(', ') : 'none';
  if (typeof value === 'object')
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k} ${shown(v)}`)
      .join(', ');
  return String(value);
}

/** Why an entry ended as it did, and what it was part of. */
function Detail({ entry: e }: { entry: AuditEntry }) {
  const results = e.results.map(
    (r) => `${r.email || r.target}: ${r.outcome}${r.reason ? ` (${r.reason})` : ''}`,
  );
  const plan =
    e.connectionId === null
      ? (e.plan as { before?: unknown; after?: unknown; changes?: FieldChange[] } | undefined)
      : undefined;
  return (
    <>
      {e.error && <div className="no">{e.error.message}</div>}
      {plan?.changes && plan.changes.length > 0 && (
        <ul className="changes" aria-label="What changed">
          {plan.changes.map((c) => (
            <li key={c.field}>
              <strong>{c.field}</strong>: {shown(c.before)} → {shown(c.after)}
            </li>
          ))}
        </ul>
      )}
      {plan && !plan.changes && 'after' in plan && (
        <div>
          {shown(plan.before)} → {shown(plan.after)}
        </div>
      )}
      {results.length > 0 && <div>{results.join('; ')}</div>}
      {!e.error && results.length === 0 && <div className="muted">{e.dryRun ? 'nothing sent' : '—'}</div>}
      {e.source?.kind === 'offboarding' && (
        <Link href={`/offboard?id=${encodeURIComponent(e.source.id)}`}>Offboarding {e.source.id}</Link>
      )}
      {e.source?.kind === 'review' && (
        <Link href={`/reviews/${encodeURIComponent(e.source.id)}`}>Access review</Link>
      )}
      {e.source?.kind === 'proposal' && (
        <Link href={`/policies?proposal=${encodeURIComponent(e.source.id)}`}>Proposal {e.source.id}</Link>
      )}
    </>
  );
}
