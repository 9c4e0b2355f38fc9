import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  type SqliteDriver,
} from 'kysely';
import { redactUrl } from '../dataLocation.ts';
import { migrationsFor } from './migrations.ts';
import type { Database } from './schema.ts';

/** An open store: the Kysely handle and which dialect is behind it. */
export interface Store {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
  /** Where it lives, without credentials, for messages. */
  location: string;
  /**
   * The SQLite handle itself, for the few short transactions that must not span an await (another connection
   * waiting on SQLite's lock blocks its whole thread).
   */
  sqlite?: BetterSqlite3.Database;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** PostgreSQL when set; SQLite in `dataDir` otherwise. */
  databaseUrl?: string;
  dataDir: string;
}

/** Opens the store and applies pending migrations. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const store = options.databaseUrl ? await openPostgres(options.databaseUrl) : openSqlite(options.dataDir);
  try {
    await migrate(store);
  } catch (error) {
    await store.close();
    throw new Error(`could not prepare the database at ${store.location}: ${(error as Error).message}`);
  }
  return store;
}

function openSqlite(dataDir: string): Store {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'seatwise.db');
  const sqlite = new BetterSqlite3(file);
  // Only this user may read the database: it holds sealed tokens and hashed keys.
  chmodSync(file, 0o600);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  // Another process may be publishing a sync; wait for it rather than fail.
  sqlite.pragma('busy_timeout = 15000');
  // A page cache that holds a large account's indexes (SQLite's default is 2 MB).
  sqlite.pragma('cache_size = -32768');
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', location: file, sqlite, close: () => db.destroy() };
}

/**
 * SQLite whose transactions take the write lock when they begin. Every transaction of Seatwise writes; one that
 * began by reading would fail with "database is locked" if another process wrote meanwhile, where waiting for the
 * lock at the start (busy_timeout) just works.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver() as SqliteDriver;
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}

async function openPostgres(databaseUrl: string): Promise<Store> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  // An idle connection the server drops (a restart, a terminated backend) is removed from the pool and replaced
  // on next use; without a listener its error would stop the whole process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', location: redactUrl(databaseUrl), close: () => db.destroy() };
}

async function migrate(store: Store): Promise<void> {
  const migrator = new Migrator({ db: store.db, provider: migrationsFor(store.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message ?? error}`);
  }
}
