import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { runCli } from './helpers/cli.ts';

describe('where the CLI and the server keep their data', () => {
  let emulator: RunningEmulator;
  let root: string;
  beforeAll(async () => {
    emulator = await startEmulator({ users: 20, plan: 'pro', seed: 61 });
    root = mkdtempSync(join(tmpdir(), 'seatwise-datadir-'));
  });
  afterAll(async () => {
    rmSync(root, { recursive: true, force: true });
    await emulator?.close();
  });

  /** A user with their own home, no SEATWISE_DATA_DIR, running commands from `folder`. */
  function as(home: string) {
    const env = {
      HOME: home,
      XDG_DATA_HOME: '',
      SEATWISE_DATA_DIR: '',
      DATABASE_URL: '',
      SEATWISE_ALLOWED_ENDPOINTS: new URL(emulator.graphqlUrl).origin,
    };
    return (folder: string, ...args: string[]) => {
      mkdirSync(folder, { recursive: true });
      return runCli(args, env, '', folder);
    };
  }

  it('uses the user data directory from any folder, says so, and never creates a second, empty database', async () => {
    const home = join(root, 'home');
    const seatwise = as(home);
    const dataFile = join(home, '.local', 'share', 'seatwise', 'seatwise.db');

    const before = await seatwise(join(root, 'a'), 'connections');
    expect(before.code).toBe(3);
    expect(before.stderr).toContain(`no Seatwise database at ${dataFile}`);
    expect(before.stderr).toContain('SEATWISE_DATA_DIR');
    expect(existsSync(join(home, '.local'))).toBe(false);
    expect(existsSync(join(root, 'a', 'data'))).toBe(false);

    const help = await seatwise(join(root, 'a'), '--help');
    expect(help.stdout).toContain(`Data: ${dataFile} (the default; set SEATWISE_DATA_DIR to use another)`);

    const connected = await seatwise(
      join(root, 'a'),
      'connect',
      '--token',
      emulator.accounts[0]!.tokens.admin,
      '--api-url',
      emulator.graphqlUrl,
    );
    expect(connected.stderr).toBe('');
    expect(existsSync(dataFile)).toBe(true);

    const elsewhere = await seatwise(join(root, 'b', 'deeper'), 'connections');
    expect(elsewhere.code).toBe(0);
    expect(elsewhere.stdout).toContain(emulator.accounts[0]!.slug);
    expect(elsewhere.stdout).toContain(`Data: ${dataFile}`);
    expect(existsSync(join(root, 'b', 'deeper', 'data'))).toBe(false);

    const explicit = await runCli(['connections'], { HOME: home, SEATWISE_DATA_DIR: join(root, 'mine') });
    expect(explicit.code).toBe(3);
    expect(explicit.stderr).toContain(`no Seatwise database at ${join(root, 'mine', 'seatwise.db')}`);
    expect(existsSync(join(root, 'mine'))).toBe(false);
  });

  it('points to a database an earlier version left in ./data instead of starting an empty one', async () => {
    const project = join(root, 'project');
    const legacy = await runCli(
      ['connect', '--token', emulator.accounts[0]!.tokens.admin, '--api-url', emulator.graphqlUrl],
      { SEATWISE_DATA_DIR: join(project, 'data'), SEATWISE_ALLOWED_ENDPOINTS: '*' },
    );
    expect(legacy.code).toBe(0);
    const seatwise = as(join(root, 'home2'));
    const listed = await seatwise(project, 'connections');
    expect(listed.code).toBe(3);
    expect(listed.stderr).toContain(`set SEATWISE_DATA_DIR=${join(project, 'data')} to use it`);
    const served = await seatwise(project, 'serve');
    expect(served.code).toBe(5);
    expect(served.stderr).toContain(`A Seatwise database exists in ${join(project, 'data')}`);
    expect(existsSync(join(root, 'home2', '.local'))).toBe(false);
  });
});
