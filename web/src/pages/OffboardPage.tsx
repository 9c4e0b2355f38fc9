import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearch } from 'wouter';
import {
  describePersonState,
  describeStep,
  describeSummary,
  notFoundWords,
  resultReason,
} from '../../../src/domain/offboarding.ts';
import { ApiError, api } from '../api.ts';
import { Confirm } from '../components/Dialog.tsx';
import { Empty, ErrorBox, Loading, QueryError } from '../components/States.tsx';
import { ago } from '../format.ts';
import { inFormWords } from '../formErrors.ts';
import type { Offboarding, OffboardingItem } from '../types.ts';

/** What became of a user, as monday showed it after the act (the server's one rule). */
const resultWords: Record<OffboardingItem['result'], string> = {
  planned: 'Deactivate',
  pending: 'Not done yet',
  deactivated: 'Deactivated',
  already: 'Already deactivated',
  refused: 'Refused',
  not_deactivated: 'Not deactivated',
  unverified: 'Not confirmed now',
};

/** The API adds who asked by name (an API key's name) to each offboarding it returns. */
const named = (o: Offboarding) => o as Offboarding & { requestedByName?: string };

function emailsOf(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((e) => e.trim())
    .filter(Boolean);
}

/**
 * Offboard people from every connected account: find them (live, alias domains included), see the plan per
 * account with what cannot be done and why, confirm, and get the receipt.
 */
export function OffboardPage({ canAct }: { canAct: boolean }) {
  const queryClient = useQueryClient();
  const [text, setText] = useState('');
  const [confirming, setConfirming] = useState(false);
  // The audit log links here with ?id= to show one offboarding's receipt.
  const [shown, setShown] = useState<string | null>(new URLSearchParams(useSearch()).get('id'));
  const emails = emailsOf(text);
  const plan = useMutation({
    mutationFn: () => api<Offboarding>('POST', '/api/offboardings', { emails, dryRun: true }),
  });
  const run = useMutation({
    mutationFn: (planned: Offboarding) =>
      api<Offboarding>('POST', '/api/offboardings', { emails: planned.emails }),
    onSuccess: (done) => {
      setConfirming(false);
      setShown(done.id);
      plan.reset();
      queryClient.setQueryData(['offboarding', done.id], done);
      queryClient.invalidateQueries({ queryKey: ['offboardings'] });
      queryClient.invalidateQueries({ queryKey: ['users'] });
    },
    onError: () => setConfirming(false),
  });
  const planned = plan.data;
  const toDeactivate = planned?.steps.flatMap((s) => s.items.filter((i) => i.outcome === 'deactivate')) ?? [];
  const accounts = new Set(
    planned?.steps.filter((s) => s.items.some((i) => i.outcome === 'deactivate')).map((s) => s.accountName),
  );
  return (
    <section aria-labelledby="offboard-title">
      <h1 id="offboard-title">Offboard</h1>
      <p className="muted">
        Take people out of every connected monday account at once. They are looked up live in each account, by
        email and at the organisation's other domains (set them with seatwise settings --org-domains).
      </p>
      <form
        className="narrow"
        onSubmit={(e) => {
          e.preventDefault();
          setShown(null);
          run.reset();
          if (emails.length > 0) plan.mutate();
        }}
      >
        <div className="field">
          <label htmlFor="offboard-emails">Emails of the people leaving</label>
          <textarea
            id="offboard-emails"
            rows={3}
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-invalid={plan.error instanceof ApiError ? true : undefined}
            aria-describedby="offboard-emails-help"
            placeholder="jane.doe@example.com"
          />
          <span id="offboard-emails-help" className="help">
            One or more, separated by commas or new lines.
          </span>
        </div>
        <div className="buttons">
          <button type="submit" className="primary" disabled={emails.length === 0 || plan.isPending}>
            {plan.isPending ? 'Looking in every account…' : 'Find and plan'}
          </button>
        </div>
      </form>
      {plan.isError && (
        <ErrorBox
          title="Could not plan the offboarding"
          message={inFormWords(plan.error, { emails: 'email' })}
        />
      )}
      {run.isError && (
        <ErrorBox title="The offboarding did not run" message={inFormWords(run.error, { emails: 'email' })} />
      )}
      {planned && (
        <section aria-labelledby="plan-title">
          <h2 id="plan-title">Plan for {planned.emails.join(', ')}</h2>
          <StepsTable view={planned} />
          <div className="buttons">
            {canAct ? (
              <button
                type="button"
                className="danger"
                disabled={toDeactivate.length === 0}
                onClick={() => setConfirming(true)}
              >
                {toDeactivate.length === 0
                  ? 'Nothing to deactivate'
                  : `Offboard: deactivate ${toDeactivate.length} ${toDeactivate.length === 1 ? 'user' : 'users'} in ${accounts.size} ${accounts.size === 1 ? 'account' : 'accounts'}`}
              </button>
            ) : (
              <span className="muted">Only an admin key can offboard.</span>
            )}
          </div>
          <Confirm
            open={confirming}
            title="Offboard now?"
            message={
              <p>
                {toDeactivate.map((i) => i.email).join(', ')} will be deactivated in{' '}
                {[...accounts].join(', ')}. Each account is checked with monday again just before it is
                changed; the refusals above are left as they are.
              </p>
            }
            confirmLabel="Deactivate"
            busy={run.isPending}
            onConfirm={() => run.mutate(planned)}
            onClose={() => setConfirming(false)}
          />
        </section>
      )}
      {shown && <Receipt id={shown} canAct={canAct} />}
      <History onShow={setShown} />
    </section>
  );
}

