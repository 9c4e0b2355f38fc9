import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { PersonView } from '../../../src/domain/people.ts';
import { roleMeaning, type SeatwiseRole, seatwiseRoles } from '../../../src/domain/roles.ts';
import { api } from '../api.ts';
import { Empty, Loading, QueryError } from '../components/States.tsx';
import { when } from '../format.ts';
import { useIsAdmin } from '../session.tsx';

const sourceWords: Record<PersonView['roleSource'], string> = {
  seatwise: 'given in Seatwise',
  provider: "from the identity provider's groups",
  both: 'the stricter of Seatwise and the identity provider',
  default: 'the default role of people who sign in',
  none: 'none: cannot sign in until given one',
};

/** The people who sign in to Seatwise: invite, give a role, disable (admins only). */
export function PeoplePage() {
  if (!useIsAdmin())
    return (
      <section aria-labelledby="people-title">
        <h1 id="people-title">People</h1>
        <p className="note" role="note">
          Only an admin invites people, gives them roles and issues their keys.
        </p>
      </section>
    );
  return <PeopleAdmin />;
}

function PeopleAdmin() {
  const queryClient = useQueryClient();
  const people = useQuery({
    queryKey: ['people'],
    queryFn: async () => (await api<{ people: PersonView[] }>('GET', '/api/people')).people,
  });
  // A key issued for a person, shown once: it is stored hashed and cannot be shown again.
  const [issued, setIssued] = useState<{ email: string; key: string } | null>(null);
  const issue = useMutation({
    mutationFn: (p: PersonView) =>
      api<{ key: string; owner: { email: string } }>('POST', '/api/keys', {
        role: p.role,
        forEmail: p.email,
        name: `${p.email} key`,
      }),
    onSuccess: (k) => {
      setMessage(null);
      setIssued({ email: k.owner.email, key: k.key });
    },
    onError: (error: Error) => setMessage({ ok: false, text: error.message }),
  });
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<SeatwiseRole>('viewer');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  // The message comes once the list shows the change, so the two never disagree.
  const done = async (text: string) => {
    await queryClient.invalidateQueries({ queryKey: ['people'] });
    setMessage({ ok: true, text });
  };
  const failed = (error: Error) => setMessage({ ok: false, text: error.message });
  const invite = useMutation({
    mutationFn: () => api<PersonView>('POST', '/api/people', { email, role }),
    onSuccess: async (p) => {
      setEmail('');
      await done(`Invited ${p.email} as ${p.role}.`);
    },
    onError: failed,
  });
  const change = useMutation({
    mutationFn: (input: { id: string; role?: SeatwiseRole; disabled?: boolean }) =>
      api<PersonView>('PATCH', `/api/people/${input.id}`, { role: input.role, disabled: input.disabled }),
    onSuccess: (p) => done(`${p.email} is ${p.disabled ? 'disabled' : p.role}.`),
    onError: failed,
  });
  return (
    <section aria-labelledby="people-title">
      <h1 id="people-title">People</h1>
      <p className="muted">
        Who signs in to Seatwise, and with which role:{' '}
        {seatwiseRoles.map((r, i) => (
          <span key={r}>
            {i > 0 && '; '}
            <strong>{r}</strong> {roleMeaning[r]}
          </span>
        ))}
        . The last active admin cannot lose that role.
      </p>
      <form
        className="panel inline-form"
        aria-label="Invite a person"
        onSubmit={(e) => {
          e.preventDefault();
          setMessage(null);
          invite.mutate();
        }}
      >
        <label>
          Email
          <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as SeatwiseRole)}>
            {seatwiseRoles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={invite.isPending}>
          {invite.isPending ? 'Inviting…' : 'Invite'}
        </button>
      </form>
      {issued && (
        <div className="notice" role="status">
          <p>
            A key for <strong>{issued.email}</strong>, to sign in as themselves (it acts with at most their
            role). Hand it over now: it is not shown again.
          </p>
          <code className="secret">{issued.key}</code>
        </div>
      )}
      {message && (
        <p className={message.ok ? 'status ok' : 'error-box'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
      {people.isPending && <Loading what="people" lines={6} />}
      {people.isError && <QueryError error={people.error} what="people" retry={() => people.refetch()} />}
      {people.data?.length === 0 && <Empty>Nobody yet: invite the people who will sign in.</Empty>}
      {people.data && people.data.length > 0 && (
        <div className="table-wrap">
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Where the role comes from</th>
                <th scope="col">Last sign-in</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {people.data.map((p) => (
                <tr key={p.id}>
                  <th scope="row">{p.email}</th>
                  <td>{p.name ?? '—'}</td>
                  <td>
                    <select
                      aria-label={`Role of ${p.email}`}
                      value={p.assignedRole ?? ''}
                      onChange={(e) => {
                        setMessage(null);
                        change.mutate({ id: p.id, role: e.target.value as SeatwiseRole });
                      }}
                    >
                      {!p.assignedRole && (
                        <option value="" disabled>
                          {p.role ? `${p.role} (not given in Seatwise)` : 'no role'}
                        </option>
                      )}
                      {seatwiseRoles.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                    {p.roleSource === 'both' && p.role !== p.assignedRole && (
                      <span className="muted"> (acts as {p.role})</span>
                    )}
                  </td>
                  <td>{sourceWords[p.roleSource]}</td>
                  <td>{p.lastSignInAt ? when(p.lastSignInAt) : 'never'}</td>
                  <td>{p.disabled ? 'disabled' : 'active'}</td>
                  <td>
                    <button
                      type="button"
                      onClick={() => {
                        setMessage(null);
                        change.mutate({ id: p.id, disabled: !p.disabled });
                      }}
                    >
                      {p.disabled ? 'Enable' : 'Disable'}
                    </button>{' '}
                    {!p.disabled && p.role && (
                      <button type="button" disabled={issue.isPending} onClick={() => issue.mutate(p)}>
                        Create key
                      </button>
                    )}
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
