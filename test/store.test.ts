import { statSync } from 'node:fs';
import { join } from 'node:path';
import { type Insertable, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupUsers, type InsightGroup } from '../src/domain/insights.ts';
import { openStore, type Store } from '../src/store/database.ts';
import { DirectoryRepo, type UserPosition, userSortKeys } from '../src/store/directoryRepo.ts';
import type { ConnectionsTable } from '../src/store/schema.ts';
import { newKdfParams, SecretBox, sealedAt } from '../src/store/secretBox.ts';
import { diffUsers, type IncomingUser } from '../src/sync/diff.ts';
import { adminUrl, createTestDatabase, describeEachDialect, type TestDatabase } from './helpers/databases.ts';

const user = (id: string, extra: Partial<IncomingUser> = {}): IncomingUser => ({
  remoteId: id,
  name: `User ${id}`,
  email: `u${id}@x.org`,
  title: '',
  kind: 'member',
  role: 'member',
  status: 'active',
  license: 'member',
  lastActivityAt: '2026-11-01T00:00:00.000Z',
  createdAt: '2025-01-01T00:00:00.000Z',
  scimLinked: false,
  invitationMethod: 'USER',
  explanation: 'member seat: kind=member, status=active',
  ...extra,
});

/** A stored connection to account 1 at http://x/v2, for tests that need one to hang rows on. */
function connectionRow(id: string): Insertable<ConnectionsTable> {
  return {
    id,
    account_id: '1',
    account_name: 'A',
    account_slug: 'a',
    account_url: null,
    plan_tier: 'pro',
    max_users: 10,
    api_url: 'http://x/v2',
    api_version: '2026-07',
    scim_url: null,
    permission: 'read',
    token_ciphertext: 'v1:x',
    scim_token_ciphertext: null,
    token_owner_id: '1',
    token_owner_kind: 'admin',
    status: 'connected',
    status_reason: null,
    last_synced_at: null,
    created_at: 't',
    updated_at: 't',
    copy_seq: 0,
    inactive_days: 90,
    seat_price: null,
    currency: null,
    webhook_ciphertext: null,
    sync_schedule: '0 */6 * * *',
    next_sync_at: null,
    removal_hold_percent: 10,
    removal_hold_min: 20,
    graphql_offboarding: 0,
  };
}

