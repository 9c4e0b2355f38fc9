import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { freePort, runCli, spawnCli, startServe } from './helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from './helpers/databases.ts';

const USERS = 100_000;

describe('the server and a CLI sync on one SQLite data directory', () => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let serve: Awaited<ReturnType<typeof startServe>> | undefined;

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
    serve = await startServe(env);
    const key = /\n {4}(sw_\S+)\n/.exec(serve.err())?.[1];
    expect(key).toBeDefined();
    const base = `http://127.0.0.1:${env.SEATWISE_PORT}`;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

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
