import { useQuery } from '@tanstack/react-query';
import {
  ArcElement,
  BarElement,
  CategoryScale,
  Chart as ChartJS,
  Legend,
  LinearScale,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { useState } from 'react';
import { Bar, Doughnut, Line } from 'react-chartjs-2';
import { useLocation } from 'wouter';
import { api, query } from '../api.ts';
import { ConnectionFilter } from '../components/ConnectionFilter.tsx';
import { Empty, Loading, QueryError } from '../components/States.tsx';
import { daysSince } from '../format.ts';
import type { Insights, Run, UsersPage } from '../types.ts';

ChartJS.register(
  ArcElement,
  BarElement,
  CategoryScale,
  LinearScale,
  LineElement,
  PointElement,
  Tooltip,
  Legend,
);

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

  const all = insights.data ? sum(insights.data) : null;
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
              value={`${all.seats.paid.toLocaleString()}${all.seats.planMax ? ` of ${all.seats.planMax.toLocaleString()}` : ''}`}
              note={
                all.seats.utilization === null
                  ? 'plan size unknown'
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
                  value={days ?? all.inactiveDays}
                  onChange={(e) => setDays(Math.min(3650, Math.max(1, Number(e.target.value) || 1)))}
                  className="small"
                />{' '}
                days
              </span>
              <strong className="tile-value">{all.inactivePaidSeats.toLocaleString()}</strong>
              <span className="tile-note">
                {all.cost
                  ? `${money(all.cost.monthlyWaste, all.cost.currency)} a month, ${money(all.cost.yearlyWaste, all.cost.currency)} a year — saved by making them viewers`
                  : 'Set a price per seat in the connection’s settings to see what they cost.'}
              </span>
            </div>
            <Tile
              label="Pending invites"
              value={all.pendingInvites.toLocaleString()}
              note={
                all.pendingInviteAge.oldestDays === null
                  ? 'none waiting'
                  : `oldest ${all.pendingInviteAge.oldestDays} days; ${all.pendingInviteAge.over30Days} over 30 days`
              }
            />
            <Tile
              label="Guests and viewers"
              value={`${all.seats.guest.toLocaleString()} · ${all.seats.viewer.toLocaleString()}`}
              note={`guests (${all.seats.billedGuests} billed) · viewers (free)`}
            />
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
              title="Roles"
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
              {runs.data && <Trend runs={runs.data} />}
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
                  <th scope="col">Invited</th>
                  <th scope="col">Pending for</th>
                </tr>
              </thead>
              <tbody>
                {pending.data.users.map((u) => (
                  <tr key={`${u.connectionId}/${u.id}`}>
                    <td>{u.email}</td>
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
          : 'Set the organisation’s domains (seatwise settings --org-domains) to find colleagues let in as guests.'}
      </p>
    </div>
  );
}

function Trend({ runs }: { runs: Run[] }) {
  const done = runs.filter((r) => r.status === 'succeeded').reverse();
  return (
    <Line
      data={{
        labels: done.map((r) => r.startedAt.slice(5, 16).replace('T', ' ')),
        datasets: [
          {
            label: 'Users',
            data: done.map((r) => r.usersSeen),
            borderColor: palette[0],
            backgroundColor: palette[0],
            yAxisID: 'y',
          },
          {
            label: 'Changes',
            data: done.map((r) => r.changes),
            borderColor: palette[2],
            backgroundColor: palette[2],
            yAxisID: 'y1',
          },
        ],
      }}
      options={{
        maintainAspectRatio: false,
        scales: { y: { position: 'left' }, y1: { position: 'right', grid: { drawOnChartArea: false } } },
      }}
    />
  );
}

function Tile({ label, value, note }: { label: string; value: string; note: string }) {
  return (
    <div className="tile">
      <span className="tile-label">{label}</span>
      <strong className="tile-value">{value}</strong>
      <span className="tile-note">{note}</span>
    </div>
  );
}

/** A chart with its title, and its figures in words for those who cannot see it. */
function Figure({ title, summary, children }: { title: string; summary: string; children: React.ReactNode }) {
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div className="chart-box" role="img" aria-label={`${title}: ${summary}`}>
        {children}
      </div>
    </figure>
  );
}

function money(amount: number, currency: string): string {
  try {
    return amount.toLocaleString(undefined, { style: 'currency', currency });
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}

/** The insights of every account added up (plan seats only where every plan is known, cost in one currency). */
function sum(list: Insights[]): Insights {
  const first = list[0]!;
  if (list.length === 1) return first;
  const total = (pick: (i: Insights) => number) => list.reduce((n, i) => n + pick(i), 0);
  const add = <T extends Record<string, number>>(pick: (i: Insights) => T): T => {
    const out = { ...pick(first) };
    for (const i of list.slice(1))
      for (const k of Object.keys(out)) (out as Record<string, number>)[k]! += pick(i)[k] ?? 0;
    return out;
  };
  const paid = total((i) => i.seats.paid);
  const planMax = list.every((i) => i.seats.planMax !== null) ? total((i) => i.seats.planMax ?? 0) : null;
  const priced = list.every((i) => i.cost && i.cost.currency === first.cost?.currency);
  const oldest = list.map((i) => i.pendingInviteAge.oldestDays).filter((d): d is number => d !== null);
  return {
    ...first,
    connectionId: 'all',
    accountName: 'All accounts',
    users: total((i) => i.users),
    notPeople: total((i) => i.notPeople),
    byStatus: add((i) => i.byStatus),
    byRole: add((i) => i.byRole),
    byLicense: add((i) => i.byLicense),
    seats: {
      paid,
      memberSeats: total((i) => i.seats.memberSeats),
      billedGuests: total((i) => i.seats.billedGuests),
      planMax,
      available: planMax === null ? null : planMax - paid,
      utilization: planMax ? paid / planMax : null,
      viewer: total((i) => i.seats.viewer),
      guest: total((i) => i.seats.guest),
      freeGuests: total((i) => i.seats.freeGuests),
    },
    pendingInvites: total((i) => i.pendingInvites),
    pendingInviteAge: {
      oldestDays: oldest.length ? Math.max(...oldest) : null,
      over30Days: total((i) => i.pendingInviteAge.over30Days),
    },
    inactivePaidSeats: total((i) => i.inactivePaidSeats),
    inactiveNeverActive: total((i) => i.inactiveNeverActive),
    inactiveAdmins: total((i) => i.inactiveAdmins),
    cost: priced
      ? {
          seatPrice: first.cost!.seatPrice,
          currency: first.cost!.currency,
          monthlyWaste: total((i) => i.cost!.monthlyWaste),
          yearlyWaste: total((i) => i.cost!.yearlyWaste),
        }
      : null,
    monthlyWaste: priced ? total((i) => i.monthlyWaste ?? 0) : null,
  };
}
