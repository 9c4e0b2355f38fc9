import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api } from '../api.ts';
import { Loading, QueryError } from '../components/States.tsx';
import { useCapabilities } from '../hooks.ts';
import type { Capabilities, Connection } from '../types.ts';
import { apiVersionText, VersionNoticeBox } from './IntegrationsPage.tsx';

const readLabels: Record<string, string> = {
  users: 'Users',
  roles: 'Roles',
  statuses: 'Statuses',
  licenses: 'Licenses',
  last_activity: 'Last activity',
  teams: 'Teams, owners and members',
};

/** Integration Capabilities: each data type and action, whether it is available now, and why not. */
export function CapabilitiesPage({ id }: { id: string }) {
  const connection = useQuery({
    queryKey: ['connection', id],
    queryFn: () => api<Connection>('GET', `/api/connections/${id}`),
  });
  const caps = useCapabilities(id);
  return (
    <section aria-labelledby="caps-title">
      <p>
        <Link href="/">← Integrations</Link> ·{' '}
        <Link href={`/connections/${id}/service-users`}>Service users</Link>
      </p>
      <h1 id="caps-title">
        Integration Capabilities{connection.data ? `: ${connection.data.accountName}` : ''}
      </h1>
      {caps.isPending && <Loading what="capabilities" lines={12} />}
      {caps.isError && <QueryError error={caps.error} what="capabilities" retry={() => caps.refetch()} />}
      {caps.data && (
        <p>
          monday API version:{' '}
          {apiVersionText({
            apiVersion: caps.data.apiVersion.setting,
            servedApiVersion: caps.data.apiVersion.served,
          })}
        </p>
      )}
      {caps.data?.apiVersion.notice && <VersionNoticeBox notice={caps.data.apiVersion.notice} />}
      {caps.data && (
        <table className="grid">
          <caption className="sr-only">What this connection can read and do</caption>
          <thead>
            <tr>
              <th scope="col">Capability</th>
              <th scope="col">Kind</th>
              <th scope="col">Through</th>
              <th scope="col">Available</th>
              <th scope="col">Why not</th>
            </tr>
          </thead>
          <tbody>
            {caps.data.reads.map((r) => (
              <tr key={r.name}>
                <th scope="row">{readLabels[r.name] ?? r.name}</th>
                <td>Data</td>
                <td>GraphQL</td>
                <td>
                  <Availability available={r.available} />
                </td>
                <td>{r.reason ?? ''}</td>
              </tr>
            ))}
            {caps.data.actions.map((a) => (
              <ActionRow key={a.id} row={a} kind="Action" />
            ))}
            {caps.data.offboarding.map((a) => (
              <ActionRow key={a.id} row={a} kind="Offboarding" />
            ))}
            {caps.data.serviceUsers.map((a) => (
              <ActionRow key={a.id} row={a} kind="Service users" />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ActionRow({ row: a, kind }: { row: Capabilities['actions'][number]; kind: string }) {
  return (
    <tr>
      <th scope="row">{a.label}</th>
      <td>{kind}</td>
      <td>
        {a.via === 'scim' ? 'SCIM' : 'GraphQL'} <span className="muted">({a.operation})</span>
      </td>
      <td>
        <Availability available={a.available} />
      </td>
      <td>{a.reasons.join('; ')}</td>
    </tr>
  );
}

function Availability({ available }: { available: boolean }) {
  return available ? (
    <span className="yes">
      <span aria-hidden="true">✓</span> Available
    </span>
  ) : (
    <span className="no">
      <span aria-hidden="true">✕</span> Not available
    </span>
  );
}
