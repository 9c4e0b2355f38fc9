import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeatwise, type Seatwise } from '../src/compose.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { freePort, runCli, spawnCli, startServeWithKey, waitFor } from './helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from './helpers/databases.ts';

const USERS = 100_000;

describe('the server and a CLI sync on one SQLite data directory', () => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let serve: Awaited<ReturnType<typeof startServeWithKey>> | undefined;

  beforeAll(async () => {
    emulator = await startEmulator({ users: USERS, plan: 'pro', seed: 84 });
    db = await createTestDatabase('sqlite');
    env = { ...db.env, SEATWISE_PORT: String(await freePort()), LOG_LEVEL: 'info' };
  });
  afterAll(async () => {
    serve?.child.kill('SIGTERM');
    await db?.cleanup();
    await emulator?.close();
  });

  it(`answers every request while a CLI sync commits ${USERS.toLocaleString('en')} users, never with a 500`, async () => {
    const connected = await runCli(
      ['connect', '--token', emulator.accounts[0]!.tokens.admin, '--api-url', emulator.graphqlUrl, '--json'],
      env,
    );
    expect(connected.code).toBe(0);
    const connectionId = JSON.parse(connected.stdout).id;
    serve = await startServeWithKey(env);
    const { base, headers } = serve;

    const sync = spawnCli(['sync', connectionId, '--json'], env);
    let finished = false;
    void sync.done.then(() => {
      finished = true;
    });
    const answers: { what: string; status: number; body: string }[] = [];
    const call = async (what: string, path: string, init: RequestInit = {}) => {
      const response = await fetch(`${base}${path}`, { ...init, headers });
      answers.push({ what, status: response.status, body: await response.text() });
    };
    // Reads, and writes too (a new key, a refused action that is audited), for as long as the sync runs.
    for (let round = 0; !finished && round < 5_000; round++) {
      await Promise.all([
        call('health', '/health'),
        call('users', `/api/users?connectionId=${connectionId}&limit=50`),
        call('connections', '/api/connections'),
        call('runs', '/api/runs'),
        round % 5 === 0
          ? call('new key', '/api/keys', {
              method: 'POST',
              body: JSON.stringify({ role: 'viewer', name: `reader ${round}` }),
            })
          : call('audit', '/api/audit'),
        round % 5 === 2
          ? call('refused action', '/api/actions', {
              method: 'POST',
              body: JSON.stringify({ action: 'reactivate', connectionId, targets: [{ userId: '1' }] }),
            })
          : Promise.resolve(),
      ]);
    }
    const { code } = await sync.done;
    expect(code).toBe(0);
    expect(JSON.parse(sync.stdout())[0]).toMatchObject({ status: 'succeeded', usersSeen: USERS });

    const failures = answers.filter((a) => a.status >= 500);
    expect(failures).toEqual([]);
    expect(answers.filter((a) => a.what === 'health').length).toBeGreaterThan(3);
    for (const a of answers) {
      const expected = a.what === 'new key' ? 201 : a.what === 'refused action' ? 403 : 200;
      expect([a.what, a.status]).toEqual([a.what, expected]);
    }
    // Once the sync is in, the server sees all of it.
    const page = await fetch(`${base}/api/users?connectionId=${connectionId}&limit=1&total=true`, {
      headers,
    });
    expect(((await page.json()) as { total: number }).total).toBe(USERS);
  });
});

/** Another process holding the main database file's write lock (as a sync publishing does) until told to let go. */
function holdWriteLock(file: string) {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('begin immediate');
    process.stdout.write('locked\\n');
    process.stdin.once('data', () => { db.exec('rollback'); db.close(); process.exit(0); });`;
  const child = spawn(process.execPath, ['-e', script, file], { cwd: process.cwd() });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  return {
    locked: () => waitFor(() => out.includes('locked'), 'the other process to take the lock'),
    release: () => child.stdin.write('go\n'),
    exited: new Promise<number | null>((resolve) => child.on('exit', resolve)),
  };
}

describe("a server whose write waits on another process's lock", () => {
  let db: TestDatabase;
  let serve: Awaited<ReturnType<typeof startServeWithKey>> | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
  });
  afterAll(async () => {
    serve?.child.kill('SIGTERM');
    await db?.cleanup();
  });

  it('keeps answering other requests meanwhile, and the write lands once the lock is free', async () => {
    const env = { ...db.env, SEATWISE_PORT: String(await freePort()), LOG_LEVEL: 'info' };
    serve = await startServeWithKey(env);
    const { base, headers } = serve;
    const lock = holdWriteLock(join(db.dataDir, 'seatwise.db'));
    await lock.locked();
    // A write (a new key) has to wait for the lock...
    let written: Response | null = null;
    const write = fetch(`${base}/api/keys`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ role: 'viewer', name: 'waits for the lock' }),
    }).then((response) => {
      written = response;
    });
    // ...while the server answers health checks and reads, many times over, before the write is done.
    const answered: number[] = [];
    await waitFor(async () => {
      const [health, keys] = await Promise.all([
        fetch(`${base}/health`),
        fetch(`${base}/api/keys`, { headers }),
      ]);
      if (health.status === 200 && keys.status === 200) answered.push(1);
      return answered.length >= 20;
    }, 'the server to answer while its write waits');
    expect(written).toBeNull();
    lock.release();
    await lock.exited;
    await write;
    expect(written!.status).toBe(201);
    const { keys } = (await (await fetch(`${base}/api/keys`, { headers })).json()) as {
      keys: { name: string }[];
    };
    expect(keys.map((k) => k.name)).toContain('waits for the lock');
    expect(serve.err()).not.toContain('SQLITE_BUSY');
  });
});

describe("a sync reading while another process holds the database's write lock", () => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let app: Seatwise;

  beforeAll(async () => {
    emulator = await startEmulator({ users: 12_000, plan: 'pro', seed: 85 });
    db = await createTestDatabase('sqlite');
    app = await createSeatwise(db.config);
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
    await emulator?.close();
  });

  it('goes on reading and staging pages meanwhile, then publishes once the lock is free', async () => {
    const { id } = await app.connections.add({
      token: emulator.accounts[0]!.tokens.admin,
      apiUrl: emulator.graphqlUrl,
    });
    const held: { lock?: ReturnType<typeof holdWriteLock> } = {};
    const stagedWhileLocked: number[] = [];
    const result = await app.sync.sync(id, {
      onProgress: async ({ pagesRead }) => {
        if (pagesRead === 1) {
          held.lock = holdWriteLock(join(db.dataDir, 'seatwise.db'));
          await held.lock.locked();
        } else if (held.lock && pagesRead < 12) stagedWhileLocked.push(pagesRead);
        // Every page but the last is read and staged under the other process's lock; then it lets go.
        if (pagesRead === 11) {
          held.lock?.release();
          await held.lock?.exited;
        }
      },
    });
    expect(stagedWhileLocked).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(result).toMatchObject({ status: 'succeeded', usersSeen: 12_000 });
    expect(await app.users.list({ connectionId: id })).toHaveLength(12_000);
  });
});
