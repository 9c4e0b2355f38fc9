import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ActionRequestInput } from '../src/actions/actionInput.ts';
import { createSeatwise, type Seatwise } from '../src/compose.ts';
import type { AppError } from '../src/domain/appError.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from './helpers/databases.ts';

const actor = 'test:teams';

describeEachDialect('team actions against the emulator (%s)', (dialect) => {
  let emu: RunningEmulator;
  let db: TestDatabase;
  let app: Seatwise;
  let entId: string;
  let noScimId: string;
  let memberTokenId: string;
  let readOnlyId: string;
  let noScim: RunningEmulator;
  const others: RunningEmulator[] = [];
  const account = () => emu.accounts[0]!;
  const team = (name: string) => account().teams.find((t) => t.name === name)!;
  const run = (input: ActionRequestInput) => app.actions.run(input, actor);
  const fail = (input: ActionRequestInput) =>
    app.actions.run(input, actor).then(
      () => {
        throw new Error('expected the action to be refused');
      },
      (error: AppError) => error,
    );
  const stored = async (connectionId: string, teamId: string) =>
    (
      await app.store.db
        .selectFrom('directory_team_members')
        .select('user_id')
        .where('connection_id', '=', connectionId)
        .where('team_id', '=', teamId)
        .execute()
    )
      .map((r) => r.user_id)
      .sort();
  const inMonday = (teamId: string) =>
    account()
      .users.filter((u) => u.teamIds.includes(teamId))
      .map((u) => u.id)
      .sort();
  const pick = (predicate: (u: ReturnType<typeof account>['users'][number]) => boolean, skip = 0) =>
    account().users.filter((u, i) => i > 2 && predicate(u))[skip]!;

  beforeAll(async () => {
    emu = await startEmulator({ users: 300, plan: 'enterprise', seed: 41 });
    db = await createTestDatabase(dialect);
    app = await createSeatwise(db.config, { remote: { baseDelayMs: 1 } });
    const add = async (token: string, permission: 'read' | 'read_and_act', scim: boolean) =>
      (
        await app.connections.add({
          token,
          apiUrl: emu.graphqlUrl,
          ...(scim ? { scimToken: account().scimToken!, scimUrl: emu.scimUrl } : {}),
          permission,
        })
      ).id;
    entId = await add(account().tokens.admin, 'read_and_act', true);
    await app.sync.sync(entId);
    // The same account again (same seed), reached other ways: each copy of monday on its own address.
    const more = async (
      token: (a: typeof account extends () => infer A ? A : never) => string,
      permission: 'read' | 'read_and_act',
    ) => {
      const copy = await startEmulator({ users: 300, plan: 'enterprise', seed: 41 });
      others.push(copy);
      const id = (
        await app.connections.add({ token: token(copy.accounts[0]!), apiUrl: copy.graphqlUrl, permission })
      ).id;
      await app.sync.sync(id);
      return { id, copy };
    };
    ({ id: noScimId, copy: noScim } = await more((a) => a.tokens.admin, 'read_and_act'));
    ({ id: memberTokenId } = await more((a) => a.tokens.member, 'read_and_act'));
    ({ id: readOnlyId } = await more((a) => a.tokens.admin, 'read'));
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
    await emu?.close();
    for (const copy of others) await copy.close();
  });

  it('plans additions and removals with the reason for each user, and sends nothing on a dry run', async () => {
    const design = team('Design');
    const joiner = pick(
      (u) => u.kind === 'member' && u.status === 'ACTIVE' && !u.teamIds.includes(design.id),
    );
    const member = pick((u) => u.teamIds.includes(design.id) && u.status === 'ACTIVE');
    const guest = pick((u) => u.kind === 'guest' && u.status === 'ACTIVE');
    const deactivated = pick(
      (u) => u.status === 'INACTIVE' && !u.teamIds.includes(design.id) && u.kind !== 'guest',
    );
    const mutations = emu.state.mutationsExecuted.length;
    const plan = await run({
      action: 'add_to_team',
      connectionId: entId,
      teamId: design.id,
      targets: [
        { userId: joiner.id },
        { email: member.email },
        { userId: guest.id },
        { userId: deactivated.id },
      ],
      dryRun: true,
    });
    expect(emu.state.mutationsExecuted.length).toBe(mutations);
    expect(plan).toMatchObject({
      outcome: 'planned',
      via: 'graphql',
      summary: { planned: 1, already: 1, failed: 2 },
    });
    expect(plan.plan.map((p) => [p.userId, p.outcome, p.code])).toEqual([
      [joiner.id, 'change', null],
      [member.id, 'noop', 'already_in_team'],
      [guest.id, 'fail', 'guest_in_team'],
      [deactivated.id, 'fail', 'user_deactivated'],
    ]);
    expect(plan.plan[0]!.reason).toBe('will be added to team Design');
  });

  it('adds through GraphQL, reports what monday then shows, writes the copy and the audit, and is idempotent', async () => {
    const design = team('Design');
    const [a, b] = [0, 1].map((i) =>
      pick((u) => u.kind === 'member' && u.status === 'ACTIVE' && !u.teamIds.includes(design.id), i),
    );
    const request: ActionRequestInput = {
      action: 'add_to_team',
      connectionId: entId,
      teamId: design.id,
      targets: [{ userId: a!.id }, { userId: b!.id }],
      idempotencyKey: `add-design-${dialect}`,
    };
    const result = await run(request);
    expect(result).toMatchObject({ outcome: 'succeeded', via: 'graphql', summary: { changed: 2 } });
    expect(result.results.map((r) => [r.userId, r.outcome, r.reason])).toEqual([
      [a!.id, 'changed', 'added to team Design'],
      [b!.id, 'changed', 'added to team Design'],
    ]);
    expect(a!.teamIds).toContain(design.id);
    expect(await stored(entId, design.id)).toEqual(inMonday(design.id));
    const events = await app.store.db
      .selectFrom('change_events')
      .select(['kind', 'remote_user_id'])
      .where('connection_id', '=', entId)
      .where('team_id', '=', design.id)
      .where('run_id', 'is', null)
      .execute();
    expect(events.map((e) => `${e.kind} ${e.remote_user_id}`).sort()).toEqual(
      [`joined_team ${a!.id}`, `joined_team ${b!.id}`].sort(),
    );
    const audit = await app.actions.auditLog({ connectionId: entId, action: 'add_to_team' });
    expect(audit[0]).toMatchObject({ action: 'add_to_team', outcome: 'succeeded', actor });
    // The same request again: answered from the first, checked against monday, nothing sent.
    const mutations = emu.state.mutationsExecuted.length;
    const again = await run(request);
    expect(again).toMatchObject({ replayed: true, outcome: 'succeeded', inTargetState: true });
    expect(emu.state.mutationsExecuted.length).toBe(mutations);
    // Someone takes one out in monday: the replay says so.
    a!.teamIds = a!.teamIds.filter((t) => t !== design.id);
    const drifted = await run(request);
    expect(drifted.outcome).toBe('drifted');
    expect(drifted.replay?.drifted).toEqual([
      { target: a!.id, userId: a!.id, now: 'is not in the team in monday' },
    ]);
  });

  it('checks monday before acting: a user someone already added is reported as already in the team', async () => {
    const marketing = team('Marketing');
    const user = pick(
      (u) => u.kind === 'member' && u.status === 'ACTIVE' && !u.teamIds.includes(marketing.id),
    );
    user.teamIds.push(marketing.id);
    const mutations = emu.state.mutationsExecuted.length;
    const result = await run({
      action: 'add_to_team',
      connectionId: entId,
      teamId: marketing.id,
      targets: [{ userId: user.id }],
    });
    expect(result.results[0]).toMatchObject({ outcome: 'already', code: 'already_in_team' });
    expect(result.results[0]!.reason).toMatch(/synced copy was behind/);
    expect(emu.state.mutationsExecuted.length).toBe(mutations);
  });

  it('removes through GraphQL, and reports failed when monday does not show the change', async () => {
    const support = team('Support');
    const leaver = pick(
      (u) => u.teamIds.includes(support.id) && u.status === 'ACTIVE' && !support.ownerIds.includes(u.id),
    );
    const result = await run({
      action: 'remove_from_team',
      connectionId: entId,
      teamId: support.id,
      targets: [{ userId: leaver.id }],
    });
    expect(result.results[0]).toMatchObject({ outcome: 'changed', reason: 'removed from team Support' });
    expect(leaver.teamIds).not.toContain(support.id);
    expect(await stored(entId, support.id)).toEqual(inMonday(support.id));
  });

  it('goes through SCIM Groups for a team an identity provider manages, and refuses GraphQL for it', async () => {
    const engineering = team('Engineering');
    const scimUser = pick(
      (u) =>
        u.invitationMethod === 'SCIM' &&
        u.kind === 'member' &&
        u.status === 'ACTIVE' &&
        !u.teamIds.includes(engineering.id),
    );
    const result = await run({
      action: 'add_to_team',
      connectionId: entId,
      teamId: engineering.id,
      targets: [{ userId: scimUser.id }],
    });
    expect(result).toMatchObject({ via: 'scim', outcome: 'succeeded' });
    expect(scimUser.teamIds).toContain(engineering.id);
    expect(emu.state.mutationsExecuted.at(-1)!.operationName).toBe('SCIM PATCH');
    const nonScim = pick(
      (u) =>
        u.invitationMethod !== 'SCIM' &&
        u.kind === 'member' &&
        u.status === 'ACTIVE' &&
        !u.teamIds.includes(engineering.id),
    );
    const refused = await run({
      action: 'add_to_team',
      connectionId: entId,
      teamId: engineering.id,
      targets: [{ userId: nonScim.id }],
      dryRun: true,
    });
    expect(refused.plan[0]).toMatchObject({ outcome: 'fail', code: 'not_scim_provisioned' });
    const viaGraphql = await run({
      action: 'add_to_team',
      connectionId: entId,
      teamId: engineering.id,
      via: 'graphql',
      targets: [{ userId: nonScim.id }],
      dryRun: true,
    });
    expect(viaGraphql.plan[0]).toMatchObject({ outcome: 'fail', code: 'team_managed_by_scim' });
    const removed = await run({
      action: 'remove_from_team',
      connectionId: entId,
      teamId: engineering.id,
      targets: [{ userId: scimUser.id }],
    });
    expect(removed).toMatchObject({ via: 'scim', outcome: 'succeeded' });
    expect(scimUser.teamIds).not.toContain(engineering.id);
  });

  it('without a SCIM token, reports monday refusing a team an identity provider manages, with why', async () => {
    const monday = noScim.accounts[0]!;
    const sales = monday.teams.find((t) => t.name === 'Sales')!;
    const user = monday.users.find(
      (u, i) => i > 2 && u.kind === 'member' && u.status === 'ACTIVE' && !u.teamIds.includes(sales.id),
    )!;
    const result = await run({
      action: 'add_to_team',
      connectionId: noScimId,
      teamId: sales.id,
      targets: [{ userId: user.id }],
    });
    expect(result).toMatchObject({ via: 'graphql', outcome: 'failed' });
    expect(result.results[0]).toMatchObject({ outcome: 'failed', code: 'FAILED' });
    expect(result.results[0]!.reason).toMatch(/identity provider manages through SCIM/);
    expect(user.teamIds).not.toContain(sales.id);
  });

  it('refuses a read-only connection, a token that is not an admin, and a team the copy does not have', async () => {
    const design = team('Design');
    const user = pick((u) => u.kind === 'member' && u.status === 'ACTIVE' && !u.teamIds.includes(design.id));
    const readOnly = await fail({
      action: 'add_to_team',
      connectionId: readOnlyId,
      teamId: design.id,
      targets: [{ userId: user.id }],
    });
    expect(readOnly).toMatchObject({ kind: 'forbidden', code: 'read_only_connection' });
    const notAdmin = await fail({
      action: 'add_to_team',
      connectionId: memberTokenId,
      teamId: design.id,
      targets: [{ userId: user.id }],
    });
    expect(notAdmin).toMatchObject({ code: 'action_unavailable' });
    expect(notAdmin.message).toMatch(/admin/);
    const unknown = await fail({
      action: 'add_to_team',
      connectionId: entId,
      teamId: '999',
      targets: [{ userId: user.id }],
    });
    expect(unknown).toMatchObject({ code: 'unknown_team' });
    const bad = await fail({
      action: 'add_to_team',
      connectionId: entId,
      teamId: 'design',
      targets: [{ userId: user.id }],
    } as never);
    expect(bad).toMatchObject({ code: 'invalid_action' });
  });

  it('lists the team actions in the Integration Capabilities table with why each is unavailable', async () => {
    const rows = (await app.actions.capabilities(readOnlyId)).actions.filter((a) =>
      a.action.endsWith('team'),
    );
    expect(rows.map((r) => r.id).sort()).toEqual([
      'add_to_team:graphql',
      'add_to_team:scim',
      'remove_from_team:graphql',
      'remove_from_team:scim',
    ]);
    expect(rows.every((r) => !r.available)).toBe(true);
    const ent = (await app.actions.capabilities(entId)).actions.filter((a) => a.action.endsWith('team'));
    expect(ent.every((r) => r.available)).toBe(true);
  });
});
