import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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
  sql,
} from 'kysely';
import { redactUrl } from '../dataLocation.ts';
import { migrationsFor } from './migrations/index.ts';
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
  /**
   * SQLite only: the monday request budgets, in a database file of their own next to the main one. Every
   * monday request takes from them; in their own file that never waits on a sync publishing into the main one.
   */
  budgetSqlite?: BetterSqlite3.Database;
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
  // Another process may be publishing a sync. SQLite's own wait would hold this whole thread (every request of a
  // server) until it is done, so it waits only a moment; the driver waits out the rest without blocking.
  sqlite.pragma(`busy_timeout = ${BUSY_SPIN_MS}`);
  // A page cache that holds a large account's indexes (SQLite's default is 2 MB).
  sqlite.pragma('cache_size = -32768');
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: sqlite }, sqlite),
  });
  let budgetSqlite: BetterSqlite3.Database;
  try {
    budgetSqlite = openBudgetFile(join(dataDir, 'budget.db'));
  } catch (error) {
    sqlite.close();
    throw error;
  }
  return {
    db,
    dialect: 'sqlite',
    location: file,
    sqlite,
    budgetSqlite,
    close: async () => {
      await db.destroy();
      budgetSqlite.close();
    },
  };
}

/**
 * The budgets' own file: what it holds is counts for the minute at hand, so it is rebuilt empty if lost. Its
 * transactions last microseconds, so a short busy wait is all one ever needs.
 */
function openBudgetFile(file: string): BetterSqlite3.Database {
  const budget = new BetterSqlite3(file);
  chmodSync(file, 0o600);
  budget.pragma('journal_mode = WAL');
  budget.pragma('synchronous = NORMAL');
  budget.pragma('busy_timeout = 2000');
  budget.exec(`create table if not exists monday_budgets (
      key text primary key,
      window_started_at bigint not null,
      window_used integer not null,
      minute_limit integer not null,
      concurrency_limit integer not null,
      complexity_remaining bigint,
      complexity_reset_at bigint,
      query_cost bigint not null,
      paused_until bigint not null,
      updated_at bigint not null);
    create table if not exists monday_budget_leases (
      id text primary key,
      key text not null,
      expires_at bigint not null);
    create index if not exists monday_budget_leases_by_key on monday_budget_leases (key, expires_at);`);
  return budget;
}

/** How long SQLite itself waits for another process's lock, holding the thread. */
const BUSY_SPIN_MS = 5;
/** How long a statement waits, without holding the thread, for another process's lock before it fails. */
export const BUSY_WAIT_MS = 120_000;
const BUSY_RETRY_MAX_MS = 25;

/** SQLite's "database is locked": another process holds the write lock. */
export function isBusy(error: unknown): boolean {
  return String((error as { code?: unknown } | null)?.code ?? '').startsWith('SQLITE_BUSY');
}

/**
 * SQLite whose transactions take the write lock when they begin, and whose statements wait for another process's
 * lock without blocking the event loop. Every transaction of Seatwise writes; one that began by reading would
 * fail with "database is locked" if another process wrote meanwhile, where waiting for the lock at the start
 * just works. A statement refused for a lock held elsewhere (a transaction's `begin immediate`, or a statement
 * outside any transaction) did nothing, so it is tried again after a short asynchronous pause, until
 * `BUSY_WAIT_MS` have passed; inside a transaction it fails at once, as the transaction must start over.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    config: ConstructorParameters<typeof SqliteDialect>[0],
    private readonly handle: BetterSqlite3.Database,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    const driver = super.createDriver() as SqliteDriver;
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    const acquire = driver.acquireConnection.bind(driver);
    const release = driver.releaseConnection.bind(driver);
    let patient: DatabaseConnection | null = null;
    driver.acquireConnection = async () => {
      const connection = await acquire();
      patient ??= waitingOutLocks(connection, this.handle, {
        release: () => release(),
        acquire: async () => {
          await acquire();
        },
      });
      return patient;
    };
    return driver;
  }
}

/**
 * The connection, its statements retried while another process holds the lock. Between tries the connection is
 * handed back, so this process's other queries (reads above all) run meanwhile rather than queue behind the
 * wait; it is taken again before the next try.
 */
function waitingOutLocks(
  connection: DatabaseConnection,
  handle: BetterSqlite3.Database,
  mutex: { release(): Promise<void>; acquire(): Promise<void> },
): DatabaseConnection {
  return {
    executeQuery: async (query) => {
      const deadline = Date.now() + BUSY_WAIT_MS;
      for (let pause = 1; ; pause = Math.min(pause * 2, BUSY_RETRY_MAX_MS)) {
        try {
          return await connection.executeQuery(query);
        } catch (error) {
          if (!isBusy(error) || handle.inTransaction || Date.now() + pause > deadline) throw error;
          await mutex.release();
          await sleep(pause);
          await mutex.acquire();
        }
      }
    },
    streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
  };
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

/** Where a database's schema stands against this Seatwise's migrations, without changing it. */
export interface SchemaState {
  location: string;
  dialect: 'sqlite' | 'postgres';
  applied: number;
  known: number;
  /** Applied migrations this Seatwise does not know: the database was made by a newer one. */
  unknown: string[];
}

/** Reads the schema's migrations without applying any. */
export async function inspectSchema(options: StoreOptions): Promise<SchemaState> {
  const store = options.databaseUrl ? await openPostgres(options.databaseUrl) : openSqlite(options.dataDir);
  try {
    const provider = migrationsFor(store.dialect);
    const known = Object.keys(await provider.getMigrations());
    const migrator = new Migrator({ db: store.db, provider });
    const info = await migrator.getMigrations();
    const applied = info.filter((m) => m.executedAt !== undefined).length;
    let recorded: string[] = [];
    try {
      recorded = (await sql<{ name: string }>`select name from kysely_migration`.execute(store.db)).rows.map(
        (r) => r.name,
      );
    } catch {
      recorded = [];
    }
    return {
      location: store.location,
      dialect: store.dialect,
      applied,
      known: known.length,
      unknown: recorded.filter((name) => !known.includes(name)),
    };
  } finally {
    await store.close();
  }
}

async function migrate(store: Store): Promise<void> {
  const migrator = new Migrator({ db: store.db, provider: migrationsFor(store.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message ?? error}`);
  }
}
