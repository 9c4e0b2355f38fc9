import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import { api, query } from '../api.ts';
import { ActionDialog, type DialogAction } from '../components/ActionDialog.tsx';
import { Empty, Loading, QueryError } from '../components/States.tsx';
import { day, licenseLabel, plural, roleLabel } from '../format.ts';
import { useCapabilities, useConnections } from '../hooks.ts';
import { useCanAct } from '../session.tsx';
import type { Team, TeamDetail, User, UsersPage } from '../types.ts';

const MEMBERS_PAGE = 200;

function kindOf(team: Team): string {
  if (team.isGuest) return 'Guest team';
  if (team.scimManaged === true) return 'Managed through SCIM';
  return 'Team';
}

/** monday's teams of every account: members, owners, paid seats and paid seats nobody uses. */
export function TeamsPage() {
  const [connectionId, setConnectionId] = useState('');
  const connections = useConnections();
  const teams = useQuery({
    queryKey: ['teams', connectionId || null],
    queryFn: () =>
      api<{ teams: Team[] }>('GET', `/api/teams${query({ connectionId: connectionId || undefined })}`),
  });
  const several = (connections.data?.length ?? 0) > 1;
  const list = teams.data?.teams ?? [];
  return (
    <section aria-labelledby="teams-title">
      <h1 id="teams-title">Teams</h1>
      <p className="muted">
        monday's teams as the last sync read them. Paid seats are members holding a member seat; inactive ones
        have had no activity for the account's own threshold.
      </p>
      {several && (
        <form className="filters" aria-label="Filter teams" onSubmit={(e) => e.preventDefault()}>
          <label>
            Account
            <select value={connectionId} onChange={(e) => setConnectionId(e.target.value)}>
              <option value="">All accounts</option>
              {connections.data?.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.accountName}
                </option>
              ))}
            </select>
          </label>
        </form>
      )}
      {teams.isPending && <Loading what="teams" lines={8} />}
      {teams.isError && <QueryError error={teams.error} what="teams" retry={() => teams.refetch()} />}
      {teams.data && list.length === 0 && (
        <Empty>No teams synced yet. Sync an account to see its teams.</Empty>
      )}
      {list.length > 0 && (
        <>
          <p className="count">{plural(list.length, 'team')}</p>
          <div className="table-wrap">
            <table className="grid">
              <thead>
                <tr>
                  <th scope="col">Team</th>
                  {several && <th scope="col">Account</th>}
                  <th scope="col">Kind</th>
                  <th scope="col" className="num">
                    Members
                  </th>
                  <th scope="col" className="num">
                    Owners
                  </th>
                  <th scope="col" className="num">
                    Paid seats
                  </th>
                  <th scope="col" className="num">
                    Inactive paid seats
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((t) => (
                  <tr key={`${t.connectionId}/${t.id}`}>
                    <th scope="row">
                      <Link href={`/teams/${t.connectionId}/${t.id}`}>{t.name}</Link>
                    </th>
                    {several && <td>{t.accountName}</td>}
                    <td>{kindOf(t)}</td>
                    <td className="num">{t.members}</td>
                    <td className="num">{t.owners}</td>
                    <td className="num">{t.paidSeats}</td>
                    <td className="num" title={`no activity for ${t.inactiveDays} days`}>
                      {t.inactivePaidSeats > 0 ? <span className="warn">{t.inactivePaidSeats}</span> : 0}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

/** One team: who owns it, who is in it, and (for those who may act) adding and removing members. */
export function TeamPage({ connectionId, teamId }: { connectionId: string; teamId: string }) {
  const team = useQuery({
    queryKey: ['team', connectionId, teamId],
    queryFn: () => api<TeamDetail>('GET', `/api/teams/${connectionId}/${teamId}`),
  });
  const members = useQuery({
    queryKey: ['users', { connectionId, team: teamId }, 'team-page'],
    queryFn: () =>
      api<UsersPage>(
        'GET',
        `/api/users${query({ connectionId, team: teamId, limit: MEMBERS_PAGE, total: 'true' })}`,
      ),
  });
  const caps = useCapabilities(connectionId);
  const canAct = useCanAct();
  const [selected, setSelected] = useState<Map<string, User>>(new Map());
  const [dialog, setDialog] = useState<DialogAction | null>(null);
  if (team.isPending) return <Loading what="the team" lines={10} />;
  if (team.isError) return <QueryError error={team.error} what="the team" retry={() => team.refetch()} />;
  const t = team.data;
  const owners = new Set(t.ownerUsers.map((u) => u.id));
  const can = (action: string) => caps.data?.actions.filter((a) => a.action === action) ?? [];
  const available = (action: string) => can(action).some((a) => a.available);
  const why = (action: string) =>
    can(action)
      .filter((a) => !a.available)
      .map((a) => `${a.label}: ${a.reasons.join('; ')}`)
      .join(' · ');
  return (
    <section aria-labelledby="team-title">
      <p>
        <Link href="/teams">← Teams</Link>
      </p>
      <h1 id="team-title">{t.name}</h1>
      <dl className="facts wide">
        <dt>Account</dt>
        <dd>{t.accountName}</dd>
        <dt>Kind</dt>
        <dd>{t.isGuest ? 'Guest team (holds guests only)' : 'Team'}</dd>
        <dt>Managed by</dt>
        <dd>
          {t.scimManaged === null
            ? 'Unknown: this connection has no SCIM token to tell whether an identity provider manages it'
            : t.scimManaged
              ? 'An identity provider, through SCIM: members change through SCIM or in the provider'
              : 'monday'}
        </dd>
        <dt>Members</dt>
        <dd>{t.members}</dd>
        <dt>Owners</dt>
        <dd>
          {t.ownerUsers.length === 0
            ? 'None'
            : t.ownerUsers.map((u, i) => (
                <span key={u.id}>
                  {i > 0 && ', '}
                  <Link href={`/users/${connectionId}/${u.id}`}>{u.name}</Link>
                </span>
              ))}
        </dd>
        <dt>Paid seats</dt>
        <dd>
          {t.paidSeats}, of which {t.inactivePaidSeats} inactive for {t.inactiveDays} days
        </dd>
        <dt>monday team id</dt>
        <dd>{t.id}</dd>
      </dl>

      <div className="page-head">
        <h2>Members</h2>
        <Link href={`/users${query({ connectionId, team: teamId })}`}>Open in Users</Link>
      </div>
      {canAct && (
        <div className="toolbar" role="toolbar" aria-label="Actions on this team">
          <span>{selected.size ? `${selected.size} selected` : 'Select members to remove them'}</span>
          <button
            type="button"
            disabled={!selected.size || !available('remove_from_team')}
            title={available('remove_from_team') ? undefined : why('remove_from_team')}
            onClick={() => setDialog('remove_from_team')}
          >
            Remove from team…
          </button>
          <Link href={`/users${query({ connectionId })}`}>Add people from Users</Link>
          {!available('remove_from_team') && caps.data && (
            <span className="muted">{why('remove_from_team')}</span>
          )}
        </div>
      )}
      {members.isPending && <Loading what="members" lines={6} />}
      {members.isError && <QueryError error={members.error} what="members" retry={() => members.refetch()} />}
      {members.data && members.data.users.length === 0 && <Empty>Nobody is in this team.</Empty>}
      {members.data && members.data.users.length > 0 && (
        <>
          <p className="count">
            {plural(members.data.total ?? members.data.users.length, 'member')}
            {members.data.nextCursor ? ` · the first ${members.data.users.length} shown` : ''}
          </p>
          <div className="table-wrap">
            <table className="grid">
              <thead>
                <tr>
                  {canAct && (
                    <th scope="col">
                      <span className="sr-only">Select</span>
                    </th>
                  )}
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                  <th scope="col">License</th>
                  <th scope="col">Last active</th>
                  <th scope="col">Owner</th>
                </tr>
              </thead>
              <tbody>
                {members.data.users.map((u) => (
                  <tr key={u.id}>
                    {canAct && (
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`Select ${u.name}`}
                          checked={selected.has(u.id)}
                          onChange={(e) => {
                            const next = new Map(selected);
                            if (e.target.checked) next.set(u.id, u);
                            else next.delete(u.id);
                            setSelected(next);
                          }}
                        />
                      </td>
                    )}
                    <td>
                      <Link href={`/users/${connectionId}/${u.id}`}>{u.name}</Link>
                    </td>
                    <td>{u.email}</td>
                    <td>{roleLabel[u.role] ?? u.role}</td>
                    <td>{u.status}</td>
                    <td>{licenseLabel[u.license ?? ''] ?? '—'}</td>
                    <td>{day(u.lastActivityAt)}</td>
                    <td>{owners.has(u.id) ? <span className="badge">owner</span> : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {dialog && (
        <ActionDialog
          action={dialog}
          connectionId={connectionId}
          users={[...selected.values()]}
          capabilities={caps.data}
          team={{ id: t.id, name: t.name }}
          onClose={() => {
            setDialog(null);
            setSelected(new Map());
          }}
        />
      )}
    </section>
  );
}
