import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { BarController, BarElement, CategoryScale, Chart as ChartJS, LinearScale, Tooltip } from 'chart.js';
import { Bar } from 'react-chartjs-2';
import { Link, useLocation } from 'wouter';
import type { ConnectionRightSizing, TeamCost } from '../../../src/app/economicsService.ts';
import { api, query } from '../api.ts';
import { ConnectionFilter } from '../components/ConnectionFilter.tsx';
import { Figure, money } from '../components/Figure.tsx';
import { Empty, ErrorBox, Loading, QueryError } from '../components/States.tsx';
import { day, plural } from '../format.ts';
import { useCanAct } from '../session.tsx';

ChartJS.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);
// People who asked their system for less motion get charts drawn at once.
if (window.matchMedia?.('(prefers-reduced-motion: reduce)').matches) ChartJS.defaults.animation = false;

interface TeamCosts {
  rule: string;
  teams: TeamCost[];
  totals: { currency: string; paidSeats: number; monthlyCost: number | null; yearlyCost: number | null }[];
}

const amount = (n: number | null, currency: string) => (n === null ? 'not priced' : money(n, currency));

/** Seat economics: each account's bucket and the smallest it can reach, the changes that get there, cost by team. */
export function SavingsPage({ id }: { id?: string }) {
  const [, navigate] = useLocation();
  const plans = useQuery({
    queryKey: ['right-sizing', id],
    queryFn: async () =>
      (
        await api<{ connections: ConnectionRightSizing[] }>(
          'GET',
          `/api/insights/right-sizing${query({ connectionId: id })}`,
        )
      ).connections,
  });
  const costs = useQuery({
    queryKey: ['team-costs', id],
    queryFn: () => api<TeamCosts>('GET', `/api/insights/teams${query({ connectionId: id })}`),
  });
  return (
    <section aria-labelledby="savings-title">
      <div className="page-head">
        <h1 id="savings-title">Savings</h1>
        <ConnectionFilter value={id} onChange={(next) => navigate(next ? `/savings/${next}` : '/savings')} />
      </div>
      <p className="hint">
        monday bills seats in buckets (3, 5, 10 … 50, 100, 200): a seat freed saves money only when the
        account fits a smaller bucket. Each plan below reaches the smallest bucket it can with the fewest
        changes, longest inactive first.
      </p>
      {plans.isPending && <Loading what="right-sizing" lines={8} />}
      {plans.isError && <QueryError error={plans.error} what="right-sizing" retry={() => plans.refetch()} />}
      {plans.data?.length === 0 && <Empty>Connect a monday.com account to see its seat buckets.</Empty>}
      {plans.data?.map((plan) => (
        <AccountPlan key={plan.connectionId} plan={plan} />
      ))}
      <h2>Cost by team</h2>
      {costs.isPending && <Loading what="cost by team" lines={6} />}
      {costs.isError && <QueryError error={costs.error} what="cost by team" retry={() => costs.refetch()} />}
      {costs.data && <CostByTeam costs={costs.data} connectionId={id} />}
    </section>
  );
}

function AccountPlan({ plan }: { plan: ConnectionRightSizing }) {
  const canAct = useCanAct();
  const queryClient = useQueryClient();
  const propose = useMutation({
    mutationFn: () =>
      api<{ policyId: string; proposals: { id: string }[] }>(
        'POST',
        `/api/insights/right-sizing/${plan.connectionId}/proposals`,
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['proposals'] }),
  });
  const step = plan.renewal?.plan ?? plan;
  return (
    <article className="card savings" aria-labelledby={`plan-${plan.connectionId}`}>
      <h2 id={`plan-${plan.connectionId}`}>
        {plan.accountName} <span className="muted">({plan.planTier ?? 'plan unknown'})</span>
      </h2>
      <BucketBar plan={plan} />
      <p className="summary">{plan.summary}.</p>
      <dl className="facts">
        <dt>Bucket now</dt>
        <dd>{plan.currentBucket === null ? 'unknown' : `${plan.currentBucket} seats`}</dd>
        <dt>Seats used</dt>
        <dd>
          {plan.seatsUsed} ({plan.memberSeats} member seats
          {plan.billedGuests ? ` + ${plan.billedGuests} billed guests` : ''})
          {plan.pendingMembers ? `; ${plural(plan.pendingMembers, 'pending invitation')} reserved` : ''}
        </dd>
        <dt>Target bucket</dt>
        <dd>{plan.targetBucket ?? 'unknown'}</dd>
        <dt>Yearly saving</dt>
        <dd>
          <strong>{amount(plan.yearlySaving, plan.currency)}</strong>
        </dd>
        {plan.renewal && (
          <>
            <dt>Renewal</dt>
            <dd>
              {plan.renewal.date} (in {plural(plan.renewal.daysLeft, 'day')}): about{' '}
              {plan.renewal.projectedSeats} paid seats expected (trend{' '}
              {plan.renewal.trendPerMonth >= 0 ? '+' : ''}
              {plan.renewal.trendPerMonth} a month); target {plan.renewal.plan.targetBucket ?? 'unknown'} with{' '}
              {plural(plan.renewal.plan.changes.length, 'change')}
            </dd>
          </>
        )}
      </dl>
      {step.changes.length > 0 ? (
        <>
          <table className="grid">
            <caption>
              Changes to reach the {step.targetBucket}-seat bucket{plan.renewal ? ' by renewal' : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Person</th>
                <th scope="col">Role</th>
                <th scope="col">Inactive since</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {step.changes.map((c) => (
                <tr key={c.userId}>
                  <td>
                    <Link href={`/users/${plan.connectionId}/${c.userId}`}>{c.name || c.email}</Link>
                    <div className="muted">{c.email}</div>
                  </td>
                  <td>{c.role}</td>
                  <td>
                    {day(c.inactiveSince)} ({plural(c.inactiveDays ?? 0, 'day')})
                  </td>
                  <td>→ viewer</td>
                </tr>
              ))}
            </tbody>
          </table>
          {canAct ? (
            <button type="button" onClick={() => propose.mutate()} disabled={propose.isPending}>
              {propose.isPending ? 'Creating…' : 'Create proposals'}
            </button>
          ) : (
            <p className="muted">Operators and admins can turn these changes into proposals.</p>
          )}
          {propose.isSuccess && (
            <p role="status">
              {plural(propose.data.proposals.length, 'proposal')} open for review on the{' '}
              <Link href="/policies">Policies page</Link>.
            </p>
          )}
          {propose.isError && (
            <ErrorBox title="Proposals not created" message={(propose.error as Error).message} />
          )}
        </>
      ) : (
        <p className="muted">No change is needed.</p>
      )}
    </article>
  );
}

