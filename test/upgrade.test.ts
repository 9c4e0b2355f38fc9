import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSeatwise } from '../src/compose.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { buildServer } from '../src/http/server.ts';
import { migrationsFor } from '../src/store/migrations/index.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from './helpers/databases.ts';

/** Both describeEachDialect seal with this passphrase here, as the first release did: v1, AES-256-GCM under sha256(key). */
const KEY = 'seatwise-upgrade-test-key-0123456789';

function sealedAsTheFirstRelease(plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', createHash('sha256').update(KEY, 'utf8').digest(), iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `v1:${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')}`;
}

/** A database with no schema yet, opened without Seatwise's migrations. */
async function openBare(
  db: TestDatabase,
): Promise<{ db: Kysely<any>; dialect: 'sqlite' | 'postgres'; close(): Promise<void> }> {
  if (db.databaseUrl) {
    const pool = new pg.Pool({ connectionString: db.databaseUrl, max: 2 });
    pool.on('error', () => {});
    const k = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    return { db: k, dialect: 'postgres', close: () => k.destroy() };
  }
  const k = new Kysely<any>({
    dialect: new SqliteDialect({ database: new BetterSqlite3(join(db.dataDir, 'seatwise.db')) }),
  });
  return { db: k, dialect: 'sqlite', close: () => k.destroy() };
}

/**
 * The oldest schema (001) holding data in every one of its tables, as the first Seatwise wrote it: the database
 * an installation from the first release brings to an upgrade.
 */
async function oldestWithData(db: TestDatabase, emulator: RunningEmulator) {
  // The oldest schema only, as the first release made it.
  const store = await openBare(db);
  const all = await migrationsFor(store.dialect).getMigrations();
  const migrator = new Migrator({
    db: store.db,
    provider: { getMigrations: async () => ({ '001_initial': all['001_initial']! }) },
  });
  const made = await migrator.migrateToLatest();
  expect(made.error).toBeUndefined();
  expect(made.results?.map((r) => r.migrationName)).toEqual(['001_initial']);
  const old = store.db;
  const account = emulator.accounts[0]!;
  const at = '2026-01-05T10:00:00.000Z';
  await old
    .insertInto('connections')
    .values({
      id: 'con_0000000000000001',
      account_id: account.id,
      account_name: account.name,
      account_slug: account.slug,
      account_url: null,
      plan_tier: 'enterprise',
      max_users: 100,
      api_url: emulator.graphqlUrl,
      api_version: '2026-07',
      scim_url: null,
      permission: 'read',
      token_ciphertext: sealedAsTheFirstRelease(account.tokens.admin),
      scim_token_ciphertext: null,
      token_owner_id: account.users[0]!.id,
      token_owner_kind: 'admin',
      status: 'connected',
      status_reason: null,
      last_synced_at: at,
      created_at: at,
      updated_at: at,
    })
    .execute();
  const people = [
    ['101', 'Ada Admin', 'ada@acme.test', 'admin', 'active', 'member'],
    ['102', 'Bo Member', 'bo@acme.test', 'member', 'active', 'member'],
    ['103', 'Cy Viewer', 'cy@acme.test', 'viewer', 'active', 'viewer'],
    ['104', 'Di Gone', 'di@acme.test', 'member', 'deactivated', null],
  ] as const;
  await old
    .insertInto('directory_users')
    .values(
      people.map(([id, name, email, role, status, license]) => ({
        connection_id: 'con_0000000000000001',
        remote_id: id,
        name,
        email,
        title: '',
        role,
        status,
        license,
        last_activity_at: at,
        remote_created_at: at,
        scim_linked: 0,
        invitation_method: 'USER',
        explanation: license ? `${role}: ${license} seat` : 'deactivated: no seat',
        first_seen_at: at,
        updated_at: at,
        removed_at: null,
      })),
    )
    .execute();
  await old
    .insertInto('sync_runs')
    .values({
      id: 'run_0000000000000001',
      connection_id: 'con_0000000000000001',
      trigger: 'manual',
      status: 'succeeded',
      started_at: at,
      finished_at: at,
      complete: 1,
      pages_read: 1,
      users_seen: 4,
      changes: 5,
      requests: 2,
      retries: 0,
      error_code: null,
      error_message: null,
    })
    .execute();
  await old
    .insertInto('change_events')
    .values([
      ...people.map(([id]) => ({
        connection_id: 'con_0000000000000001',
        run_id: 'run_0000000000000001',
        remote_user_id: id,
        kind: 'added',
        before_value: null,
        after_value: null,
        occurred_at: at,
      })),
      {
        connection_id: 'con_0000000000000001',
        run_id: 'run_0000000000000001',
        remote_user_id: '104',
        kind: 'status_changed',
        before_value: JSON.stringify('active'),
        after_value: JSON.stringify('deactivated'),
        occurred_at: at,
      },
    ])
    .execute();
  // Values are JSON, as the first release wrote them (src/sync/diff.ts). Every table of the oldest schema holds data.
  const tables = (await old.introspection.getTables())
    .map((t) => t.name)
    .filter((n) => !n.startsWith('kysely_'));
  for (const table of tables) {
    const { n } = (await old
      .selectFrom(table)
      .select((e) => e.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()) as {
      n: number | string;
    };
    expect(Number(n), table).toBeGreaterThan(0);
  }
  await store.close();
}

describeEachDialect('an upgrade from the oldest schema (%s)', (dialect) => {
  let emulator: RunningEmulator;
  let db: TestDatabase;

  beforeAll(async () => {
    emulator = await startEmulator({ users: 40, plan: 'enterprise', seed: 72 });
    db = await createTestDatabase(dialect);
    await oldestWithData(db, emulator);
  });
  afterAll(async () => {
    await db?.cleanup();
    await emulator?.close();
  });

  it('migrates to the newest schema and the API reads back what the oldest one held', async () => {
    const app = await createSeatwise(
      { ...db.config, SEATWISE_SECRET_KEY: KEY },
      { remote: { baseDelayMs: 1 } },
    );
    const server = await buildServer(app, { logLevel: 'silent' });
    try {
      const key = (await app.keys.create('admin', 'upgrade')).key;
      const get = async (url: string) => {
        const r = await server.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
        expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
        return r.json();
      };
      const connection = await get('/api/connections/con_0000000000000001');
      // The old default pin now follows monday's current version (migration 017).
      expect(connection).toMatchObject({
        accountName: emulator.accounts[0]!.name,
        permission: 'read',
        apiVersion: 'current',
        userCount: 4,
      });
      const users = await get('/api/users?connectionId=con_0000000000000001&sort=email');
      expect(users.users.map((u: any) => [u.email, u.role, u.status, u.license])).toEqual([
        ['ada@acme.test', 'admin', 'active', 'member'],
        ['bo@acme.test', 'member', 'active', 'member'],
        ['cy@acme.test', 'viewer', 'active', 'viewer'],
        ['di@acme.test', 'member', 'deactivated', null],
      ]);
      const run = await get('/api/runs/run_0000000000000001');
      expect(run).toMatchObject({ status: 'succeeded', usersSeen: 4, changes: 5 });
      const events = await get('/api/runs/run_0000000000000001/events');
      expect(events.events.map((e: any) => e.kind).sort()).toEqual([
        'added',
        'added',
        'added',
        'added',
        'status_changed',
      ]);
      const history = await get('/api/users/con_0000000000000001/104');
      expect(history.history.map((h: any) => h.kind)).toContain('status_changed');
      // The token sealed by the oldest schema still opens: a sync against monday completes.
      const synced = await server.inject({
        method: 'POST',
        url: '/api/connections/con_0000000000000001/sync',
        headers: { authorization: `Bearer ${key}` },
      });
      expect(synced.statusCode, synced.body).toBe(201);
      expect(synced.json().run).toMatchObject({ status: 'succeeded', complete: true });
      expect((await get('/api/connections/con_0000000000000001')).userCount).toBe(
        emulator.accounts[0]!.users.length,
      );
    } finally {
      await server.close();
      await app.close();
    }
  });
});
