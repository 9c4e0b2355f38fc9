import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionRequestInput } from '../src/actions/actionInput.ts';
import { actionDefinitions } from '../src/actions/definitions.ts';
import { createSeatwise, type Seatwise } from '../src/compose.ts';
import type { AppError } from '../src/domain/appError.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { createTestDatabase, type TestDatabase } from './helpers/databases.ts';
import { scim } from './helpers/emulator.ts';

const actor = 'test:actions';

describe('user-lifecycle actions against the emulator', () => {
  let ent: RunningEmulator;
  let pro: RunningEmulator;
  let db: TestDatabase;
  let app: Seatwise;
  let entId: string;
  let proAdminId: string;
  let proMemberId: string;
  const entAccount = () => ent.accounts[0]!;
  const run = (input: ActionRequestInput) => app.actions.run(input, actor);
  const fail = (input: ActionRequestInput) =>
    app.actions.run(input, actor).then(
      () => {
        throw new Error('expected the action to be refused');
      },
      (error: AppError) => error,
    );
  const synced = async (connectionId: string, userId: string) => app.users.get(connectionId, userId);

  beforeAll(async () => {
    ent = await startEmulator({ users: 1200, plan: 'enterprise', seed: 31 });
    pro = await startEmulator({ users: 100, accounts: 2, plan: 'pro', seed: 32 });
    db = await createTestDatabase('sqlite');
    app = await createSeatwise(db.config, { remote: { baseDelayMs: 1 } });
    entId = (
      await app.connections.add({
        token: entAccount().tokens.admin,
        apiUrl: ent.graphqlUrl,
        scimToken: entAccount().scimToken!,
        scimUrl: ent.scimUrl,
        permission: 'read_and_act',
      })
    ).id;
    proAdminId = (
      await app.connections.add({
        token: pro.accounts[0]!.tokens.admin,
        apiUrl: pro.graphqlUrl,
        permission: 'read_and_act',
      })
    ).id;
    proMemberId = (
      await app.connections.add({
        token: pro.accounts[1]!.tokens.member,
        apiUrl: pro.graphqlUrl,
        permission: 'read_and_act',
      })
    ).id;
    for (const id of [entId, proAdminId, proMemberId])
      expect((await app.sync.sync(id)).status).toBe('succeeded');
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
    await ent?.close();
    await pro?.close();
  });

  const pick = (
    emulator: RunningEmulator,
    predicate: (u: RunningEmulator['accounts'][number]['users'][number]) => boolean,
    index = 0,
  ) => emulator.accounts[0]!.users.filter((u, i) => i > 2 && predicate(u))[index]!;

  describe('create (SCIM)', () => {
    it('creates a user, updates the synced copy at once, and repeats without a second effect', async () => {
      const input = {
        action: 'create',
        connectionId: entId,
        email: 'New.Person@Example.com',
        name: 'New Person',
        role: 'viewer',
        idempotencyKey: 'create-1',
      } as const;
      const first = await run(input);
      expect(first).toMatchObject({ outcome: 'succeeded', via: 'scim', summary: { changed: 1, failed: 0 } });
      const created = entAccount().usersByEmail.get('new.person@example.com')!;
      expect(created).toMatchObject({ kind: 'view_only', invitationMethod: 'SCIM', status: 'ACTIVE' });
      expect(first.results[0]).toMatchObject({ outcome: 'changed', userId: created.id });
      expect(await synced(entId, created.id)).toMatchObject({
        role: 'viewer',
        status: 'active',
        license: 'viewer',
        scimLinked: true,
      });
      const again = await run(input);
      expect(again).toMatchObject({ replayed: true, outcome: 'succeeded', results: first.results });
      expect(entAccount().users.filter((u) => u.email === 'new.person@example.com')).toHaveLength(1);
      const fresh = await run({ ...input, idempotencyKey: 'create-2' });
      expect(fresh.results[0]).toMatchObject({
        outcome: 'already',
        code: 'already_exists',
        reason: 'already exists as viewer (active)',
      });
    });

    it('does not count an email that exists with another role as created, known or not from the last sync', async () => {
      const known = await run({
        action: 'create',
        connectionId: entId,
        email: 'new.person@example.com',
        name: 'New Person',
        role: 'member',
      });
      expect(known).toMatchObject({ outcome: 'failed', summary: { changed: 0, failed: 1 } });
      expect(known.results[0]).toMatchObject({
        outcome: 'failed',
        code: 'exists_with_other_role',
        reason: 'already exists as viewer, not member; change its role with set_role instead',
      });

      // Added in monday after the last sync: SCIM finds it, and it is still not what was asked.
      const added = await scim(ent, entAccount().scimToken!, 'POST', '/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'late.guest@example.com',
        displayName: 'Late Guest',
        emails: [{ value: 'late.guest@example.com', primary: true }],
        userType: 'guest',
      });
      expect(added.status).toBe(201);
      const unknown = await run({
        action: 'create',
        connectionId: entId,
        email: 'late.guest@example.com',
        name: 'Late Guest',
        role: 'member',
      });
      expect(unknown.results[0]).toMatchObject({
        outcome: 'failed',
        code: 'exists_with_other_role',
        reason: 'already exists as guest, not member; change its role with set_role instead',
      });
      expect(entAccount().usersByEmail.get('late.guest@example.com')).toMatchObject({ kind: 'guest' });
      const same = await run({
        action: 'create',
        connectionId: entId,
        email: 'late.guest@example.com',
        name: 'Late Guest',
        role: 'guest',
      });
      expect(same).toMatchObject({ outcome: 'succeeded' });
      expect(same.results[0]).toMatchObject({ outcome: 'already', code: 'already_exists' });
    });

    it('is unavailable without a SCIM token and below Enterprise, saying why', async () => {
      const error = await fail({
        action: 'create',
        connectionId: proAdminId,
        email: 'x@example.com',
        name: 'X',
      });
      expect(error).toMatchObject({ kind: 'precondition', code: 'action_unavailable' });
      expect(error.message).toBe(
        `Create user is not available on connection ${proAdminId}: SCIM is not available on this account's plan (pro); monday offers it on Enterprise only`,
      );
    });

    it('offers GraphQL when SCIM deactivation is not available on the plan', async () => {
      const error = await fail({
        action: 'deactivate',
        connectionId: proAdminId,
        targets: [{ userId: '1' }],
      });
      expect(error).toMatchObject({ kind: 'precondition', code: 'action_unavailable' });
      expect(error.message).toBe(
        `Deactivate user (SCIM) is not available on connection ${proAdminId}: SCIM is not available on this account's plan (pro); monday offers it on Enterprise only. Deactivate user (GraphQL) is available: ask for it with --via graphql in the CLI or "via":"graphql" in the API`,
      );
    });

    it('rejects a malformed email before calling monday', async () => {
      const requestsBefore = ent.state.limiter(entAccount()).dailyUsed();
      const error = await fail({ action: 'create', connectionId: entId, email: 'not-an-email', name: 'X' });
      expect(error).toMatchObject({ kind: 'invalid_input', code: 'invalid_action' });
      expect(error.message).toBe('email "not-an-email" is not a well-formed email address');
      expect(ent.state.limiter(entAccount()).dailyUsed()).toBe(requestsBefore);
    });
  });

  describe('deactivate', () => {
    it('deactivates a SCIM-provisioned user over SCIM; a repeat reports "already deactivated"', async () => {
      const user = pick(ent, (u) => u.invitationMethod === 'SCIM' && u.status === 'ACTIVE');
      const first = await run({ action: 'deactivate', connectionId: entId, targets: [{ userId: user.id }] });
      expect(first.results).toEqual([
        {
          target: user.id,
          userId: user.id,
          email: user.email,
          outcome: 'changed',
          code: null,
          reason: 'deactivated',
        },
      ]);
      expect(user.status).toBe('INACTIVE');
      expect(await synced(entId, user.id)).toMatchObject({ status: 'deactivated', license: null });
      const second = await run({
        action: 'deactivate',
        connectionId: entId,
        targets: [{ email: user.email }],
        idempotencyKey: 'deact-again',
      });
      expect(second).toMatchObject({ outcome: 'succeeded', replayed: false });
      expect(second.results[0]).toMatchObject({ outcome: 'already', reason: 'already deactivated' });
    });

    it('refuses over SCIM a user not provisioned by SCIM, naming the GraphQL alternative', async () => {
      const user = pick(ent, (u) => u.invitationMethod !== 'SCIM' && u.status === 'ACTIVE');
      const result = await run({ action: 'deactivate', connectionId: entId, targets: [{ userId: user.id }] });
      expect(result.outcome).toBe('failed');
      expect(result.results[0]).toMatchObject({ outcome: 'failed', code: 'not_scim_provisioned' });
      expect(result.results[0]!.reason).toContain('deactivate through GraphQL instead');
      expect(user.status).toBe('ACTIVE');
      const viaGraphql = await run({
        action: 'deactivate',
        via: 'graphql',
        connectionId: entId,
        targets: [{ userId: user.id }],
      });
      expect(viaGraphql.results[0]).toMatchObject({ outcome: 'changed' });
      expect(viaGraphql.requestIds).toHaveLength(1);
      expect(user.status).toBe('INACTIVE');
    });

    it('refuses deactivate via GraphQL with a non-admin token', async () => {
      const error = await fail({
        action: 'deactivate',
        via: 'graphql',
        connectionId: proMemberId,
        targets: [{ userId: pro.accounts[1]!.users[5]!.id }],
      });
      expect(error.message).toContain("the API token's owner is not an admin (member)");
    });

    it('deactivates 500 users in one request, sent in batches of at most 200', async () => {
      const targets = entAccount()
        .users.filter((u, i) => i > 2 && u.status === 'ACTIVE')
        .slice(0, 500);
      expect(targets).toHaveLength(500);
      const result = await run({
        action: 'deactivate',
        via: 'graphql',
        connectionId: entId,
        targets: targets.map((u) => ({ userId: u.id })),
      });
      expect(result).toMatchObject({
        outcome: 'succeeded',
        summary: { changed: 500, already: 0, failed: 0 },
      });
      expect(result.requestIds).toHaveLength(3);
      expect(targets.every((u) => u.status === 'INACTIVE')).toBe(true);
      const listed = await app.users.list({ connectionId: entId, status: 'deactivated' });
      const ids = new Set(listed.map((u) => u.id));
      expect(targets.every((u) => ids.has(u.id))).toBe(true);
      const back = await run({
        action: 'reactivate',
        connectionId: entId,
        targets: targets.map((u) => ({ userId: u.id })),
      });
      expect(back.summary).toMatchObject({ changed: 500, failed: 0 });
    });
  });

  describe('invite, set role, reactivate (GraphQL)', () => {
    it('invites on any plan; invitees appear pending; a repeat is "already in the account"', async () => {
      const result = await run({
        action: 'invite',
        connectionId: proMemberId,
        emails: ['a.new@pro.example', 'b.new@pro.example'],
        role: 'member',
        idempotencyKey: 'inv-1',
      });
      expect(result).toMatchObject({ outcome: 'succeeded', summary: { changed: 2 } });
      const listed = await app.users.list({
        connectionId: proMemberId,
        status: 'pending',
        search: '.new@pro.example',
      });
      expect(listed.map((u) => [u.email, u.status, u.license])).toEqual([
        ['a.new@pro.example', 'pending', null],
        ['b.new@pro.example', 'pending', null],
      ]);
      const repeat = await run({
        action: 'invite',
        connectionId: proMemberId,
        emails: ['A.New@pro.example'],
        idempotencyKey: 'inv-2',
      });
      expect(repeat.results[0]).toMatchObject({
        outcome: 'already',
        reason: 'already in the account as member (pending)',
      });
    });

    it('changes a member to viewer (the downgrade that frees a paid seat) and is a no-op the second time', async () => {
      const user = pick(pro, (u) => u.kind === 'member' && u.status === 'ACTIVE');
      const dry = await run({
        action: 'set_role',
        connectionId: proAdminId,
        targets: [{ userId: user.id }],
        role: 'viewer',
        dryRun: true,
      });
      expect(dry).toMatchObject({ outcome: 'planned', results: [] });
      expect(dry.plan[0]!.reason).toBe('will change from member to viewer (frees a paid seat)');
      expect(user.kind).toBe('member');
      const result = await run({
        action: 'set_role',
        connectionId: proAdminId,
        targets: [{ userId: user.id }],
        role: 'viewer',
      });
      expect(result.results[0]).toMatchObject({ outcome: 'changed' });
      expect(user.kind).toBe('view_only');
      expect(await synced(proAdminId, user.id)).toMatchObject({ role: 'viewer', license: 'viewer' });
      const history = (await synced(proAdminId, user.id)).history.map((h) => [h.kind, h.before, h.after]);
      expect(history).toEqual(
        expect.arrayContaining([
          ['role_changed', 'member', 'viewer'],
          ['license_changed', 'member', 'viewer'],
        ]),
      );
      const again = await run({
        action: 'set_role',
        connectionId: proAdminId,
        targets: [{ userId: user.id }],
        role: 'viewer',
        idempotencyKey: 'role-2',
      });
      expect(again.results[0]).toMatchObject({ outcome: 'already', reason: 'already viewer' });
    });

    it('refuses a role change with a non-admin token and reports CANNOT_UPDATE_SELF for the token owner', async () => {
      const error = await fail({
        action: 'set_role',
        connectionId: proMemberId,
        targets: [{ userId: pro.accounts[1]!.users[5]!.id }],
        role: 'guest',
      });
      expect(error).toMatchObject({ kind: 'precondition' });
      const self = await run({
        action: 'set_role',
        connectionId: proAdminId,
        targets: [{ userId: pro.accounts[0]!.tokenOwners.admin }],
        role: 'member',
      });
      expect(self.results[0]).toMatchObject({ outcome: 'failed', code: 'cannot_update_self' });
      expect(self.results[0]!.reason).toContain('CANNOT_UPDATE_SELF');
    });

    it("reports monday's own per-user error when the synced copy is out of date", async () => {
      const user = pick(pro, (u) => u.status === 'ACTIVE' && u.kind === 'guest');
      const account = pro.accounts[0]!;
      account.users.splice(account.users.indexOf(user), 1);
      account.usersById.delete(user.id);
      const result = await run({
        action: 'set_role',
        connectionId: proAdminId,
        targets: [{ userId: user.id }],
        role: 'member',
      });
      expect(result.results[0]).toMatchObject({ outcome: 'failed', code: 'USER_NOT_FOUND' });
      expect(result.results[0]!.reason).toContain('no longer exists in monday');
    });

    it('reactivates a deactivated user; pending users cannot be reactivated', async () => {
      const user = pick(pro, (u) => u.status === 'INACTIVE');
      const pending = pick(pro, (u) => u.status === 'PENDING');
      const result = await run({
        action: 'reactivate',
        connectionId: proAdminId,
        targets: [{ userId: user.id }, { userId: pending.id }],
      });
      expect(result.outcome).toBe('partial');
      expect(result.results.map((r) => [r.userId, r.outcome, r.code])).toEqual([
        [user.id, 'changed', null],
        [pending.id, 'failed', 'invitation_pending'],
      ]);
      expect(await synced(proAdminId, user.id)).toMatchObject({ status: 'active' });
    });

    it('rejects unknown users and unknown roles before calling monday', async () => {
      const unknown = await fail({
        action: 'reactivate',
        connectionId: proAdminId,
        targets: [{ userId: '123' }, { email: 'ghost@nowhere.example' }],
      });
      expect(unknown).toMatchObject({ kind: 'not_found', code: 'unknown_users' });
      expect(unknown.message).toContain('123, ghost@nowhere.example');
      const badRole = await fail({
        action: 'set_role',
        connectionId: proAdminId,
        targets: [{ userId: '1' }],
        role: 'owner' as never,
      });
      expect(badRole.message).toContain('role');
    });

    it('waits out a rate limit and then succeeds', async () => {
      // A simulated clock shared by monday and Seatwise: waiting moves time instead of sleeping.
      const clock = { t: Date.now(), waited: [] as number[] };
      const now = () => clock.t;
      const sleep = async (ms: number) => {
        clock.waited.push(ms);
        clock.t += ms;
      };
      const limited = await startEmulator({ users: 20, plan: 'pro', seed: 33, now });
      const limitedDb = await createTestDatabase('sqlite');
      const limitedApp = await createSeatwise(limitedDb.config, {
        remote: { baseDelayMs: 1, clock: { now, sleep } },
      });
      try {
        const account = limited.accounts[0]!;
        const connectionId = (
          await limitedApp.connections.add({
            token: account.tokens.admin,
            apiUrl: limited.graphqlUrl,
            permission: 'read_and_act',
          })
        ).id;
        await limitedApp.sync.sync(connectionId);
        limited.setLimits({ requestsPerMinute: 1 });
        clock.t += 60_000;
        // Someone else's request uses the minute's only call.
        await fetch(limited.graphqlUrl, {
          method: 'POST',
          headers: { authorization: account.tokens.member, 'content-type': 'application/json' },
          body: '{"query":"{ me { id } }"}',
        });
        clock.t += 5_000;
        const user = account.users.find((u, i) => i > 2 && u.status === 'ACTIVE' && u.kind === 'member')!;
        const result = await limitedApp.actions.run(
          { action: 'set_role', connectionId, targets: [{ userId: user.id }], role: 'viewer' },
          actor,
        );
        expect(result.results[0]).toMatchObject({ outcome: 'changed' });
        expect(user.kind).toBe('view_only');
        expect(clock.waited).toContain(55_000);
      } finally {
        await limitedApp.close();
        await limitedDb.cleanup();
        await limited.close();
      }
    });
  });

  describe('permission level, capabilities and audit', () => {
    it('refuses every action on a read connection, naming the permission level', async () => {
      await app.connections.update(proAdminId, { permission: 'read' });
      try {
        const error = await fail({ action: 'invite', connectionId: proAdminId, emails: ['x@y.org'] });
        expect(error).toMatchObject({ kind: 'forbidden', code: 'read_only_connection' });
        expect(error.message).toContain('permission level is "read"');
      } finally {
        await app.connections.update(proAdminId, { permission: 'read_and_act' });
      }
    });

    it('derives the capabilities table from the same rules the actions enforce', async () => {
      // Each account's guest team (the sample user is a guest).
      const teamOf: Record<string, string> = {};
      for (const c of [entId, proAdminId, proMemberId])
        teamOf[c] = (await app.teams.list(c)).find((t) => t.isGuest)!.id;
      const sample: Record<string, (connectionId: string, userId: string) => ActionRequestInput> = {
        'create:scim': (c) => ({
          action: 'create',
          connectionId: c,
          email: 'cap@example.org',
          name: 'Cap',
          dryRun: true,
        }),
        'deactivate:scim': (c, u) => ({
          action: 'deactivate',
          connectionId: c,
          targets: [{ userId: u }],
          dryRun: true,
        }),
        'deactivate:graphql': (c, u) => ({
          action: 'deactivate',
          via: 'graphql',
          connectionId: c,
          targets: [{ userId: u }],
          dryRun: true,
        }),
        'invite:graphql': (c) => ({
          action: 'invite',
          connectionId: c,
          emails: ['cap@example.org'],
          dryRun: true,
        }),
        'set_role:graphql': (c, u) => ({
          action: 'set_role',
          connectionId: c,
          targets: [{ userId: u }],
          role: 'guest',
          dryRun: true,
        }),
        'reactivate:graphql': (c, u) => ({
          action: 'reactivate',
          connectionId: c,
          targets: [{ userId: u }],
          dryRun: true,
        }),
        ...Object.fromEntries(
          (['add_to_team', 'remove_from_team'] as const).flatMap((action) =>
            (['graphql', 'scim'] as const).map((via) => [
              `${action}:${via}`,
              (c: string, u: string) => ({
                action,
                via,
                connectionId: c,
                teamId: teamOf[c]!,
                targets: [{ userId: u }],
                dryRun: true,
              }),
            ]),
          ),
        ),
      };
      await app.connections.update(proMemberId, { permission: 'read' });
      const seen: Record<string, boolean[]> = {};
      for (const connectionId of [entId, proAdminId, proMemberId]) {
        const capabilities = await app.actions.capabilities(connectionId);
        expect(capabilities.actions.map((a) => a.id)).toEqual(actionDefinitions.map((d) => d.id));
        const [someUser] = await app.users.list({ connectionId, role: 'guest' });
        for (const capability of capabilities.actions) {
          const refused = await app.actions
            .run(sample[capability.id]!(connectionId, someUser!.id), actor)
            .then(
              () => false,
              (e: AppError) => e.kind === 'forbidden' || e.kind === 'precondition',
            );
          expect(refused, `${connectionId} ${capability.id}`).toBe(!capability.available);
          seen[capability.id] = [...(seen[capability.id] ?? []), capability.available];
          if (!capability.available) expect(capability.reasons.length).toBeGreaterThan(0);
        }
      }
      await app.connections.update(proMemberId, { permission: 'read_and_act' });
      // Each action is available somewhere and refused somewhere, so the comparison above means something.
      for (const id of Object.keys(sample)) expect(new Set(seen[id])).toEqual(new Set([true, false]));
      const ent = await app.actions.capabilities(entId);
      expect(ent.reads.every((r) => r.available)).toBe(true);
      const memberCaps = await app.actions.capabilities(proMemberId);
      expect(memberCaps.actions.find((a) => a.id === 'set_role:graphql')!.reasons).toEqual([
        "the API token's owner is not an admin (member); monday allows this only to admins",
      ]);
    });

    it('keeps an audit entry for every action, refusal and dry run', async () => {
      const entries = await app.actions.auditLog({ limit: 1000 });
      const outcomes = new Set(entries.map((e) => e.outcome));
      for (const outcome of [
        'succeeded',
        'succeeded (replayed)',
        'failed',
        'partial',
        'refused',
        'rejected',
        'planned',
      ])
        expect(outcomes).toContain(outcome);
      const bulk = entries.find(
        (e) => e.action === 'deactivate' && e.via === 'graphql' && (e.results as unknown[]).length === 500,
      )!;
      expect(bulk).toMatchObject({
        actor,
        connectionId: entId,
        dryRun: false,
        outcome: 'succeeded',
        error: null,
      });
      expect(bulk.requestIds).toHaveLength(3);
      const refusal = entries.find(
        (e) => e.error?.code === 'read_only_connection' && e.connectionId === proAdminId,
      )!;
      expect(refusal).toMatchObject({ outcome: 'refused', connectionId: proAdminId, targets: ['x@y.org'] });
      const onlyEnt = await app.actions.auditLog({ connectionId: entId });
      expect(onlyEnt.every((e) => e.connectionId === entId)).toBe(true);
    });
  });
});
