import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';
import { openStore, type Store } from '../../src/store/database.ts';
import { runCli, spawnCli, waitFor } from '../helpers/cli.ts';
import { expectCopyEqualsMonday as expectCopyEqualsMondayIn, runningSync } from '../helpers/connected.ts';
import {
  createTestDatabase,
  type Dialect,
  describeDialect,
  type TestDatabase,
} from '../helpers/databases.ts';
import { holdDeadLeases, lapseDeadLeases } from '../helpers/leases.ts';

/** The processes' lease; where a test needs to be inside or past a dead process's lease, it moves it. */
const LEASE_SECONDS = 8;

/** Registers this file's suite for one dialect (each dialect is a test file of its own, so they run in parallel). */
export function register(dialect: Dialect): void {
  describeDialect(dialect, 'crashes and concurrent processes (%s)', (dialect) => {
    let emulator: RunningEmulator;
    let db: TestDatabase;
    let store: Store;
    let env: NodeJS.ProcessEnv;
    let connectionId: string;
    const account = () => emulator.accounts[0]!;
    const cli = (...args: string[]) => runCli(args, env);
    const deactivateArgs = (userId: string) => [
      'action',
      'deactivate',
      '--connection',
      connectionId,
      '--user',
      userId,
      '--via',
      'graphql',
    ];
    const activeMember = (index: number) =>
      account().users.filter((u, i) => i > 2 && u.status === 'ACTIVE' && u.kind === 'member')[index]!;

    beforeAll(async () => {
      emulator = await startEmulator({ users: 3000, plan: 'pro', seed: 83 });
      db = await createTestDatabase(dialect);
      env = {
        ...db.env,
        SEATWISE_LEASE_SECONDS: String(LEASE_SECONDS),
        LOG_LEVEL: 'silent',
      };
      const connected = await cli(
        'connect',
        '--token',
        account().tokens.admin,
        '--api-url',
        emulator.graphqlUrl,
        '--permission',
        'read_and_act',
        '--json',
      );
      expect(connected.code, connected.stderr).toBe(0);
      connectionId = JSON.parse(connected.stdout).id;
      const first = await cli('sync', connectionId);
      expect(first.code, first.stderr).toBe(0);
      store = await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
    });
    afterAll(async () => {
      await store?.close();
      await db?.cleanup();
      await emulator?.close();
    });

    const expectCopyEqualsMonday = () => expectCopyEqualsMondayIn(store, connectionId, emulator);
    const running = () => runningSync(store, connectionId);

    it('after a sync is killed with SIGKILL, the next sync is refused with who holds it, then takes over within the lease and completes', async () => {
      emulator.setFaults({ latencyMs: 400, surfaces: ['graphql'] });
      const victim = spawnCli(['sync', connectionId], env);
      // Killed once the sync has both its run and the connection marked syncing (a busy machine can take a
      // while between the two).
      await waitFor(
        async () =>
          Boolean(await running()) &&
          (
            await store.db
              .selectFrom('connections')
              .select('status')
              .where('id', '=', connectionId)
              .executeTakeFirstOrThrow()
          ).status === 'syncing',
        'the sync to start',
      );
      victim.child.kill('SIGKILL');
      expect((await victim.done).signal).toBe('SIGKILL');
      emulator.setFaults({});

      // The dead sync's lease is held while the refusal is checked (not raced by a cold CLI start).
      await holdDeadLeases(store, 'sync');
      const refused = await cli('sync', connectionId);
      expect(refused.code).toBe(4);
      expect(refused.stderr).toContain(`is already running: sync run_`);
      expect(refused.stderr).toContain(`(pid ${victim.child.pid} on `);
      expect(refused.stderr).toMatch(/holds the connection until \d{4}-\d\d-\d\dT/);

      await lapseDeadLeases(store, 'sync');
      const shown = JSON.parse((await cli('connections', 'show', connectionId, '--json')).stdout);
      expect(shown).toMatchObject({ status: 'error' });
      expect(shown.statusReason).toContain(`the last sync stopped before it finished (sync run_`);
      const next = await cli('sync', connectionId, '--json');
      expect(next.code, next.stderr).toBe(0);
      expect(JSON.parse(next.stdout)[0]).toMatchObject({ status: 'succeeded', complete: true });
      const runs = JSON.parse((await cli('runs', connectionId, '--json')).stdout);
      expect(runs[0]).toMatchObject({ status: 'succeeded' });
      expect(runs[1]).toMatchObject({ status: 'failed', error: { code: 'abandoned' } });
      expect(runs[1].error.message).toContain(`pid ${victim.child.pid}`);
    });

    it.each([
      ['with a caller key', ['--idempotency-key', `crash-${dialect}`]],
      ['without a key', []],
    ])(
      'an action killed after monday accepted it is not done twice on retry, and the audit log shows both attempts (%s)',
      async (label, keyArgs) => {
        const user = activeMember(label === 'without a key' ? 1 : 0);
        const args = deactivateArgs(user.id);
        emulator.setFaults({ answerDelayMs: 10_000, surfaces: ['graphql'] });
        const victim = spawnCli([...args, ...keyArgs], env);
        // A cold CLI start on a busy machine can take long: wait for monday's state, however long it takes.
        await waitFor(
          () => account().usersById.get(user.id)!.status === 'INACTIVE',
          'monday to deactivate',
          90_000,
        );
        victim.child.kill('SIGKILL');
        await victim.done;
        emulator.setFaults({});
        const mutations = emulator.state.mutationsExecuted.length;

        await holdDeadLeases(store, 'actions');
        const early = await cli(...args, ...keyArgs);
        expect(early.code).toBe(4);
        expect(early.stderr).toContain('is still running (action exe_');
        expect(early.stderr).toContain(`pid ${victim.child.pid}`);

        await lapseDeadLeases(store, 'actions');
        const retry = await cli(...args, ...keyArgs, '--json');
        expect(retry.code).toBe(0);
        const result = JSON.parse(retry.stdout);
        expect(result).toMatchObject({ outcome: 'succeeded', inTargetState: true, replayed: false });
        expect(result.results).toEqual([
          expect.objectContaining({ userId: user.id, outcome: 'already', code: 'already_deactivated' }),
        ]);
        expect(emulator.state.mutationsExecuted.length).toBe(mutations);
        expect(account().usersById.get(user.id)!.status).toBe('INACTIVE');

        const audit = JSON.parse((await cli('audit', '--connection', connectionId, '--json')).stdout);
        const attempts = audit.filter(
          (e: { idempotencyKey: string }) => e.idempotencyKey === result.idempotencyKey,
        );
        expect(attempts.map((e: { outcome: string }) => e.outcome)).toEqual(['succeeded', 'interrupted']);
        expect(attempts[1].error.message).toContain(`audit entry ${attempts[0].id}`);
        const row = await store.db
          .selectFrom('directory_users')
          .select('status')
          .where('connection_id', '=', connectionId)
          .where('remote_id', '=', user.id)
          .executeTakeFirstOrThrow();
        expect(row.status).toBe('deactivated');
      },
    );

    it('a team action killed after monday added the member is not done twice, and a sync in another process keeps what monday shows', async () => {
      const design = account().teams.find((t) => t.name === 'Design')!;
      const user = account().users.find(
        (u, i) => i > 2 && u.status === 'ACTIVE' && u.kind === 'member' && !u.teamIds.includes(design.id),
      )!;
      const args = [
        'action',
        'add-to-team',
        '--connection',
        connectionId,
        '--team',
        design.id,
        '--user',
        user.id,
      ];
      const links = async () =>
        (
          await store.db
            .selectFrom('directory_team_members')
            .select('user_id')
            .where('connection_id', '=', connectionId)
            .where('team_id', '=', design.id)
            .execute()
        )
          .map((r) => r.user_id)
          .sort();
      const inMonday = () =>
        account()
          .users.filter((u) => u.teamIds.includes(design.id))
          .map((u) => u.id)
          .sort();
      emulator.setFaults({ answerDelayMs: 10_000, surfaces: ['graphql'] });
      const victim = spawnCli([...args, '--idempotency-key', 'team-kill'], env);
      await waitFor(() => user.teamIds.includes(design.id), 'monday to add the member');
      victim.child.kill('SIGKILL');
      await victim.done;
      emulator.setFaults({});
      const mutations = emulator.state.mutationsExecuted.length;
      await holdDeadLeases(store, 'actions');
      const early = await cli(...args, '--idempotency-key', 'team-kill');
      expect(early.code).toBe(4);
      expect(early.stderr).toContain('is still running');
      await lapseDeadLeases(store, 'actions');
      const retry = await cli(...args, '--idempotency-key', 'team-kill', '--json');
      expect(retry.code).toBe(0);
      const result = JSON.parse(retry.stdout);
      expect(result.results).toEqual([
        expect.objectContaining({ userId: user.id, outcome: 'already', code: 'already_in_team' }),
      ]);
      expect(emulator.state.mutationsExecuted.length).toBe(mutations);
      expect(await links()).toEqual(inMonday());

      // Out again while another process syncs: the copy ends as monday shows it.
      emulator.setFaults({ latencyMs: 200, surfaces: ['graphql'] });
      const sync = spawnCli(['sync', connectionId], env);
      await waitFor(async () => {
        const run = await store.db
          .selectFrom('sync_runs')
          .select('status')
          .where('connection_id', '=', connectionId)
          .orderBy('started_at', 'desc')
          .executeTakeFirst();
        return run?.status === 'running';
      }, 'the sync to start');
      const removed = await cli(
        'action',
        'remove-from-team',
        '--connection',
        connectionId,
        '--team',
        design.id,
        '--user',
        user.id,
      );
      expect(removed.code).toBe(0);
      expect((await sync.done).code).toBe(0);
      emulator.setFaults({});
      expect(user.teamIds).not.toContain(design.id);
      expect(await links()).toEqual(inMonday());
      const again = JSON.parse((await cli('sync', connectionId, '--json')).stdout)[0];
      expect(again).toMatchObject({ status: 'succeeded', changes: 0 });
    });

    it('a sync and an action in two processes at the same time leave the copy equal to monday', async () => {
      // The action comes while the sync has read no page yet, then while it is between pages.
      for (const [index, pagesRead] of [
        [2, 0],
        [3, 2],
      ] as const) {
        const user = activeMember(index);
        // Slow enough that the sync is still reading when the action starts, on a busy machine too.
        emulator.setFaults({ latencyMs: 1500, surfaces: ['graphql'] });
        const sync = spawnCli(['sync', connectionId], env);
        let runId = '';
        await waitFor(async () => {
          const run = await running();
          if (run && run.pages_read >= pagesRead) runId = run.id;
          return runId !== '';
        }, 'the sync to read');
        const actionStarted = Date.now();
        const action = await cli(...deactivateArgs(user.id));
        expect(action.code).toBe(0);
        expect((await sync.done).code).toBe(0);
        emulator.setFaults({});
        // The two overlapped: the action began before the sync finished.
        const run = await store.db
          .selectFrom('sync_runs')
          .select(['status', 'finished_at'])
          .where('id', '=', runId)
          .executeTakeFirstOrThrow();
        expect(run.status).toBe('succeeded');
        expect(Date.parse(run.finished_at!)).toBeGreaterThan(actionStarted);
        expect(account().usersById.get(user.id)!.status).toBe('INACTIVE');
        await expectCopyEqualsMonday();
      }
      const again = JSON.parse((await cli('sync', connectionId, '--json')).stdout)[0];
      expect(again).toMatchObject({ status: 'succeeded', changes: 0 });
    });
  });
}
