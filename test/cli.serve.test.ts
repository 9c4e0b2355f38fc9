import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli, startServe } from './helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from './helpers/databases.ts';

describe('seatwise serve', () => {
  let db: TestDatabase;
  let port: number;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    port = await freePort();
    env = { ...db.env, SEATWISE_PORT: String(port), LOG_LEVEL: 'info' };
  });
  afterAll(() => db?.cleanup());

  it('prints a first admin key once, serves the API with it, and stops cleanly on SIGTERM', async () => {
    const first = await startServe(env);
    const key = /\n {4}(sw_\S+)\n/.exec(first.err())?.[1];
    expect(key).toBeDefined();
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    const list = await fetch(`http://127.0.0.1:${port}/api/connections`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(await list.json()).toEqual({ connections: [] });
    expect((await fetch(`http://127.0.0.1:${port}/api/connections`)).status).toBe(401);
    first.child.kill('SIGTERM');
    const [code] = await once(first.child, 'close');
    expect(code).toBe(0);
    const lines = first
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.some((l) => l.msg === 'shutting down: finishing requests in flight')).toBe(true);
    expect(first.out()).not.toContain(key);

    const second = await startServe(env);
    expect(second.err()).not.toContain('sw_');
    second.child.kill('SIGINT');
    await once(second.child, 'close');
    const keys = JSON.parse((await runCli(['keys', 'list', '--json'], env)).stdout);
    expect(keys.map((k: any) => [k.name, k.role])).toEqual([['initial admin key', 'admin']]);
  });

  it('creates, lists and revokes keys from the CLI', async () => {
    const created = JSON.parse(
      (await runCli(['keys', 'create', '--role', 'viewer', '--name', 'grafana', '--json'], env)).stdout,
    );
    expect(Object.keys(created)).toEqual(['id', 'key', 'role']);
    expect(created.role).toBe('viewer');
    const listed = await runCli(['keys', 'list'], env);
    expect(listed.stdout).toContain(created.id);
    expect(listed.stdout).not.toContain(created.key);
    expect((await runCli(['keys', 'revoke', created.id], env)).stdout).toBe(
      `Revoked API key ${created.id}.\n`,
    );
    const again = await runCli(['keys', 'revoke', created.id], env);
    expect(again.code).toBe(4);
  });

  it('refuses to start on a bad setting, naming it', async () => {
    const result = await runCli(['serve'], { ...env, SEATWISE_PORT: 'http' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('SEATWISE_PORT');
  });
});
