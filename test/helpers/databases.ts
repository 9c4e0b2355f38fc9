import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';

/** The PostgreSQL server tests create their own databases on (CI: the one running on this machine). */
export const adminUrl = process.env.SEATWISE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export const postgresAvailable = await reachable();
// CI requires the server: there a missing PostgreSQL fails the run instead of skipping half the suite.
if (!postgresAvailable && process.env.SEATWISE_REQUIRE_POSTGRES === '1')
  throw new Error(`SEATWISE_REQUIRE_POSTGRES is set and no PostgreSQL server answers at ${adminUrl}`);
if (!postgresAvailable) console.warn(`PostgreSQL tests skipped: no server reachable at ${adminUrl}`);

/** A fresh place to keep data: a temp data dir, plus a fresh PostgreSQL database for the postgres dialect. */
export interface TestDatabase {
  dialect: 'sqlite' | 'postgres';
  dataDir: string;
  databaseUrl?: string;
  /** What Seatwise is configured with on this database (tests call the emulator on loopback ports). */
  config: TestConfig;
  /** The same, as environment variables for a Seatwise process. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export interface TestConfig {
  SEATWISE_DATA_DIR: string;
  DATABASE_URL: string | undefined;
  SEATWISE_SECRET_KEY: string | undefined;
  SEATWISE_ALLOWED_ENDPOINTS: string;
}

/** The key every test process shares with PostgreSQL (which requires one); SQLite tests use the key file. */
export const TEST_SECRET_KEY = 'seatwise-test-secret-key-0123456789';

function configFor(dataDir: string, databaseUrl?: string): Pick<TestDatabase, 'config' | 'env'> {
  const config: TestConfig = {
    SEATWISE_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    SEATWISE_SECRET_KEY: databaseUrl ? TEST_SECRET_KEY : undefined,
    SEATWISE_ALLOWED_ENDPOINTS: '*',
  };
  const env: Record<string, string> = {
    SEATWISE_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl ?? '',
    SEATWISE_ALLOWED_ENDPOINTS: '*',
  };
  if (databaseUrl) env.SEATWISE_SECRET_KEY = TEST_SECRET_KEY;
  return { config, env };
}

export async function createTestDatabase(dialect: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'seatwise-test-'));
  if (dialect === 'sqlite') {
    return {
      dialect,
      dataDir,
      ...configFor(dataDir),
      cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `seatwise_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    dialect,
    dataDir,
    databaseUrl: url.toString(),
    ...configFor(dataDir, url.toString()),
    cleanup: async () => {
      rmSync(dataDir, { recursive: true, force: true });
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export type Dialect = 'sqlite' | 'postgres';

/**
 * Registers a suite for one dialect (`%s` in its name becomes the dialect). Without a PostgreSQL server the
 * PostgreSQL suite is registered as skipped, so the report says what did not run (CI requires the server).
 */
export function describeDialect(
  dialect: Dialect,
  name: string,
  ...rest:
    | [suite: (dialect: Dialect) => void]
    | [options: { timeout?: number }, suite: (dialect: Dialect) => void]
): void {
  const register = dialect === 'postgres' && !postgresAvailable ? describe.skip : describe;
  const suite = rest.length === 1 ? rest[0] : rest[1];
  const options = rest.length === 1 ? {} : rest[0];
  register(name.replace('%s', dialect), options, () => suite(dialect));
}

/** Registers a suite once per dialect: SQLite, then PostgreSQL (skipped, and reported so, without a server). */
export function describeEachDialect(
  name: string,
  ...rest:
    | [suite: (dialect: Dialect) => void]
    | [options: { timeout?: number }, suite: (dialect: Dialect) => void]
): void {
  for (const dialect of ['sqlite', 'postgres'] as const) describeDialect(dialect, name, ...rest);
}
