import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { describeResultCounts, planSummary, wasSkipped } from '../../../src/domain/actionResult.ts';
import { api, query } from '../api.ts';
import { inFormWords } from '../formErrors.ts';
import type { ActionResult, Capabilities, PlanItem, Role, Team } from '../types.ts';
import { Dialog } from './Dialog.tsx';

export type DialogAction =
  | 'set_role'
  | 'deactivate'
  | 'reactivate'
  | 'invite'
  | 'create'
  | 'add_to_team'
  | 'remove_from_team';

const titles: Record<DialogAction, string> = {
  set_role: 'Change role',
  deactivate: 'Deactivate users',
  reactivate: 'Reactivate users',
  invite: 'Invite users',
  create: 'Create user (SCIM)',
  add_to_team: 'Add to team',
  remove_from_team: 'Remove from team',
};

const isTeamAction = (action: DialogAction) => action === 'add_to_team' || action === 'remove_from_team';

const outcomeWords: Record<PlanItem['outcome'], string> = {
  change: 'Will change',
  noop: 'Already there',
  fail: 'Cannot',
};

interface Options {
  role: Role;
  via: 'scim' | 'graphql';
  emails: string;
  teamId: string;
  /** A user created through SCIM: one address and a name. */
  email: string;
  name: string;
}

/**
 * An action in three steps: choose (role, channel or emails), see the plan (who changes, who is already there,
 * who cannot and why), confirm; then the result per user.
 */
