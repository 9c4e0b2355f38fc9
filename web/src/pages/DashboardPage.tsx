import { useQuery } from '@tanstack/react-query';
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart as ChartJS,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { useState } from 'react';
import { Bar, Doughnut, Line } from 'react-chartjs-2';
import { Link, useLocation } from 'wouter';
import { type InsightsTotal, totalInsights } from '../../../src/domain/insights.ts';
import { api, query } from '../api.ts';
import { ConnectionFilter } from '../components/ConnectionFilter.tsx';
import { Figure, money } from '../components/Figure.tsx';
import { Empty, Loading, QueryError } from '../components/States.tsx';
import { daysSince, when } from '../format.ts';
import type { Insights, Run, UsersPage } from '../types.ts';

ChartJS.register(
  ArcElement,
  BarController,
  BarElement,
  LineController,
  CategoryScale,
  LinearScale,
  LineElement,
  PointElement,
  Tooltip,
  Legend,
);
// People who asked their system for less motion get charts drawn at once.
if (window.matchMedia?.('(prefers-reduced-motion: reduce)').matches) ChartJS.defaults.animation = false;

const palette = ['#1f4bd8', '#16a34a', '#d97706', '#9333ea', '#64748b', '#dc2626', '#0891b2'];

/** Seats against the plan, inactive paid seats and their cost, invites, roles, activity, and changes over time. */
export function DashboardPage({ id }: { id?: string }) {
  const [, navigate] = useLocation();
  const [days, setDays] = useState<number | undefined>(undefined);
  const insights = useQuery({
    queryKey: ['insights', id, days],
    queryFn: async () =>
      (
        await api<{ connections: Insights[] }>(
          'GET',
          `/api/insights${query({ connectionId: id, inactiveDays: days })}`,
        )
      ).connections,
    placeholderData: (previous) => previous,
  });
  const activity = useQuery({
    queryKey: ['activity', id],
    queryFn: async () =>
      (
        await api<{ buckets: { key: string; label: string; count: number }[] }>(
          'GET',
          `/api/insights/activity${query({ connectionId: id })}`,
        )
      ).buckets,
  });
  const pending = useQuery({
    queryKey: ['pending', id],
    queryFn: () =>
      api<UsersPage>(
        'GET',
        `/api/users${query({ connectionId: id, status: 'pending', sort: 'createdAt', limit: 10 })}`,
      ),
  });
  const trends = useQuery({
    queryKey: ['trends', id],
    queryFn: async () =>
      (await api<{ runs: TrendPoint[] }>('GET', `/api/insights/trends${query({ connectionId: id })}`)).runs,
    enabled: Boolean(id),
  });
  const across = useQuery({
    queryKey: ['across'],
    queryFn: () => api<AcrossData>('GET', '/api/insights/across'),
  });
  const runs = useQuery({
    queryKey: ['runs', id, 'dashboard'],
    queryFn: async () =>
      (await api<{ runs: Run[] }>('GET', `/api/runs${query({ connectionId: id, limit: 50 })}`)).runs,
  });

  const all = insights.data ? totalInsights(insights.data) : null;
  const names = new Map((insights.data ?? []).map((i) => [i.connectionId, i.accountName]));
  // Every card opens the users it counts (in this account, or in all of them).
  const usersLink = (filters: Record<string, string | number | undefined>) =>
    `/users${query({ connectionId: id, ...filters })}`;
  const threshold = days ?? (all && all.inactiveDays.length === 1 ? all.inactiveDays[0] : undefined);
  return (
    <section aria-labelledby="dashboard-title">
      <div className="page-head">
        <h1 id="dashboard-title">Dashboard</h1>
        <ConnectionFilter
          value={id}
          onChange={(next) => navigate(next ? `/dashboard/${next}` : '/dashboard')}
        />
      </div>
      {insights.isPending && <Loading what="insights" lines={16} />}
      {insights.isError && (
        <QueryError error={insights.error} what="insights" retry={() => insights.refetch()} />
      )}
      {insights.data?.length === 0 && <Empty>Connect a monday.com account to see its insights.</Empty>}
      {all && insights.data && insights.data.length > 0 && (
        <>
          <div className="tiles">
            <Tile
              label="Paid seats"
              href={usersLink({ license: 'member' })}
              value={`${all.seats.paid.toLocaleString()}${all.seats.planMax ? ` of ${all.seats.planMax.toLocaleString()}` : ''}`}
              note={
                all.seats.utilization === null
                  ? `plan size unknown · ${all.seats.memberSeats} member seats`
                  : `${Math.round(all.seats.utilization * 100)}% of the plan · ${all.seats.memberSeats} member seats${all.seats.billedGuests ? ` + ${all.seats.billedGuests} billed guests` : ''}`
              }
            />
            <div className="tile">
              <span className="tile-label">
                <label htmlFor="days">Inactive paid seats, no activity for</label>{' '}
                <input
                  id="days"
                  type="number"
                  min={1}
                  max={3650}
                  value={threshold ?? ''}
                  placeholder="each"
                  onChange={(e) =>
                    setDays(
                      e.target.value === ''
                        ? undefined
                        : Math.min(3650, Math.max(1, Number(e.target.value) || 1)),
                    )
                  }
                  className="small"
                />{' '}
                {threshold === undefined ? `account's own days (${all.inactiveDays.join(', ')})` : 'days'}
              </span>
              {threshold !== undefined ? (
                <Link className="tile-value" href={usersLink({ license: 'member', inactiveDays: threshold })}>
                  {all.inactivePaidSeats.toLocaleString()}
                </Link>
              ) : (
                <strong className="tile-value">{all.inactivePaidSeats.toLocaleString()}</strong>
              )}
              {threshold === undefined && (
                <span className="tile-note">
                  {insights.data.map((i, n) => (
                    <span key={i.connectionId}>
                      {n > 0 ? ' · ' : ''}
                      <Link
                        href={`/users${query({ connectionId: i.connectionId, license: 'member', inactiveDays: i.inactiveDays })}`}
                      >
                        {i.accountName}: {i.inactivePaidSeats.toLocaleString()} ({i.inactiveDays} days)
                      </Link>
                    </span>
                  ))}
                </span>
              )}
              <span className="tile-note">{costWords(all, names.size)}</span>
            </div>
            <Tile
              label="Pending invites"
              href={usersLink({ status: 'pending' })}
              value={all.pendingInvites.toLocaleString()}
              note={
                all.pendingInviteAge.oldestDays === null
                  ? 'none waiting'
                  : `oldest ${all.pendingInviteAge.oldestDays} days; ${all.pendingInviteAge.over30Days} over 30 days`
              }
            />
            <Tile
              label="Guests and viewers"
              href={usersLink({ license: 'guest,viewer' })}
              value={`${all.seats.guest.toLocaleString()} · ${all.seats.viewer.toLocaleString()}`}
              note={`guests (${all.seats.billedGuests} billed) · viewers (free)`}
            />
            {(all.notPeople > 0 || all.unclassified.length > 0) && (
              <Tile
                label="Not people"
                href={usersLink({ role: 'other' })}
                value={(all.notPeople + all.unclassified.reduce((n, u) => n + u.count, 0)).toLocaleString()}
                note={[
                  `${all.notPeople} agents, service and portal users (no seat)`,
                  ...all.unclassified.map((u) => `${u.count} of unclassified kind ${u.kind}`),
                ].join(' · ')}
              />
            )}
          </div>

          <div className="charts">
            <Figure
              title="Licenses against the plan"
              summary={`Member seats ${all.byLicense.member}, viewers ${all.byLicense.viewer}, guests ${all.byLicense.guest}; plan seats ${all.seats.planMax ?? 'unknown'}.`}
            >
              <Bar
                data={{
                  labels: ['Member seats', 'Viewers', 'Guests', 'Plan seats'],
                  datasets: [
                    {
                      label: 'Users',
                      data: [
                        all.byLicense.member,
                        all.byLicense.viewer,
                        all.byLicense.guest,
                        all.seats.planMax ?? 0,
                      ],
                      backgroundColor: [palette[0]!, palette[1]!, palette[2]!, '#cbd5e1'],
                    },
                  ],
                }}
                options={{ plugins: { legend: { display: false } }, maintainAspectRatio: false }}
              />
            </Figure>
            <Figure
              title={`Roles of all ${all.users.toLocaleString()} people (${all.byStatus.active.toLocaleString()} active, ${all.byStatus.pending.toLocaleString()} pending, ${all.byStatus.deactivated.toLocaleString()} deactivated)`}
              summary={`Admins ${all.byRole.admin}, members ${all.byRole.member}, viewers ${all.byRole.viewer}, guests ${all.byRole.guest}.`}
            >
              <Doughnut
                data={{
                  labels: ['Admins', 'Members', 'Viewers', 'Guests'],
                  datasets: [
                    {
                      data: [all.byRole.admin, all.byRole.member, all.byRole.viewer, all.byRole.guest],
                      backgroundColor: palette.slice(0, 4),
                    },
                  ],
                }}
                options={{ maintainAspectRatio: false }}
              />
            </Figure>
            <Figure
              title="Last activity of active people"
              summary={(activity.data ?? []).map((b) => `${b.label}: ${b.count}`).join(', ')}
            >
              {activity.data && (
                <Bar
                  data={{
                    labels: activity.data.map((b) => b.label),
                    datasets: [
                      {
                        label: 'People',
                        data: activity.data.map((b) => b.count),
                        backgroundColor: palette[0],
                      },
                    ],
                  }}
                  options={{ plugins: { legend: { display: false } }, maintainAspectRatio: false }}
                />
              )}
            </Figure>
            <Figure
              title="Users and changes per sync"
              summary={`${runs.data?.filter((r) => r.status === 'succeeded').length ?? 0} successful syncs.`}
            >
              {runs.data && <Trend runs={runs.data} names={names} />}
            </Figure>
            {id && (
              <Figure
                title="Licenses and active users over time"
                summary={`${trends.data?.length ?? 0} complete syncs.`}
              >
                {trends.data && <Licenses points={trends.data} />}
              </Figure>
            )}
            <Figure
              title="People in more than one account"
              summary={`${across.data?.sharedPeople.length ?? 0} people.`}
            >
              {across.data && <Across data={across.data} />}
            </Figure>
          </div>

          <h2>Oldest pending invites</h2>
          {pending.data && pending.data.users.length === 0 && <p className="muted">No pending invites.</p>}
          {pending.data && pending.data.users.length > 0 && (
            <table className="grid compact">
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  {names.size > 1 && <th scope="col">Account</th>}
                  <th scope="col">Invited</th>
                  <th scope="col">Pending for</th>
                </tr>
              </thead>
              <tbody>
                {pending.data.users.map((u) => (
                  <tr key={`${u.connectionId}/${u.id}`}>
                    <td>{u.email}</td>
                    {names.size > 1 && <td>{names.get(u.connectionId) ?? u.connectionId}</td>}
                    <td>{u.createdAt?.slice(0, 10) ?? '—'}</td>
                    <td>{daysSince(u.createdAt) === null ? '—' : `${daysSince(u.createdAt)} days`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}

interface TrendPoint {
  runId: string;
  at: string;
  memberSeats: number;
  viewers: number;
  guests: number;
  activeUsers: number;
}

interface AcrossData {
  sharedPeople: { email: string; connections: number; paidSeats: number }[];
  extraPaidSeats: number;
  orgDomains: string[];
  ownDomainGuests: { connectionId: string; email: string }[];
}

function Licenses({ points }: { points: TrendPoint[] }) {
  const series = [
    ['Member seats', 'memberSeats'],
    ['Viewers', 'viewers'],
    ['Guests', 'guests'],
    ['Active users', 'activeUsers'],
  ] as const;
  return (
    <Line
      data={{
        labels: points.map((p) => p.at.slice(5, 16).replace('T', ' ')),
        datasets: series.map(([label, key], i) => ({
          label,
          data: points.map((p) => p[key]),
          borderColor: palette[i],
          backgroundColor: palette[i],
        })),
      }}
      options={{ maintainAspectRatio: false }}
    />
  );
}

/** People holding seats in several accounts, and colleagues let in as guests. */
function Across({ data }: { data: AcrossData }) {
  return (
    <div className="across">
      <p>
        {data.sharedPeople.length} people are in more than one account, holding {data.extraPaidSeats} paid
        seats beyond one each.
      </p>
      <ul>
        {data.sharedPeople.slice(0, 6).map((p) => (
          <li key={p.email}>
            {p.email}: {p.connections} accounts, {p.paidSeats} paid seats
          </li>
        ))}
      </ul>
      <p>
        {data.orgDomains.length
          ? `${data.ownDomainGuests.length} guests on the organisation’s domains (${data.orgDomains.join(', ')}).`
          : 'Set the organisation’s email domains on the Settings page to find colleagues let in as guests.'}
      </p>
    </div>
  );
}

/** Users read and changes made per sync: one line per account, changes as bars, whole numbers from zero. */
function Trend({ runs, names }: { runs: Run[]; names: ReadonlyMap<string, string> }) {
  const done = runs.filter((r) => r.status === 'succeeded').reverse();
  const times = done.map((r) => r.startedAt);
  const accounts = [...new Set(done.map((r) => r.connectionId))];
  const series = (connectionId: string, pick: (r: Run) => number) =>
    done.map((r) => (r.connectionId === connectionId ? pick(r) : null));
  const label = (connectionId: string, what: string) =>
    accounts.length > 1 ? `${names.get(connectionId) ?? connectionId}: ${what}` : what;
  return (
    <Bar
      data={{
        labels: times.map((t) => when(t)),
        datasets: accounts.flatMap((connectionId, i) => [
          {
            type: 'line' as const,
            label: label(connectionId, 'users'),
            data: series(connectionId, (r) => r.usersSeen),
            borderColor: palette[i % palette.length],
            backgroundColor: palette[i % palette.length],
            spanGaps: true,
            yAxisID: 'y',
          },
          {
            type: 'bar' as const,
            label: label(connectionId, 'changes'),
            data: series(connectionId, (r) => r.changes),
            backgroundColor: `${palette[(i + 2) % palette.length]}99`,
            yAxisID: 'y1',
          },
        ]) as never,
      }}
      options={{
        maintainAspectRatio: false,
        scales: {
          y: {
            position: 'left',
            beginAtZero: true,
            ticks: { precision: 0 },
            title: { display: true, text: 'users' },
          },
          y1: {
            position: 'right',
            beginAtZero: true,
            ticks: { precision: 0 },
            grid: { drawOnChartArea: false },
            title: { display: true, text: 'changes' },
          },
        },
      }}
    />
  );
}

/** What inactive paid seats cost, per currency, and which accounts have no price yet. */
function costWords(all: InsightsTotal, accounts: number): string {
  const priced = all.costs
    .map((c) => `${money(c.monthlyWaste, c.currency)} a month (${money(c.yearlyWaste, c.currency)} a year)`)
    .join(' + ');
  const missing = all.unpriced.length
    ? `Set a price per seat for ${accounts > 1 ? all.unpriced.join(', ') : 'this account'} in its settings to see ${all.costs.length ? 'its' : 'what they'} cost.`
    : '';
  if (!priced) return missing;
  return `${priced} — saved by making them viewers.${missing ? ` ${missing}` : ''}`;
}

function Tile({ label, value, note, href }: { label: string; value: string; note: string; href: string }) {
  const [, navigate] = useLocation();
  return (
    <a
      className="tile tile-link"
      href={href}
      onClick={(e) => {
        e.preventDefault();
        navigate(href);
      }}
    >
      <span className="tile-label">{label}</span>
      <strong className="tile-value">{value}</strong>
      <span className="tile-note">{note}</span>
    </a>
  );
}
