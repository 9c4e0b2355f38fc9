import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createSeatwise, type Seatwise } from '../src/compose.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import type { Store } from '../src/store/database.ts';
import { openStore } from '../src/store/database.ts';
import { TeamsRepo } from '../src/store/teamsRepo.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from './helpers/databases.ts';

const USERS = 12_000;

/** The indexes of the copy's two largest tables, with their definitions. */
async function indexesOf(store: Pick<Store, 'dialect' | 'db'>): Promise<string[]> {
  if (store.dialect === 'sqlite') {
    const { rows } = await sql<{ name: string; sql: string }>`select name, sql from sqlite_master
      where type = 'index' and tbl_name in ('directory_users', 'change_events') and sql is not null`.execute(
      store.db,
    );
    return rows.map((r) => `${r.name}: ${r.sql}`).sort();
  }
  const { rows } = await sql<{
    indexname: string;
    indexdef: string;
  }>`select indexname, indexdef from pg_indexes
    where tablename in ('directory_users', 'change_events')`.execute(store.db);
  return rows.map((r) => `${r.indexname}: ${r.indexdef}`).sort();
}

describeEachDialect('a first sync of 12,000 users published in bulk (%s)', (dialect) => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let app: Seatwise;
  let store: Store;
  let before: string[];

  beforeAll(async () => {
    emulator = await startEmulator({ users: USERS, plan: 'enterprise', seed: 61 });
    db = await createTestDatabase(dialect);
    app = await createSeatwise(db.config);
    store = await openStore({ databaseUrl: db.config.DATABASE_URL, dataDir: db.config.SEATWISE_DATA_DIR });
    before = await indexesOf(store);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await store?.close();
    await app?.close();
    await db?.cleanup();
    await emulator?.close();
  });

  const countOf = async (table: 'directory_users' | 'change_events') =>
    Number(
      (
        await store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('fails in the middle of its publish and leaves the copy and every index as they were', async () => {
    const connection = await app.connections.add({
      token: emulator.accounts[0]!.tokens.admin,
      apiUrl: emulator.graphqlUrl,
    });
    // The teams are written after the users, inside the same transaction: the users are in, and on SQLite
    // the indexes are set aside until the end of the publish.
    let during: string[] = [];
    vi.spyOn(TeamsRepo.prototype, 'apply').mockImplementationOnce(async (trx) => {
      during = await indexesOf({ dialect: store.dialect, db: trx });
      throw new Error('the disk is full');
    });
    const failed = await app.sync.sync(connection.id);
    expect(failed.status).toBe('failed');
    expect(failed.error?.message).toContain('the disk is full');
    expect(await countOf('directory_users')).toBe(0);
    expect(await countOf('change_events')).toBe(0);
    expect(await indexesOf(store)).toEqual(before);
    if (dialect === 'sqlite') {
      expect(during.some((i) => i.startsWith('directory_users_by_email'))).toBe(false);
      expect(during.length).toBe(0);
    } else expect(during).toEqual(before);
  });

  it('succeeds next time with every user, every event and every index in place', async () => {
    const [connection] = await app.connections.list();
    const result = await app.sync.sync(connection!.id);
    expect(result.status).toBe('succeeded');
    expect(await countOf('directory_users')).toBe(USERS);
    expect(await indexesOf(store)).toEqual(before);
    // The indexes answer what they are for: the users list's sorts and a run's events.
    const page = await app.users.page(
      { connectionId: connection!.id },
      { sort: 'email', direction: 'asc', limit: 3 },
    );
    const emails = emulator.accounts[0]!.users.map((u) => u.email.toLowerCase()).sort();
    expect(page.users.map((u) => u.email)).toEqual(emails.slice(0, 3));
    const added = await store.db
      .selectFrom('change_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('run_id', '=', result.runId)
      .where('kind', '=', 'added')
      .executeTakeFirstOrThrow();
    expect(Number(added.n)).toBe(USERS);
  });
});
