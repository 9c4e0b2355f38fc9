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
  const [days, setDays] = useState(90);
  const [price, setPrice] = useState(() => Number(localStorage.getItem('seatwise.seatPrice') ?? '') || 0);
  const insights = useQuery({
    queryKey: ['insights', id],
    queryFn: async () =>
      (await api<{ connections: Insights[] }>('GET', `/api/insights${query({ connectionId: id })}`))
        .connections,
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
  const inactive = useQuery({
    queryKey: ['inactive-paid', id, days],
    queryFn: async () =>
      (
        await api<UsersPage>(
          'GET',
          `/api/users${query({ connectionId: id, license: 'member', status: 'active', inactiveDays: days, limit: 1, total: 'true' })}`,
        )
      ).total ?? 0,
  });
  const pending = useQuery({
    queryKey: ['pending', id],
    queryFn: () =>
      api<UsersPage>(
        'GET',
        `/api/users${query({ connectionId: id, status: 'pending', sort: 'createdAt', limit: 10 })}`,
      ),
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
              label="Paid seats in use"
              value={`${all.seats.used.toLocaleString()}${all.seats.max ? ` of ${all.seats.max.toLocaleString()}` : ''}`}
              note={
                all.seats.utilization === null
                  ? 'plan size unknown'
                  : `${Math.round(all.seats.utilization * 100)}% of the plan`
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
                  value={days}
                  onChange={(e) => setDays(Math.max(1, Number(e.target.value) || 1))}
                  className="small"
                />{' '}
                days
              </span>
              <strong className="tile-value">
                {inactive.data === undefined ? '…' : inactive.data.toLocaleString()}
              </strong>
              <span className="tile-note">
                <label htmlFor="price">Price per seat per month</label>{' '}
                <input
                  id="price"
                  type="number"
                  min={0}
                  step="0.01"
                  value={price || ''}
                  onChange={(e) => {
                    const value = Math.max(0, Number(e.target.value) || 0);
                    setPrice(value);
                    localStorage.setItem('seatwise.seatPrice', String(value));
                  }}
                  className="small"
                />
                {price > 0 && inactive.data !== undefined && (
                  <span>
                    {' '}
                    = {(inactive.data * price).toLocaleString(undefined, { maximumFractionDigits: 2 })} a
                    month,{' '}
                    {(inactive.data * price * 12).toLocaleString(undefined, { maximumFractionDigits: 2 })} a
                    year
                  </span>
                )}
              </span>
            </div>
            <Tile
              label="Pending invites"
              value={all.pendingInvites.toLocaleString()}
              note="invited, not accepted"
            />
            <Tile
              label="Guests and viewers"
              value={`${all.guests.active.toLocaleString()} · ${all.viewers.toLocaleString()}`}
              note={`guests (${all.guests.billed} billed) · viewers (free)`}
            />
          </div>

          <div className="charts">
            <Figure
              title="Licenses against the plan"
              summary={`Member seats ${all.byLicense.member}, viewers ${all.byLicense.viewer}, guests ${all.byLicense.guest}; plan seats ${all.seats.max ?? 'unknown'}.`}
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
                        all.seats.max ?? 0,
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

/** The insights of every account added up (plan seats only where the plan is known). */
function sum(list: Insights[]): Insights {
  const first = list[0]!;
  if (list.length === 1) return first;
  const add = <T extends Record<string, number>>(pick: (i: Insights) => T): T => {
    const out = { ...pick(first) };
    for (const i of list.slice(1))
      for (const k of Object.keys(out)) (out as Record<string, number>)[k]! += pick(i)[k] ?? 0;
    return out;
  };
  const used = list.reduce((n, i) => n + i.seats.used, 0);
  const max = list.every((i) => i.seats.max !== null)
    ? list.reduce((n, i) => n + (i.seats.max ?? 0), 0)
    : null;
  return {
    ...first,
    connectionId: 'all',
    accountName: 'All accounts',
    users: list.reduce((n, i) => n + i.users, 0),
    notPeople: list.reduce((n, i) => n + i.notPeople, 0),
    byStatus: add((i) => i.byStatus),
    byRole: add((i) => i.byRole),
    byLicense: add((i) => i.byLicense),
    seats: {
      used,
      max,
      available: max === null ? null : max - used,
      utilization: max ? (used + list.reduce((n, i) => n + i.guests.billed, 0)) / max : null,
    },
    inactivePaidSeats: add((i) => i.inactivePaidSeats),
    pendingInvites: list.reduce((n, i) => n + i.pendingInvites, 0),
    guests: add((i) => i.guests),
    viewers: list.reduce((n, i) => n + i.viewers, 0),
  };
}
