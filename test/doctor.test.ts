import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { runCli, silentPort } from './helpers/cli.ts';
import { connectedSeatwise } from './helpers/connected.ts';
import { createTestDatabase, postgresAvailable, type TestDatabase } from './helpers/databases.ts';
import { oidcEnv, type RunningProvider, startProviderFor } from './helpers/oidcProvider.ts';
import { startSmtp } from './helpers/smtp.ts';

interface Check {
  check: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix: string | null;
}

/** `seatwise doctor --json` in its own process: its exit code and its checks. */
async function doctor(
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; checks: Check[]; text: string }> {
  const json = await runCli(['doctor', '--json', '--timeout', '5'], env);
  const text = await runCli(['doctor', '--timeout', '5'], env);
  expect(text.code).toBe(json.code);
  return { code: json.code, checks: JSON.parse(json.stdout), text: text.stdout };
}

const failed = (checks: Check[]) => checks.filter((c) => c.status === 'fail');

describe('seatwise doctor', () => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let connectionId: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    emulator = await startEmulator({ users: 60, plan: 'enterprise', seed: 61 });
    db = await createTestDatabase('sqlite');
    const connected = await connectedSeatwise(emulator, db);
    connectionId = connected.connectionId;
    await connected.app.close();
    env = { ...db.env, SEATWISE_ALLOWED_ENDPOINTS: new URL(emulator.graphqlUrl).origin };
  });
  afterAll(async () => {
    await db?.cleanup();
    await emulator?.close();
  });

  it('passes on a healthy installation, naming the database, the migrations, each connection and its API version', async () => {
    const { code, checks, text } = await doctor(env);
    expect(code).toBe(0);
    expect(failed(checks)).toEqual([]);
    expect(checks.find((c) => c.check === 'database')!.detail).toMatch(
      /^SQLite at .*seatwise\.db; all \d+ migrations applied$/,
    );
    const connection = checks.find((c) => c.check.startsWith(`connection ${connectionId}`))!;
    expect(connection).toMatchObject({ status: 'ok' });
    expect(connection.detail).toBe(
      `the token opens account ${emulator.accounts[0]!.name}; API follows monday's current version (served 2026-10)`,
    );
    expect(checks.find((c) => c.check === 'secret key')).toMatchObject({ status: 'ok' });
    expect(text).toMatch(/^ok {4}configuration: /m);
    expect(text.trimEnd().split('\n').at(-1)).toBe('Healthy.');
    // It changed nothing: no token, no key, no password in what it printed.
    expect(text).not.toContain(emulator.accounts[0]!.tokens.admin);
  });

  it('checks the SMTP server and the identity provider when they are configured', async () => {
    const smtp = await startSmtp();
    let provider: RunningProvider | undefined;
    try {
      provider = await startProviderFor('http://127.0.0.1:4310', {});
      const healthy = await doctor({
        ...env,
        SEATWISE_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        ...oidcEnv(provider, 'http://127.0.0.1:4310'),
      });
      expect(healthy.code).toBe(0);
      expect(healthy.checks.find((c) => c.check === 'smtp')!.detail).toBe(
        'the SMTP server accepts Seatwise (nothing was sent)',
      );
      expect(smtp.mails).toEqual([]);
      expect(healthy.checks.find((c) => c.check === 'single sign-on')!.detail).toBe(
        `${provider.issuer} answers its discovery document`,
      );
    } finally {
      await smtp.close();
      await provider?.close();
    }
    // Nothing answers at either now.
    const gone = await silentPort();
    const broken = await doctor({
      ...env,
      SEATWISE_SMTP_URL: `smtp://127.0.0.1:${gone.port}`,
      ...oidcEnv(provider!, 'http://127.0.0.1:4310'),
    }).finally(gone.close);
    expect(broken.code).toBe(1);
    expect(failed(broken.checks).map((c) => c.check)).toEqual(['smtp', 'single sign-on']);
    expect(broken.text).toContain('→ check SEATWISE_SMTP_URL');
    expect(broken.text.trimEnd().split('\n').at(-1)).toBe('2 checks failed.');
  });

  it('fails on a bad variable, and on a data directory with no database, saying what to do', async () => {
    const bad = await doctor({ ...env, SEATWISE_PORT: 'eighty' });
    expect(bad.code).toBe(1);
    expect(bad.checks).toHaveLength(1);
    expect(bad.checks[0]).toMatchObject({ check: 'configuration', status: 'fail' });
    expect(bad.checks[0]!.detail).toContain('SEATWISE_PORT');

    const empty = await createTestDatabase('sqlite');
    try {
      const none = await doctor({ ...empty.env });
      expect(none.code).toBe(1);
      expect(failed(none.checks)).toMatchObject([{ check: 'database' }]);
      expect(failed(none.checks)[0]!.fix).toContain('start Seatwise once');
    } finally {
      await empty.cleanup();
    }
  });

  it('fails on a token monday refuses, an endpoint not allowed or not answering, and a key that does not open the token', async () => {
    const account = emulator.accounts[0]!;
    const token = account.tokens.admin;
    // monday no longer accepts the token.
    const restore = emulator.state.revokeApiToken(token);
    try {
      const revoked = await doctor(env);
      expect(revoked.code).toBe(1);
      expect(failed(revoked.checks).map((c) => c.check)).toEqual([
        `connection ${connectionId} (${account.name})`,
      ]);
      expect(failed(revoked.checks)[0]!.fix).toBe(
        `enter a current API token: seatwise connections update ${connectionId} --token -`,
      );
    } finally {
      restore();
    }
    const notAllowed = await doctor({ ...env, SEATWISE_ALLOWED_ENDPOINTS: 'http://127.0.0.1:1' });
    expect(notAllowed.code).toBe(1);
    expect(failed(notAllowed.checks)[0]!.fix, JSON.stringify(notAllowed.checks)).toContain(
      'SEATWISE_ALLOWED_ENDPOINTS',
    );
    // An endpoint nothing answers at.
    const sqlite = new BetterSqlite3(join(db.dataDir, 'seatwise.db'));
    const silentApi = await silentPort();
    const dead = `http://127.0.0.1:${silentApi.port}/v2`;
    sqlite.prepare('update connections set api_url = ? where id = ?').run(dead, connectionId);
    try {
      const silent = await doctor({ ...env, SEATWISE_ALLOWED_ENDPOINTS: '*' });
      expect(silent.code).toBe(1);
      expect(failed(silent.checks)[0]!.detail).toContain(dead);
      expect(failed(silent.checks)[0]!.fix).toBe(
        'check that the endpoint is reachable from this machine (proxy, firewall, DNS)',
      );
    } finally {
      sqlite
        .prepare('update connections set api_url = ? where id = ?')
        .run(emulator.graphqlUrl, connectionId);
      sqlite.close();
      await silentApi.close();
    }
    const wrongKey = await doctor({ ...env, SEATWISE_SECRET_KEY: 'another-secret-key-0123456789abcdef' });
    expect(wrongKey.code).toBe(1);
    expect(failed(wrongKey.checks)[0]!.fix).toMatch(/SEATWISE_SECRET_KEY/);
  });

  it('warns of migrations not applied yet and fails on a database a newer Seatwise made, changing neither', async () => {
    const file = join(db.dataDir, 'seatwise.db');
    const sqlite = new BetterSqlite3(file);
    try {
      const last = sqlite
        .prepare('select name, timestamp from kysely_migration order by name desc limit 1')
        .get() as {
        name: string;
        timestamp: string;
      };
      sqlite.prepare('delete from kysely_migration where name = ?').run(last.name);
      const pending = await doctor(env);
      expect(pending.code).toBe(0);
      expect(pending.checks.find((c) => c.check === 'database')).toMatchObject({ status: 'warn' });
      expect(pending.checks.find((c) => c.check === 'database')!.detail).toMatch(
        /1 of \d+ migrations not applied yet$/,
      );
      // Nothing was applied.
      expect(
        sqlite.prepare('select count(*) as n from kysely_migration where name = ?').get(last.name),
      ).toEqual({ n: 0 });
      sqlite
        .prepare('insert into kysely_migration (name, timestamp) values (?, ?)')
        .run(last.name, last.timestamp);
      sqlite
        .prepare('insert into kysely_migration (name, timestamp) values (?, ?)')
        .run('999_from_the_future', last.timestamp);
      const newer = await doctor(env);
      expect(newer.code).toBe(1);
      expect(failed(newer.checks)[0]!.detail).toContain(
        'was migrated by a newer Seatwise (999_from_the_future)',
      );
    } finally {
      sqlite.prepare('delete from kysely_migration where name = ?').run('999_from_the_future');
      sqlite.close();
    }
  });

  it.runIf(postgresAvailable)('passes on PostgreSQL and fails when it does not answer', async () => {
    const pg = await createTestDatabase('postgres');
    try {
      const connected = await connectedSeatwise(emulator, pg);
      await connected.app.close();
      const pgEnv = { ...pg.env, SEATWISE_ALLOWED_ENDPOINTS: new URL(emulator.graphqlUrl).origin };
      const healthy = await doctor(pgEnv);
      expect(healthy.code).toBe(0);
      expect(healthy.checks.find((c) => c.check === 'database')!.detail).toMatch(/^PostgreSQL at /);
      const silentDb = await silentPort();
      const down = await doctor({
        ...pgEnv,
        DATABASE_URL: `postgres://postgres@127.0.0.1:${silentDb.port}/x`,
      }).finally(silentDb.close);
      expect(down.code).toBe(1);
      expect(failed(down.checks)[0]).toMatchObject({ check: 'database' });
    } finally {
      await pg.cleanup();
    }
  });
});