describeEachDialect('store (%s)', (dialect) => {
  let db: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    store = await openStore({ dataDir: db.dataDir, databaseUrl: db.databaseUrl });
    await store.db.insertInto('connections').values(connectionRow('con_1')).execute();
  });
  afterAll(async () => {
    await store?.close();
    await db?.cleanup();
  });

  it('applies migrations once: opening the store again is a no-op', async () => {
    const again = await openStore({ dataDir: db.dataDir, databaseUrl: db.databaseUrl });
    const rows = await again.db.selectFrom('connections').select('id').execute();
    await again.close();
    expect(rows).toEqual([{ id: 'con_1' }]);
    if (dialect === 'sqlite') expect(statSync(join(db.dataDir, 'seatwise.db')).mode & 0o777).toBe(0o600);
  });

  it('refuses a second connection to the same account on the same endpoint', async () => {
    const duplicate = store.db.insertInto('connections').values(connectionRow('con_2')).execute();
    await expect(duplicate).rejects.toThrow();
  });

  it('upserts by (connection, remote id): applying the same page twice changes nothing', async () => {
    const repo = new DirectoryRepo(store.db, dialect);
    const incoming = [user('1'), user('2', { role: 'viewer', license: 'viewer' })];
    const first = diffUsers('con_1', null, new Map(), incoming, '2026-11-29T00:00:00.000Z');
    await store.db.transaction().execute((trx) => repo.upsert(trx, first.upserts));
    await store.db.transaction().execute((trx) => repo.upsert(trx, first.upserts));
    const rows = await repo.getMany('con_1', ['1', '2', '3']);
    expect(rows.map((r) => [r.remote_id, r.role, r.license]).sort()).toEqual([
      ['1', 'member', 'member'],
      ['2', 'viewer', 'viewer'],
    ]);
    const again = diffUsers(
      'con_1',
      null,
      new Map(rows.map((r) => [r.remote_id, r])),
      incoming,
      '2026-11-30T00:00:00.000Z',
    );
    expect(again).toEqual({ upserts: [], events: [] });
  });

  it('escapes LIKE wildcards in searches', async () => {
    const repo = new DirectoryRepo(store.db, dialect);
    expect(await repo.query({ connectionId: 'con_1', search: '%' })).toEqual([]);
    expect((await repo.query({ connectionId: 'con_1', search: 'USER 2' })).map((r) => r.remote_id)).toEqual([
      '2',
    ]);
  });

  it.runIf(dialect === 'postgres')(
    'survives the server dropping its idle connections, and answers the next query',
    async () => {
      await sql`select 1`.execute(store.db);
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      try {
        const { rowCount } = await admin.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1',
          [new URL(db.databaseUrl!).pathname.slice(1)],
        );
        expect(rowCount).toBeGreaterThan(0);
      } finally {
        await admin.end();
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(store.db);
      expect(rows).toEqual([{ one: 1 }]);
    },
  );

  it('pages every sort by keyset in byte order, both directions, the same as one unpaged read', async () => {
    const repo = new DirectoryRepo(store.db, dialect);
    await store.db
      .insertInto('connections')
      .values({ ...connectionRow('con_k'), account_id: 'k' })
      .execute();
    const names = ['Ärne', 'anna', 'Anna', 'Zoë', 'bob', '=cmd', ''];
    const incoming = Array.from({ length: 257 }, (_, i) =>
      user(String(1000 + i), {
        name: names[i % names.length]!,
        email: `p${(i * 7919) % 257}@x.org`,
        role: (['member', 'viewer', 'guest', 'admin'] as const)[i % 4],
        license: i % 5 === 0 ? null : 'member',
        lastActivityAt: i % 3 === 0 ? null : new Date(Date.UTC(2026, 0, 1 + (i % 40))).toISOString(),
      }),
    );
    const { upserts } = diffUsers('con_k', null, new Map(), incoming, '2026-11-29T00:00:00.000Z');
    await store.db.transaction().execute((trx) => repo.upsert(trx, upserts));
    const bytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
    for (const sort of userSortKeys) {
      for (const direction of ['asc', 'desc'] as const) {
        const whole = (await repo.query({ connectionId: 'con_k' }, { sort, direction })).map(
          (r) => r.remote_id,
        );
        const keys = (await repo.query({ connectionId: 'con_k' }, { sort, direction })).map(
          (r) => r.sort_key,
        );
        const sorted = [...keys].sort(bytes);
        expect(keys).toEqual(direction === 'asc' ? sorted : sorted.reverse());
        const paged: string[] = [];
        let after: UserPosition | undefined;
        for (;;) {
          const rows = await repo.query({ connectionId: 'con_k' }, { sort, direction, limit: 7, after });
          paged.push(...rows.map((r) => r.remote_id));
          if (rows.length < 7) break;
          const last = rows[rows.length - 1]!;
          after = [last.sort_key, last.connection_id, last.remote_id];
        }
        expect([sort, direction, paged]).toEqual([sort, direction, whole]);
        expect(new Set(paged).size).toBe(257);
      }
    }
    const none = await repo.query({ connectionId: 'con_k', license: 'none' });
    expect(none.map((r) => r.remote_id).sort()).toEqual(
      incoming
        .filter((u) => u.license === null)
        .map((u) => u.remoteId)
        .sort(),
    );
    const now = new Date('2026-03-01T00:00:00.000Z');
    const groups = await repo.insightGroups('con_k', now, 45);
    const key = (g: InsightGroup) => `${g.role}|${g.status}|${g.license}`;
    expect(groups.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      groupUsers(incoming, now, 45).sort((a, b) => key(a).localeCompare(key(b))),
    );
  });

  it('allows one running sync per connection', async () => {
    const run = (id: string) =>
      store.db
        .insertInto('sync_runs')
        .values({
          id,
          connection_id: 'con_1',
          trigger: 't',
          status: 'running',
          started_at: 't',
          finished_at: null,
          complete: 0,
          pages_read: 0,
          users_seen: 0,
          changes: 0,
          requests: 0,
          retries: 0,
          removals_held: 0,
          error_code: null,
          error_message: null,
          error_request_id: null,
          kept_for_actions: 0,
        })
        .execute();
    await run('run_a');
    await expect(run('run_b')).rejects.toThrow();
  });
});

describe('secret box', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
  });
  afterAll(() => db.cleanup());

  it('creates a 0600 key file on first use and round-trips secrets with a fresh IV each time', () => {
    const box = SecretBox.load({ dataDir: db.dataDir });
    expect(statSync(join(db.dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
    const at = sealedAt('token_ciphertext', 'con_1');
    const a = box.encrypt('token-123', at);
    const b = box.encrypt('token-123', at);
    expect(a).not.toBe(b);
    expect(a).not.toContain('token-123');
    expect(SecretBox.load({ dataDir: db.dataDir }).decrypt(a, at)).toBe('token-123');
  });

  it('uses SEATWISE_SECRET_KEY when set, and says so when a stored secret cannot be opened with another key', () => {
    const at = sealedAt('token_ciphertext', 'con_1');
    const kdf = newKdfParams();
    const sealed = SecretBox.load({ dataDir: db.dataDir, secretKey: 'first-key-0123456789', kdf }).encrypt(
      'x',
      at,
    );
    expect(() =>
      SecretBox.load({ dataDir: db.dataDir, secretKey: 'other-key-0123456789', kdf }).decrypt(sealed, at),
    ).toThrow(/SEATWISE_SECRET_KEY/);
  });
});