/** Used seats against the bucket now, with the next smaller bucket and the target marked. */
function BucketBar({ plan }: { plan: ConnectionRightSizing }) {
  const scale = Math.max(plan.currentBucket ?? 0, plan.seatsNeeded, 1);
  const pct = (n: number) => `${Math.min(100, (n / scale) * 100)}%`;
  const words = `${plan.seatsUsed} seats used${plan.currentBucket === null ? '' : ` of a ${plan.currentBucket}-seat bucket`}${plan.nextSmallerBucket === null ? '' : `; next smaller bucket ${plan.nextSmallerBucket}`}${plan.targetBucket === null ? '' : `; target ${plan.targetBucket}`}`;
  return (
    <div className="bucket-bar" role="img" aria-label={words}>
      <div className="bucket-track">
        <div className="bucket-used" style={{ width: pct(plan.seatsUsed) }} />
        {plan.pendingMembers > 0 && (
          <div
            className="bucket-pending"
            style={{ left: pct(plan.seatsUsed), width: pct(plan.pendingMembers) }}
          />
        )}
        {plan.nextSmallerBucket !== null && (
          <div className="bucket-mark" style={{ left: pct(plan.nextSmallerBucket) }} />
        )}
      </div>
      <div className="bucket-legend">
        <span>
          <i className="swatch used" /> used {plan.seatsUsed}
        </span>
        <span>
          <i className="swatch bucket" /> bucket {plan.currentBucket ?? '?'}
        </span>
        {plan.nextSmallerBucket !== null && (
          <span>
            <i className="swatch mark" /> next smaller {plan.nextSmallerBucket}
          </span>
        )}
      </div>
    </div>
  );
}

function CostByTeam({ costs, connectionId }: { costs: TeamCosts; connectionId?: string }) {
  if (costs.teams.length === 0) return <Empty>No paid seats yet.</Empty>;
  const several = new Set(costs.teams.map((t) => t.connectionId)).size > 1;
  const label = (t: TeamCost) => (several ? `${t.teamName} (${t.accountName})` : t.teamName);
  const priced = costs.teams.every((t) => t.monthlyCost !== null);
  return (
    <>
      <div className="charts">
        <Figure
          title={priced ? 'Monthly cost by team' : 'Paid seats by team'}
          summary={costs.teams
            .map((t) => `${label(t)} ${priced ? amount(t.monthlyCost, t.currency) : t.paidSeats}`)
            .join(', ')}
        >
          <Bar
            data={{
              labels: costs.teams.map(label),
              datasets: [
                {
                  label: priced ? 'Monthly cost' : 'Paid seats',
                  data: costs.teams.map((t) => (priced ? (t.monthlyCost ?? 0) : t.paidSeats)),
                  backgroundColor: '#1f4bd8',
                },
              ],
            }}
            options={{ indexAxis: 'y', maintainAspectRatio: false, plugins: { legend: { display: false } } }}
          />
        </Figure>
      </div>
      <table className="grid">
        <caption>Paid seats and their cost per team</caption>
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">Team</th>
            <th scope="col">Holders</th>
            <th scope="col">Paid seats</th>
            <th scope="col">A month</th>
            <th scope="col">A year</th>
          </tr>
        </thead>
        <tbody>
          {costs.teams.map((t) => (
            <tr key={`${t.connectionId}:${t.teamId ?? 'none'}`}>
              <td>{t.accountName}</td>
              <td>
                {t.teamId ? (
                  <Link href={`/teams/${t.connectionId}/${t.teamId}`}>{t.teamName}</Link>
                ) : (
                  t.teamName
                )}
              </td>
              <td>{t.holders}</td>
              <td>{t.paidSeats.toFixed(2)}</td>
              <td>{amount(t.monthlyCost, t.currency)}</td>
              <td>{amount(t.yearlyCost, t.currency)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          {costs.totals.map((t) => (
            <tr key={t.currency}>
              <th scope="row" colSpan={3}>
                Total
              </th>
              <td>{t.paidSeats.toFixed(2)}</td>
              <td>{amount(t.monthlyCost, t.currency)}</td>
              <td>{amount(t.yearlyCost, t.currency)}</td>
            </tr>
          ))}
        </tfoot>
      </table>
      <p className="hint">{costs.rule}</p>
      <a className="button" href={`/api/insights/teams${query({ connectionId, format: 'csv' })}`} download>
        Download CSV
      </a>
    </>
  );
}
