import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ConnectionsService } from '../src/app/connections.ts';
import { createSeatwise, type Seatwise } from '../src/compose.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { EndpointPolicy } from '../src/monday/endpointPolicy.ts';
import { GraphqlClient } from '../src/monday/graphqlClient.ts';
import { RequestBudget } from '../src/monday/requestBudget.ts';
import { readBudgets } from '../src/store/budgetRepo.ts';
import { SecretBox } from '../src/store/secretBox.ts';
import { waitFor } from './helpers/cli.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from './helpers/databases.ts';
import { gql } from './helpers/emulator.ts';

/** A clock shared by the emulator and the clients: waiting moves time (never backwards) instead of sleeping. */
function simulatedTime() {
  const clock = { t: Date.UTC(2026, 10, 29, 10), waited: 0 };
  return {
    clock,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.waited += ms;
      const until = clock.t + ms;
      // A short real pause lets requests in flight finish before time jumps.
      await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 50)));
      clock.t = Math.max(clock.t, until);
    },
  };
}

const ME = '{ me { id } }';

describeEachDialect('one monday budget per account, shared through the database (%s)', (dialect) => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  const time = simulatedTime();
  const apps: Seatwise[] = [];
  let connectionId: string;
  let other: ConnectionsService;

  beforeAll(async () => {
    emulator = await startEmulator({ users: 3000, accounts: 1, plan: 'enterprise', seed: 77, now: time.now });
    db = await createTestDatabase(dialect);
    const remote = { clock: { now: time.now, sleep: time.sleep }, baseDelayMs: 1 };
    apps.push(await createSeatwise(db.config, { remote }));
    // A second process: its own budgets in memory, the database in common. On PostgreSQL a second instance with
    // its own pool; on SQLite the same connection (SQLite's lock would block a second one in this thread).
    if (dialect === 'postgres') {
      apps.push(await createSeatwise(db.config, { remote }));
      other = apps[1]!.connections;
    } else {
      other = new ConnectionsService(
        apps[0]!.store,
        SecretBox.load({ dataDir: db.config.SEATWISE_DATA_DIR }),
        {
          ...remote,
          endpoints: EndpointPolicy.fromSetting('*'),
        },
      );
    }
    connectionId = (
      await apps[0]!.connections.add({
        token: emulator.accounts[0]!.tokens.admin,
        apiUrl: emulator.graphqlUrl,
      })
    ).id;
  }, 60_000);
  afterEach(() => {
    emulator.setLimits({});
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db?.cleanup();
    await emulator?.close();
  });

  it('two processes on one account stay within its minute and concurrency limits together', async () => {
    emulator.setLimits({ requestsPerMinute: 6, concurrency: 1 });
    const refusedBefore = emulator.state.rateLimitRefusals();
    const startedAt = time.now();
    const a = apps[0]!;
    const reads = await other.graphql(connectionId);
    const [synced, ...answers] = await Promise.all([
      a.sync.sync(connectionId),
      ...Array.from({ length: 8 }, () => reads.request<{ me: { id: string } }>(ME)),
    ]);
    expect(synced.status).toBe('succeeded');
    expect(synced.usersSeen).toBe(3000);
    expect(answers.every((answer) => typeof answer.data.me.id === 'string')).toBe(true);
    // Not one request refused, although together they needed more than two minute windows.
    expect(emulator.state.rateLimitRefusals()).toBe(refusedBefore);
    expect(time.now() - startedAt).toBeGreaterThanOrEqual(120_000);
    // The limits monday announced are what the database keeps for every process.
    const { budgets, leases } = await readBudgets(a.store);
    const row = budgets[0];
    expect([row?.minute_limit, row?.concurrency_limit]).toEqual([6, 1]);
    expect(leases).toEqual([]);
  });

  it('without the shared budget the same load is refused by monday (what the shared budget prevents)', async () => {
    emulator.setLimits({ requestsPerMinute: 6, concurrency: 1 });
    const refusedBefore = emulator.state.rateLimitRefusals();
    const clients = [0, 1].map(
      () =>
        new GraphqlClient({
          token: emulator.accounts[0]!.tokens.admin,
          apiUrl: emulator.graphqlUrl,
          budget: new RequestBudget({ now: time.now, sleep: time.sleep }),
          retry: { baseDelayMs: 1, maxRetries: 8 },
        }),
    );
    await Promise.all(
      clients.flatMap((client) =>
        Array.from({ length: 5 }, () => client.request<{ me: { id: string } }>(ME)),
      ),
    );
    expect(emulator.state.rateLimitRefusals()).toBeGreaterThan(refusedBefore);
  });

  it('a pause monday asked of one process holds the other back too', async () => {
    const a = apps[0]!;
    emulator.setLimits({ requestsPerMinute: 20 });
    // Another tool of the account uses monday's minute window up; Seatwise's own count knows nothing of it.
    time.clock.t += 120_000;
    for (let i = 0; i < 20; i++) await gql(emulator, emulator.accounts[0]!.tokens.admin, ME);
    const refusedBefore = emulator.state.rateLimitRefusals();
    // Process A is refused once and records monday's pause for the account.
    const first = (await a.connections.graphql(connectionId)).request(ME);
    await waitFor(async () => {
      const { budgets } = await readBudgets(a.store);
      return Number(budgets[0]?.paused_until ?? 0) > time.now();
    }, "A to record monday's pause");
    expect(emulator.state.rateLimitRefusals()).toBe(refusedBefore + 1);
    // Process B, asking now, waits the pause out instead of being refused as well.
    const second = (await other.graphql(connectionId)).request(ME);
    await Promise.all([first, second]);
    expect(emulator.state.rateLimitRefusals()).toBe(refusedBefore + 1);
  });
});