export function ActionDialog({
  action,
  connectionId,
  users,
  capabilities,
  team,
  onClose,
}: {
  action: DialogAction;
  connectionId: string;
  users: { id: string; email: string; name: string }[];
  capabilities: Capabilities | undefined;
  /** The team of a team action; without one the dialog asks which. */
  team?: { id: string; name: string };
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const channels = (capabilities?.actions ?? [])
    .filter((a) => a.action === action && a.available)
    .map((a) => a.via);
  const form = useForm<Options>({
    defaultValues: {
      role: 'viewer',
      via: channels.includes('scim') ? 'scim' : 'graphql',
      emails: '',
      teamId: team?.id ?? '',
      email: '',
      name: '',
    },
  });
  const teams = useQuery({
    queryKey: ['teams', connectionId],
    queryFn: () => api<{ teams: Team[] }>('GET', `/api/teams${query({ connectionId })}`),
    enabled: isTeamAction(action) && !team,
  });
  const [plan, setPlan] = useState<ActionResult | null>(null);
  const [result, setResult] = useState<ActionResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const planCounts = planSummary(plan?.plan ?? []);
  const [busy, setBusy] = useState(false);

  const body = (o: Options) => {
    const base = { action, connectionId };
    if (action === 'invite')
      return {
        ...base,
        emails: o.emails
          .split(/[\s,;]+/)
          .map((e) => e.trim())
          .filter(Boolean),
        role: o.role,
      };
    if (action === 'create') return { ...base, email: o.email.trim(), name: o.name.trim(), role: o.role };
    const targets = users.map((u) => ({ userId: u.id }));
    if (action === 'set_role') return { ...base, targets, role: o.role };
    if (action === 'deactivate') return { ...base, targets, via: o.via };
    // The server picks the channel: SCIM for a team an identity provider manages (where it can), else GraphQL.
    if (isTeamAction(action)) return { ...base, targets, teamId: o.teamId };
    return { ...base, targets };
  };

  const run = async (path: string, o: Options) => {
    setBusy(true);
    setError(null);
    try {
      return await api<ActionResult>('POST', path, body(o));
    } catch (e) {
      setError(
        inFormWords(e, {
          emails: 'email',
          email: 'email',
          name: 'name',
          targets: 'user',
          role: 'role',
          teamId: 'team',
        }),
      );
      return null;
    } finally {
      setBusy(false);
    }
  };

  const preview = form.handleSubmit(async (o) => setPlan(await run('/api/actions/plan', o)));
  const confirm = form.handleSubmit(async (o) => {
    const done = await run('/api/actions', o);
    if (done) {
      setResult(done);
      await queryClient.invalidateQueries();
    }
  });

  return (
    <Dialog open title={titles[action]} onClose={onClose}>
      {!plan && !result && (
        <form onSubmit={preview} noValidate>
          {action === 'invite' ? (
            <div className="field">
              <label htmlFor="emails">Email addresses</label>
              <textarea
                id="emails"
                rows={4}
                aria-describedby="emails-help"
                {...form.register('emails', { required: true })}
              />
              <p className="help" id="emails-help">
                One or more, separated by spaces, commas or new lines.
              </p>
            </div>
          ) : action === 'create' ? (
            <>
              <p className="help">
                monday creates the user at once through SCIM (the account's identity provider token), active
                and with the role chosen; no invitation is sent.
              </p>
              <div className="field">
                <label htmlFor="create-email">Email address</label>
                <input id="create-email" type="email" {...form.register('email', { required: true })} />
              </div>
              <div className="field">
                <label htmlFor="create-name">Name</label>
                <input id="create-name" type="text" {...form.register('name', { required: true })} />
              </div>
            </>
          ) : (
            <p>
              {users.length === 1
                ? `${users[0]!.name} <${users[0]!.email}>`
                : `${users.length} selected users`}
            </p>
          )}
          {(action === 'set_role' || action === 'invite' || action === 'create') && (
            <div className="field">
              <label htmlFor="role">
                {action === 'invite' ? 'Invite as' : action === 'create' ? 'Role' : 'New role'}
              </label>
              <select id="role" {...form.register('role')}>
                <option value="admin">Admin</option>
                <option value="member">Member</option>
                <option value="viewer">Viewer</option>
                <option value="guest">Guest</option>
              </select>
            </div>
          )}
          {isTeamAction(action) && team && (
            <p>
              Team: <strong>{team.name}</strong>
            </p>
          )}
          {isTeamAction(action) && !team && (
            <div className="field">
              <label htmlFor="teamId">Team</label>
              <select id="teamId" {...form.register('teamId', { required: true })}>
                <option value="">{teams.isPending ? 'Loading teams…' : 'Choose a team'}</option>
                {teams.data?.teams.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                    {t.isGuest ? ' (guest team)' : ''}
                    {t.scimManaged ? ' (managed through SCIM)' : ''}
                  </option>
                ))}
              </select>
              {form.formState.errors.teamId && (
                <p className="error" role="alert">
                  Choose the team.
                </p>
              )}
            </div>
          )}
          {action === 'deactivate' && (
            <div className="field">
              <label htmlFor="via">Through</label>
              <select id="via" {...form.register('via')}>
                {(['scim', 'graphql'] as const).map((via) => (
                  <option key={via} value={via} disabled={!channels.includes(via)}>
                    {via === 'scim'
                      ? 'SCIM (users provisioned by SCIM)'
                      : 'GraphQL (deactivate_users, admin token)'}
                    {channels.includes(via) ? '' : ' — not available'}
                  </option>
                ))}
              </select>
            </div>
          )}
          {error && (
            <p className="error-box" role="alert">
              {error}
            </p>
          )}
          <div className="buttons">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Planning…' : 'Preview'}
            </button>
          </div>
        </form>
      )}
      {plan && !result && (
        <>
          <p>
            {planCounts.change} will change, {planCounts.noop} already there, {planCounts.fail} cannot.
          </p>
          <ItemsTable
            rows={plan.plan.map((i) => ({
              who: i.email || i.target,
              what: outcomeWords[i.outcome],
              why: i.reason,
              tone: i.outcome,
              breaks: i.footprint,
            }))}
          />
          {error && (
            <p className="error-box" role="alert">
              {error}
            </p>
          )}
          <div className="buttons">
            <button type="button" onClick={() => setPlan(null)}>
              Back
            </button>
            <button
              type="button"
              className="primary"
              disabled={busy || planCounts.change === 0}
              onClick={confirm}
            >
              {busy ? 'Working…' : `Confirm: ${titles[action].toLowerCase()}`}
            </button>
          </div>
        </>
      )}
      {result && (
        <>
          <p role="status">
            {resultWords[result.outcome]} {describeResultCounts(result, { already: 'already there' })}.
          </p>
          {result.replay && result.replay.drifted.length > 0 && (
            <p className="error-box" role="alert">
              This repeats an earlier request, and monday no longer shows its effect for{' '}
              {result.replay.drifted.map((d) => `${d.target} (${d.now})`).join(', ')}. Send it again with a
              new request to act again.
            </p>
          )}
          {result.replay?.checkError && (
            <p className="error-box" role="alert">
              {result.replay.checkError}
            </p>
          )}
          <ItemsTable
            rows={result.results.map((r) => ({
              who: r.email || r.target,
              what: wasSkipped(r, result.plan) ? 'Skipped: cannot be done' : resultItemWords[r.outcome],
              why: r.reason,
              tone: r.outcome === 'changed' ? 'change' : r.outcome === 'already' ? 'noop' : 'fail',
            }))}
          />
          {result.warning && <p className="notice">{result.warning}</p>}
          <div className="buttons">
            <button type="button" className="primary" onClick={onClose}>
              Close
            </button>
          </div>
        </>
      )}
    </Dialog>
  );
}

/** What became of one target. */
const resultItemWords: Record<ActionResult['results'][number]['outcome'], string> = {
  changed: 'Changed',
  already: 'Already there',
  failed: 'Failed',
  drifted: 'No longer in effect',
  unverified: 'Not confirmed',
};

/** What an action's outcome means to the person who asked for it. */
const resultWords: Record<ActionResult['outcome'], string> = {
  planned: 'Planned, nothing sent.',
  succeeded: 'Done.',
  partial: 'Partly done.',
  failed: 'Not done.',
  drifted: 'Not in effect any more.',
  unverified: 'Not confirmed by monday.',
};

function ItemsTable({
  rows,
}: {
  rows: {
    who: string;
    what: string;
    why: string;
    tone: string;
    /** What the change breaks in monday, in a plan that takes access away. */
    breaks?: PlanItem['footprint'];
  }[];
}) {
  return (
    <table className="grid compact">
      <thead>
        <tr>
          <th scope="col">User</th>
          <th scope="col">Outcome</th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.who}>
            <td>{r.who}</td>
            <td className={`tone-${r.tone}`}>{r.what}</td>
            <td>
              {r.why}
              {r.breaks && (
                <p className={r.breaks.breaks ? 'footprint warn' : 'footprint muted'}>
                  This change {r.breaks.words}
                </p>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
