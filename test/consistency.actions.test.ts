import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { ActionRequestInput } from '../src/actions/actionInput.ts';
import type { Seatwise } from '../src/compose.ts';
import type { AppError } from '../src/domain/appError.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { ActionRequestsRepo } from '../src/store/actionRequestsRepo.ts';
import { openStore } from '../src/store/database.ts';
import { connectedSeatwise } from './helpers/connected.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from './helpers/databases.ts';
import { gql } from './helpers/emulator.ts';

const actor = 'test:consistency';
const MIN = 60_000;

describeEachDialect('actions never report a change monday did not make (%s)', (dialect) => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let app: Seatwise;
  let connectionId: string;
  // Seatwise's clock moves on its own; the emulator's stays, so monday would replay any reused key.
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  // Each test starts on today's clock, whatever an earlier one moved it to.
  afterEach(() => {
    offsetMs = 0;
  });
  const account = () => emulator.accounts[0]!;
  const run = (input: { action: ActionRequestInput['action'] } & Record<string, unknown>) =>
    app.actions.run({ ...input, connectionId } as ActionRequestInput, actor);
  const mondayStatus = (id: string) => account().usersById.get(id)!.status;
  const stored = (id: string) => app.users.get(connectionId, id);
  const activeMember = (index: number) =>
    account().users.filter((u, i) => i > 2 && u.status === 'ACTIVE' && u.kind === 'member')[index]!;

  beforeAll(async () => {
    emulator = await startEmulator({ users: 300, plan: 'pro', seed: 81 });
    db = await createTestDatabase(dialect);
    ({ app, connectionId } = await connectedSeatwise(emulator, db, { now }));
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
    await emulator?.close();
  });

  it('deactivate → reactivate → deactivate without a key deactivates again, inside and past the 15-minute window', async () => {
    const user = activeMember(0);
    const deactivate = { action: 'deactivate', via: 'graphql', targets: [{ userId: user.id }] } as const;
    const reactivate = { action: 'reactivate', targets: [{ userId: user.id }] } as const;

    expect(await run(deactivate)).toMatchObject({ replayed: false, summary: { changed: 1 } });
    expect(mondayStatus(user.id)).toBe('INACTIVE');
    expect((await run(reactivate)).summary.changed).toBe(1);
    expect(mondayStatus(user.id)).toBe('ACTIVE');

    const again = await run(deactivate);
    expect(again).toMatchObject({ replayed: false, inTargetState: true, summary: { changed: 1 } });
    expect(mondayStatus(user.id)).toBe('INACTIVE');
    expect((await stored(user.id)).status).toBe('deactivated');

    // A double submit after it finished is planned from the new state: already deactivated, nothing sent.
    const mutations = emulator.state.mutationsExecuted.length;
    const repeat = await run(deactivate);
    expect(repeat).toMatchObject({
      replayed: false,
      inTargetState: true,
      summary: { changed: 0, already: 1 },
    });
    expect(emulator.state.mutationsExecuted.length).toBe(mutations);

    await run(reactivate);
    offsetMs += 16 * MIN;
    expect(await run(deactivate)).toMatchObject({ replayed: false, summary: { changed: 1 } });
    expect(mondayStatus(user.id)).toBe('INACTIVE');
    expect((await stored(user.id)).status).toBe('deactivated');
  });

  it("with a caller's key, a repeat says plainly that monday no longer shows the earlier result, and a reused key past 24 hours acts again", async () => {
    const user = activeMember(1);
    const deactivate = {
      action: 'deactivate',
      via: 'graphql',
      targets: [{ userId: user.id }],
      idempotencyKey: `offboard-${dialect}`,
    } as const;
    const first = await run(deactivate);
    expect(first).toMatchObject({ replayed: false, inTargetState: true, summary: { changed: 1 } });
    await run({ action: 'reactivate', targets: [{ userId: user.id }] });
    expect(mondayStatus(user.id)).toBe('ACTIVE');

    const mutations = emulator.state.mutationsExecuted.length;
    const repeat = await run(deactivate);
    expect(repeat).toMatchObject({
      replayed: true,
      // monday no longer shows the earlier effect: the repeat is never reported as a success.
      outcome: 'drifted',
      inTargetState: false,
      replay: { of: first.auditId, checkError: null },
    });
    expect(repeat.replay!.drifted).toEqual([
      { target: user.id, userId: user.id, now: 'is active in monday, not deactivated' },
    ]);
    expect(emulator.state.mutationsExecuted.length).toBe(mutations);
    expect(mondayStatus(user.id)).toBe('ACTIVE');
    expect((await stored(user.id)).status).toBe('active');

    // Past the key's day the request runs anew, with an Idempotency-Key monday has never seen.
    offsetMs += 25 * 60 * MIN;
    const later = await run(deactivate);
    expect(later).toMatchObject({ replayed: false, inTargetState: true, summary: { changed: 1 } });
    expect(emulator.state.mutationsExecuted.length).toBe(mutations + 1);
    expect(mondayStatus(user.id)).toBe('INACTIVE');
    expect((await stored(user.id)).status).toBe('deactivated');

    const confirmed = await run(deactivate);
    expect(confirmed).toMatchObject({ replayed: true, inTargetState: true, replay: { drifted: [] } });
    const audit = await app.actions.auditLog({ connectionId, limit: 10 });
    expect(audit.filter((e) => e.idempotencyKey === deactivate.idempotencyKey).map((e) => e.outcome)).toEqual(
      ['succeeded (replayed)', 'succeeded', 'drifted (replayed)', 'succeeded'],
    );
  });

  it('lets a failed request be retried with the same key instead of replaying the failure', async () => {
    const user = activeMember(2);
    const input = {
      action: 'set_role',
      targets: [{ userId: user.id }],
      role: 'viewer',
      idempotencyKey: `downgrade-${dialect}`,
    } as const;
    emulator.setFaults({ serverErrorRate: 1, surfaces: ['graphql'] });
    const failed = await run(input).catch((e: AppError) => e);
    emulator.setFaults({});
    expect((failed as Error).message).toContain('Internal server error');
    expect(account().usersById.get(user.id)!.kind).toBe('member');
    const retried = await run(input);
    expect(retried).toMatchObject({ replayed: false, outcome: 'succeeded', summary: { changed: 1 } });
    expect(account().usersById.get(user.id)!.kind).toBe('view_only');
    const audit = await app.actions.auditLog({ connectionId, limit: 2 });
    expect(audit.map((e) => [e.idempotencyKey, e.outcome])).toEqual([
      [input.idempotencyKey, 'succeeded'],
      [input.idempotencyKey, 'failed'],
    ]);
    expect(audit[1]!.error?.message).toContain('Internal server error');
  });

  it('does not invite again an email monday already has, even when the synced copy does not know it', async () => {
    const email = `already.invited.${dialect}@example.com`;
    const direct = await gql(
      emulator,
      account().tokens.admin,
      `mutation { invite_users(emails: ["${email}"], user_role: MEMBER) { invited_users { id } } }`,
    );
    expect(direct.body.errors).toBeUndefined();
    const mutations = emulator.state.mutationsExecuted.length;
    const result = await run({ action: 'invite', emails: [email], role: 'member' });
    expect(result).toMatchObject({
      outcome: 'succeeded',
      inTargetState: true,
      summary: { changed: 0, already: 1 },
    });
    expect(result.results[0]!.reason).toContain('already in the account in monday (pending');
    expect(emulator.state.mutationsExecuted.length).toBe(mutations);
    expect(account().users.filter((u) => u.email === email)).toHaveLength(1);
    const invitee = account().usersByEmail.get(email)!;
    expect(await stored(invitee.id)).toMatchObject({ email, status: 'pending' });
  });

  it.runIf(dialect === 'sqlite')(
    'completes the audit entry and keeps the result when the copy cannot be written after monday acted',
    async () => {
      const user = activeMember(3);
      await sql
        .raw(
          `create trigger refuse_copy before update on directory_users when new.remote_id = '${user.id}' begin select raise(abort, 'disk I/O error'); end`,
        )
        .execute(app.store.db);
      try {
        const result = await run({ action: 'deactivate', via: 'graphql', targets: [{ userId: user.id }] });
        expect(result).toMatchObject({ outcome: 'succeeded', inTargetState: true, summary: { changed: 1 } });
        expect(result.warning).toContain('could not be written to the synced copy (disk I/O error)');
        expect(mondayStatus(user.id)).toBe('INACTIVE');
        const [entry] = await app.actions.auditLog({ connectionId, limit: 1 });
        expect(entry).toMatchObject({
          id: result.auditId,
          outcome: 'succeeded',
          error: { code: 'copy_not_updated' },
        });
        expect(entry!.results).toEqual(result.results);
      } finally {
        await sql.raw('drop trigger refuse_copy').execute(app.store.db);
      }
    },
  );

  it('claims a key in one statement: of two processes asking at once, exactly one runs', async () => {
    const other = await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
    try {
      const repos = [new ActionRequestsRepo(app.store.db), new ActionRequestsRepo(other.db)];
      for (const round of [1, 2, 3]) {
        const at = new Date(Date.now() + round * 48 * 60 * MIN);
        const claims = await Promise.all(
          repos.map((repo, i) =>
            repo.claim({
              connectionId,
              key: 'race',
              fingerprint: 'f',
              executionId: `exe_${round}_${i}`,
              holder: `process ${i}`,
              now: at,
              ttlMs: 24 * 60 * MIN,
              leaseMs: MIN,
            }),
          ),
        );
        expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
        expect(claims.filter((c) => c.kind === 'running')).toHaveLength(1);
      }
    } finally {
      await other.close();
    }
  });
});