function StepsTable({ view }: { view: Offboarding }) {
  return (
    <table className="grid">
      <caption className="sr-only">Each account: who was found, what happens, and why</caption>
      <thead>
        <tr>
          <th scope="col">Account</th>
          <th scope="col">User</th>
          <th scope="col">Before</th>
          {!view.dryRun && <th scope="col">After (from monday)</th>}
          <th scope="col">{view.dryRun ? 'Plan' : 'Result'}</th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {view.steps.map((step) => [
          step.items.length === 0 && step.notFound.length > 0 ? null : step.items.length === 0 ? (
            <tr key={step.connectionId}>
              <th scope="row">{step.accountName}</th>
              <td colSpan={view.dryRun ? 2 : 3}>
                {step.status === 'pending' && view.dryRun ? 'Planned' : describeStep(step)}
              </td>
              <td>{step.message}</td>
            </tr>
          ) : (
            step.items.map((item) => {
              const after = step.after?.find((p) => p.userId === item.userId);
              return (
                <tr key={`${step.connectionId}-${item.userId}`}>
                  <th scope="row">{step.accountName}</th>
                  <td>
                    {item.name}
                    <br />
                    <span className="muted">{item.email}</span>
                  </td>
                  <td>{describePersonState(step.before?.find((p) => p.userId === item.userId) ?? item)}</td>
                  {!view.dryRun && <td>{describePersonState(after)}</td>}
                  <td>
                    <span
                      className={['deactivated', 'already', 'planned'].includes(item.result) ? 'yes' : 'no'}
                    >
                      {resultWords[item.result]}
                      {item.via && ['planned', 'deactivated'].includes(item.result)
                        ? ` (${item.via === 'scim' ? 'SCIM' : 'GraphQL'})`
                        : ''}
                    </span>
                  </td>
                  <td>
                    {item.result === 'not_deactivated' || (item.result === 'pending' && step.message)
                      ? step.message
                      : resultReason(item)}
                    {item.footprint && (
                      <p className={item.footprint.breaks ? 'footprint warn' : 'footprint muted'}>
                        Deactivating them {item.footprint.words}
                      </p>
                    )}
                  </td>
                </tr>
              );
            })
          ),
          // A row for everyone asked about: those monday does not have in this account too.
          ...step.notFound.map((email) => (
            <tr key={`${step.connectionId}-absent-${email}`}>
              <th scope="row">{step.accountName}</th>
              <td>{email}</td>
              <td>not in this account</td>
              {!view.dryRun && <td>not in this account</td>}
              <td>
                <span className="no">{notFoundWords}</span>
              </td>
              <td />
            </tr>
          )),
        ])}
        {(view.leftOut ?? []).map((left) => (
          <tr key={`${left.connectionId}-left-out`}>
            <th scope="row">{left.accountName}</th>
            <td colSpan={view.dryRun ? 2 : 3}>Left out</td>
            <td>{left.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Receipt({ id, canAct }: { id: string; canAct: boolean }) {
  const queryClient = useQueryClient();
  const view = useQuery({
    queryKey: ['offboarding', id],
    queryFn: () => api<Offboarding>('GET', `/api/offboardings/${id}`),
  });
  const resume = useMutation({
    mutationFn: () => api<Offboarding>('POST', `/api/offboardings/${id}/resume`),
    onSuccess: (done) => {
      queryClient.setQueryData(['offboarding', id], done);
      queryClient.invalidateQueries({ queryKey: ['offboardings'] });
    },
  });
  if (view.isPending) return <Loading what="the receipt" lines={8} />;
  if (view.isError) return <QueryError error={view.error} what="the receipt" retry={() => view.refetch()} />;
  const o = view.data;
  return (
    <section aria-labelledby="receipt-title" className="receipt">
      <h2 id="receipt-title">Receipt {o.id}</h2>
      <p>
        {o.emails.join(', ')}: <strong>{o.status}</strong>. Asked by{' '}
        {named(o).requestedByName ?? o.requestedBy} {ago(o.requestedAt)}. {describeSummary(o.summary)}.
      </p>
      <StepsTable view={o} />
      <p className="muted">
        monday request ids:{' '}
        {o.steps
          .flatMap((st) => st.requestIds)
          .slice(0, 12)
          .join(', ') || 'none'}
      </p>
      {resume.isError && <ErrorBox title="Could not resume it" message={(resume.error as Error).message} />}
      <div className="buttons">
        <a href={`/api/offboardings/${o.id}/receipt`} target="_blank" rel="noreferrer">
          Printable receipt
        </a>
        {canAct && (o.status === 'running' || o.summary.failed > 0) && (
          <button type="button" disabled={resume.isPending} onClick={() => resume.mutate()}>
            {resume.isPending ? 'Running…' : 'Run the unfinished accounts again'}
          </button>
        )}
      </div>
    </section>
  );
}

function History({ onShow }: { onShow: (id: string) => void }) {
  const list = useQuery({
    queryKey: ['offboardings'],
    queryFn: async () =>
      (await api<{ offboardings: Offboarding[] }>('GET', '/api/offboardings?limit=20')).offboardings,
  });
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">Recent offboardings</h2>
      {list.isPending && <Loading what="offboardings" lines={3} />}
      {list.isError && <QueryError error={list.error} what="offboardings" retry={() => list.refetch()} />}
      {list.data?.length === 0 && <Empty>No offboardings yet.</Empty>}
      {list.data && list.data.length > 0 && (
        <table className="grid">
          <thead>
            <tr>
              <th scope="col">People</th>
              <th scope="col">Status</th>
              <th scope="col">Deactivated</th>
              <th scope="col">Refused</th>
              <th scope="col">Asked</th>
              <th scope="col">Receipt</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((o) => (
              <tr key={o.id}>
                <td>{o.emails.join(', ')}</td>
                <td>{o.status}</td>
                <td>{o.summary.deactivated}</td>
                <td>{o.summary.refused}</td>
                <td>
                  {named(o).requestedByName ?? o.requestedBy} {ago(o.requestedAt)}
                </td>
                <td>
                  <button type="button" className="link" onClick={() => o.id && onShow(o.id)}>
                    Show {o.id}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
