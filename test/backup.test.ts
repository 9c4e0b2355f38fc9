import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeatwise } from '../src/compose.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { freePort, runCli, startServeWithKey } from './helpers/cli.ts';
import { createTestDatabase, postgresAvailable, type TestDatabase } from './helpers/databases.ts';

const USERS = 6000;

/** What a backup file holds: the connection's users in the copy, and the names of the API keys. */
function readBackup(file: string): { users: number; keys: string[] } {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    const users = (
      db.prepare('select count(*) as n from directory_users where removed_at is null').get() as { n: number }
    ).n;
    const keys = (db.prepare('select name from api_keys').all() as { name: string }[]).map((r) => r.name);
    return { users, keys };
  } finally {
    db.close();
  }
}

describe('seatwise backup and restore', () => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let connectionId: string;
  let serve: Awaited<ReturnType<typeof startServeWithKey>> | undefined;
  const made: TestDatabase[] = [];
  const fresh = async () => {
    const d = await createTestDatabase('sqlite');
    made.push(d);
    return d;
  };
  /** The backup every later test restores: written while the server synced and took keys. */
  let lastBackup: string;
  let keyBeforeLastBackup: string;

  beforeAll(async () => {
    emulator = await startEmulator({ users: USERS, plan: 'enterprise', seed: 38 });
    db = await fresh();
    // Connected, not yet synced: the server's first sync runs during the backups.
    const app = await createSeatwise(db.config);
    connectionId = (
      await app.connections.add({
        token: emulator.accounts[0]!.tokens.admin,
        apiUrl: emulator.graphqlUrl,
        permission: 'read_and_act',
      })
    ).id;
    await app.close();
  });
  afterAll(async () => {
    serve?.child.kill('SIGTERM');
    for (const d of made) await d.cleanup();
    await emulator?.close();
  });

  it('copies the database while the server syncs and takes keys: each copy is whole, none half-written', async () => {
    const env = { ...db.env, SEATWISE_PORT: String(await freePort()) };
    serve = await startServeWithKey(env);
    const { base, headers } = serve;
    // monday answers slowly until the first backup is written, so that one is surely taken mid-sync.
    emulator.setFaults({ latencyMs: 1500 });
    let syncDone = false;
    const sync = fetch(`${base}/api/connections/${connectionId}/sync`, {
      method: 'POST',
      headers,
      body: '{}',
    }).then(async (r) => {
      syncDone = true;
      return { status: r.status, body: (await r.json()) as { run: { status: string; usersSeen: number } } };
    });
    // Keys are created one after another for as long as backups run; each is acknowledged before the next.
    const acknowledged: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const name = `during backup ${i}`;
        const r = await fetch(`${base}/api/keys`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ role: 'viewer', name }),
        });
        expect(r.status).toBe(201);
        acknowledged.push(name);
      }
    })();

    const backups: { file: string; ackedBefore: number; ackedAfter: number; duringSync: boolean }[] = [];
    for (let i = 0; !syncDone || backups.length < 4; i++) {
      const file = join(db.dataDir, `..`, `${db.dataDir.split('/').at(-1)}-backup-${i}.db`);
      const ackedBefore = acknowledged.length;
      const duringSync = !syncDone;
      const run = await runCli(['backup', file, '--json'], env);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ file, connections: 1 });
      backups.push({ file, ackedBefore, ackedAfter: acknowledged.length, duringSync });
      if (i === 0) emulator.setFaults({ latencyMs: 0 });
      expect(i).toBeLessThan(200);
    }
    writing = false;
    await writer;
    const synced = await sync;
    expect(synced.status).toBe(201);
    expect(synced.body.run).toMatchObject({ status: 'succeeded', usersSeen: USERS });

    expect(backups.some((b) => b.duringSync)).toBe(true);
    for (const b of backups) {
      const copy = readBackup(b.file);
      // The sync's users land in one transaction: a copy holds all of them or none.
      expect([0, USERS]).toContain(copy.users);
      // Every key acknowledged before the backup began is in it; none it holds was made after it ended.
      const mine = copy.keys.filter((k) => k.startsWith('during backup'));
      expect(acknowledged.slice(0, b.ackedBefore).filter((k) => !mine.includes(k))).toEqual([]);
      const made = new Set(Array.from({ length: b.ackedAfter + 1 }, (_, n) => `during backup ${n}`));
      expect(mine.filter((k) => !made.has(k))).toEqual([]);
      // One file: no journal beside it, no partial file left.
      expect(existsSync(`${b.file}-wal`)).toBe(false);
    }
    expect(readdirSync(join(db.dataDir, '..')).filter((f) => f.includes('.partial-'))).toEqual([]);
    // The first was taken while the sync read monday, before it published; the last after it.
    expect(readBackup(backups[0]!.file).users).toBe(0);
    const after = backups.at(-1)!;
    expect(readBackup(after.file).users).toBe(USERS);
    lastBackup = after.file;
    keyBeforeLastBackup = serve.key;
    // A backup never overwrites a file unless told to.
    const again = await runCli(['backup', lastBackup], env);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain('already exists');
  });

  it('restores into a new data directory with the same key; the server reads it back through the API', async () => {
    const target = await fresh();
    copyFileSync(join(db.dataDir, 'secret.key'), join(target.dataDir, 'secret.key'));
    const run = await runCli(['restore', lastBackup], target.env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Restored ${lastBackup} into ${join(target.dataDir, 'seatwise.db')}`);
    expect(run.stdout).toContain(`${USERS.toLocaleString('en-US')} users`);
    expect(readdirSync(target.dataDir).filter((f) => f.startsWith('.restore-'))).toEqual([]);

    const env = { ...target.env, SEATWISE_PORT: String(await freePort()) };
    const { startServe } = await import('./helpers/cli.ts');
    const restored = await startServe(env);
    try {
      const base = `http://127.0.0.1:${env.SEATWISE_PORT}`;
      // The key made on the original server before the backup works here.
      const headers = { authorization: `Bearer ${keyBeforeLastBackup}` };
      const users = await fetch(`${base}/api/users?connectionId=${connectionId}&total=true&limit=1`, {
        headers,
      });
      expect(users.status).toBe(200);
      expect(((await users.json()) as { total: number }).total).toBe(USERS);
      const connection = await fetch(`${base}/api/connections/${connectionId}`, { headers });
      expect(connection.status).toBe(200);
      expect(JSON.stringify(await connection.json())).not.toContain(emulator.accounts[0]!.tokens.admin);
    } finally {
      restored.child.kill('SIGTERM');
      await new Promise((r) => restored.child.once('close', r));
    }
    // The tokens open with the key: doctor reaches monday with them.
    const doctor = await runCli(['doctor', '--json'], target.env);
    expect(doctor.code).toBe(0);
  });

  it('replaces a database only with --force, keeps the one it replaced, and refuses while a server runs', async () => {
    const target = await fresh();
    copyFileSync(join(db.dataDir, 'secret.key'), join(target.dataDir, 'secret.key'));
    const env = { ...target.env, SEATWISE_PORT: String(await freePort()) };
    const running = await startServeWithKey(env);
    try {
      const without = await runCli(['restore', lastBackup], target.env);
      expect(without.code).toBe(4);
      expect(without.stderr).toContain('pass --force');
      const busy = await runCli(['restore', lastBackup, '--force'], target.env);
      expect(busy.code).toBe(5);
      expect(busy.stderr).toContain('is in use by another Seatwise process');
    } finally {
      running.child.kill('SIGTERM');
      await new Promise((r) => running.child.once('close', r));
    }
    const run = await runCli(['restore', lastBackup, '--force', '--json'], target.env);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { previous: string; users: number };
    expect(result.users).toBe(USERS);
    // The database it replaced: the server's first admin key, no users.
    const previous = new BetterSqlite3(result.previous, { readonly: true });
    try {
      expect(previous.prepare('select count(*) as n from directory_users').get()).toEqual({ n: 0 });
      expect(previous.prepare('select count(*) as n from api_keys').get()).toEqual({ n: 1 });
    } finally {
      previous.close();
    }
    expect(readBackup(join(target.dataDir, 'seatwise.db')).users).toBe(USERS);
  });

  it('refuses a backup whose tokens do not open with this key, one from a newer Seatwise, and a file that is no backup', async () => {
    // Another installation's key.
    const stranger = await fresh();
    writeFileSync(join(stranger.dataDir, 'secret.key'), `${randomBytes(32).toString('base64')}\n`, {
      mode: 0o600,
    });
    const wrongKey = await runCli(['restore', lastBackup], stranger.env);
    expect(wrongKey.code).toBe(5);
    expect(wrongKey.stderr).toContain("do not open with this installation's secret key");
    expect(existsSync(join(stranger.dataDir, 'seatwise.db'))).toBe(false);

    // No key at all: it says which key it needs.
    const keyless = await fresh();
    const noKey = await runCli(['restore', lastBackup], keyless.env);
    expect(noKey.code).toBe(5);
    expect(noKey.stderr).toMatch(/sealed with key [0-9a-f]{12}, and .* has no secret\.key/);
    expect(existsSync(join(keyless.dataDir, 'seatwise.db'))).toBe(false);
    expect(existsSync(join(keyless.dataDir, 'secret.key'))).toBe(false);

    // A backup from a newer Seatwise: its schema has a migration this one does not know.
    const newer = join(stranger.dataDir, 'newer.db');
    copyFileSync(lastBackup, newer);
    const edit = new BetterSqlite3(newer);
    edit
      .prepare("insert into kysely_migration (name, timestamp) values ('999_from_the_future', 'now')")
      .run();
    edit.close();
    const target = await fresh();
    copyFileSync(join(db.dataDir, 'secret.key'), join(target.dataDir, 'secret.key'));
    const future = await runCli(['restore', newer], target.env);
    expect(future.code).toBe(5);
    expect(future.stderr).toContain('was made by a newer Seatwise');
    expect(future.stderr).toContain('999_from_the_future');

    const junk = join(stranger.dataDir, 'junk.db');
    writeFileSync(junk, 'not a database at all, just some text that is long enough');
    const notBackup = await runCli(['restore', junk], target.env);
    expect(notBackup.code).toBe(2);
    expect(notBackup.stderr).toContain('is not a Seatwise backup');
    const missing = await runCli(['restore', join(stranger.dataDir, 'nowhere.db')], target.env);
    expect(missing.code).toBe(3);
    // Nothing was put in place by any refusal.
    expect(existsSync(join(target.dataDir, 'seatwise.db'))).toBe(false);
    expect(readdirSync(target.dataDir).filter((f) => f.startsWith('.restore-'))).toEqual([]);
  });

  it.runIf(postgresAvailable)('points to pg_dump and pg_restore with PostgreSQL', async () => {
    const pg = await createTestDatabase('postgres');
    made.push(pg);
    const backup = await runCli(['backup', join(pg.dataDir, 'x.db')], pg.env);
    expect(backup.code).toBe(5);
    expect(backup.stderr).toContain('pg_dump --format=custom');
    const restore = await runCli(['restore', lastBackup], pg.env);
    expect(restore.code).toBe(5);
    expect(restore.stderr).toContain('pg_restore --clean');
  });
});
