import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Config } from '../config.ts';
import { redactUrl } from '../dataLocation.ts';
import { AppError } from '../domain/appError.ts';
import { ConnectionsRepo } from '../store/connectionsRepo.ts';
import { openStore } from '../store/database.ts';
import { migrationsFor } from '../store/migrations/index.ts';
import { newKdfParams, SecretBox, sealedAt } from '../store/secretBox.ts';
import { SettingsRepo } from '../store/settingsRepo.ts';
import { resealOldFormats } from './secretsService.ts';

type BackupConfig = Pick<
  Config,
  'SEATWISE_DATA_DIR' | 'DATABASE_URL' | 'SEATWISE_SECRET_KEY' | 'SEATWISE_PREVIOUS_SECRET_KEYS'
>;

/** What a backup file holds, read from the file itself. */
export interface BackupContents {
  migrations: number;
  connections: number;
  users: number;
  /** The ids of the keys its tokens are sealed with: restoring needs one of them. */
  keyIds: string[];
}

export interface BackupResult extends BackupContents {
  file: string;
  bytes: number;
}

export interface RestoreResult extends BackupContents {
  file: string;
  database: string;
  /** Where the database it replaced was kept, if there was one. */
  previous: string | null;
  /** Migrations applied to the restored database (it was made by an older Seatwise). */
  migrated: number;
}

const DB_FILE = 'seatwise.db';
const KEY_FILE = 'secret.key';

const pgBackupAdvice =
  'back it up with pg_dump (pg_dump --format=custom --file=seatwise.dump "$DATABASE_URL") and keep SEATWISE_SECRET_KEY with it, apart from the dump: the tokens open only with that key';
const pgRestoreAdvice =
  'restore it with pg_restore (stop every Seatwise process, then pg_restore --clean --if-exists --dbname="$DATABASE_URL" seatwise.dump), start Seatwise with the same SEATWISE_SECRET_KEY, and run seatwise doctor';

/**
 * `seatwise backup FILE`: a consistent copy of the embedded database while Seatwise runs. SQLite's online
 * backup copies the pages under one read transaction (others keep writing meanwhile), into a file beside the
 * target that is checked and only then renamed into place, so FILE is never half-written. The secret key is not
 * in it: the tokens in a backup open only with the key of the installation it came from.
 */
export async function backupDatabase(
  config: BackupConfig,
  target: string,
  options: { force?: boolean } = {},
): Promise<BackupResult> {
  if (config.DATABASE_URL)
    throw new AppError(
      'precondition',
      'backup_postgres',
      `the database is PostgreSQL (${redactUrl(config.DATABASE_URL)}): ${pgBackupAdvice}`,
    );
  const source = join(config.SEATWISE_DATA_DIR, DB_FILE);
  if (!existsSync(source))
    throw new AppError(
      'not_found',
      'no_database',
      `there is no database at ${source}: start Seatwise once, or set SEATWISE_DATA_DIR to the data directory`,
    );
  const file = resolve(target);
  if (!existsSync(dirname(file)))
    throw new AppError(
      'invalid_input',
      'backup_folder_missing',
      `the folder ${dirname(file)} does not exist`,
    );
  if (file === source || file.startsWith(`${source}-`))
    throw new AppError(
      'invalid_input',
      'backup_over_database',
      'a backup cannot be written over the database',
    );
  if (existsSync(file) && !options.force)
    throw new AppError(
      'conflict',
      'backup_exists',
      `${file} already exists: choose another file, or pass --force to replace it`,
    );

  const partial = join(dirname(file), `.${basename(file)}.partial-${process.pid}`);
  const db = new BetterSqlite3(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    if (!hasMigrations(db))
      throw new AppError('precondition', 'not_seatwise', `${source} is not a Seatwise database`);
    // The first step copies 100 pages; the rest go in one step, under one read transaction: a write by another
    // process between steps starts the copy over, and the single last step cannot be interrupted.
    await db.backup(partial, { progress: () => Number.MAX_SAFE_INTEGER });
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    db.close();
  }
  try {
    chmodSync(partial, 0o600);
    const copy = new BetterSqlite3(partial, { fileMustExist: true });
    let contents: BackupContents;
    try {
      // One file, no journal beside it: it can be copied anywhere as it is.
      copy.pragma('journal_mode = DELETE');
      const check = copy.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new Error(`the copy does not check out: ${check}`);
      contents = contentsOf(copy);
    } finally {
      copy.close();
    }
    renameSync(partial, file);
    return { file, bytes: statSync(file).size, ...contents };
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

/**
 * `seatwise restore FILE`: replaces the embedded database with a backup. Seatwise must be stopped (a database
 * another process has open is refused). The backup is prepared beside the database first: migrated to this
 * Seatwise's schema (one made by a newer Seatwise is refused) and every sealed token opened with this
 * installation's secret key (a backup whose tokens do not open is refused). Only then is it moved in, in one
 * rename; the database it replaces is kept as `seatwise.db.before-restore-<time>`.
 */
export async function restoreDatabase(
  config: BackupConfig,
  source: string,
  options: { force?: boolean; now?: Date } = {},
): Promise<RestoreResult> {
  if (config.DATABASE_URL)
    throw new AppError(
      'precondition',
      'restore_postgres',
      `the database is PostgreSQL (${redactUrl(config.DATABASE_URL)}): ${pgRestoreAdvice}`,
    );
  const file = resolve(source);
  if (!existsSync(file) || !statSync(file).isFile())
    throw new AppError('not_found', 'backup_not_found', `there is no file at ${file}`);
  if (!isSqliteFile(file))
    throw new AppError(
      'invalid_input',
      'not_a_backup',
      `${file} is not a Seatwise backup (not a SQLite database)`,
    );
  const backup = await inspectBackup(file);

  const dataDir = config.SEATWISE_DATA_DIR;
  const database = join(dataDir, DB_FILE);
  const exists = existsSync(database);
  if (exists && !options.force)
    throw new AppError(
      'conflict',
      'restore_would_replace',
      `${database} already holds a database: pass --force to replace it (it is kept as ${DB_FILE}.before-restore-<time>)`,
    );
  if (exists) takeOffline(database);

  const keyFile = join(dataDir, KEY_FILE);
  if (!config.SEATWISE_SECRET_KEY && !existsSync(keyFile) && backup.keyIds.length > 0)
    throw new AppError(
      'precondition',
      'restore_needs_key',
      `the backup's tokens are sealed with key ${backup.keyIds.join(', ')}, and ${dataDir} has no ${KEY_FILE}: copy ${KEY_FILE} from the installation the backup came from into ${dataDir} (or set SEATWISE_SECRET_KEY), then restore again`,
    );

  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const staging = mkdtempSync(join(dataDir, '.restore-'));
  try {
    copyFileSync(file, join(staging, DB_FILE));
    if (existsSync(keyFile)) copyFileSync(keyFile, join(staging, KEY_FILE));
    const migrated = await prepare(config, staging, backup);
    const prepared = join(staging, DB_FILE);
    let previous: string | null = null;
    if (exists) {
      previous = `${database}.before-restore-${(options.now ?? new Date()).toISOString().replace(/[:.]/g, '-')}`;
      // A second name for the old database first, so that at every moment one of the two is in place.
      linkSync(database, previous);
    }
    renameSync(prepared, database);
    // A new installation (no key file yet, no tokens in the backup) keeps the key it was prepared with.
    if (!config.SEATWISE_SECRET_KEY && !existsSync(keyFile) && existsSync(join(staging, KEY_FILE)))
      renameSync(join(staging, KEY_FILE), keyFile);
    return { file, database, previous, migrated, ...backup };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Reads a backup's contents without changing it; refuses one this Seatwise cannot read. */
async function inspectBackup(file: string): Promise<BackupContents> {
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new AppError(
      'invalid_input',
      'not_a_backup',
      `${file} cannot be opened: ${(error as Error).message}`,
    );
  }
  try {
    let check: unknown;
    try {
      check = db.pragma('integrity_check', { simple: true });
    } catch (error) {
      check = (error as Error).message;
    }
    if (check !== 'ok')
      throw new AppError('invalid_input', 'backup_damaged', `${file} is damaged: ${String(check)}`);
    if (!hasMigrations(db))
      throw new AppError(
        'invalid_input',
        'not_a_backup',
        `${file} is not a Seatwise backup (no Seatwise schema)`,
      );
    const names = (
      db.prepare('select name from kysely_migration order by name').all() as { name: string }[]
    ).map((r) => r.name);
    const known = new Set(Object.keys(await migrationsFor('sqlite').getMigrations()));
    const unknown = names.filter((n) => !known.has(n));
    if (unknown.length > 0)
      throw new AppError(
        'precondition',
        'backup_schema_newer',
        `${file} was made by a newer Seatwise (its schema has ${unknown.join(', ')}, which this one does not know): restore it with that version or a later one`,
      );
    return contentsOf(db);
  } finally {
    db.close();
  }
}

/** Migrates the staged copy and opens every sealed value with this installation's key. */
async function prepare(config: BackupConfig, staging: string, backup: BackupContents): Promise<number> {
  const secrets = SecretBox.load({
    secretKey: config.SEATWISE_SECRET_KEY,
    previousKeys: config.SEATWISE_PREVIOUS_SECRET_KEYS,
    dataDir: staging,
  });
  const store = await openStore({ dataDir: staging });
  try {
    if (secrets.needsKdf) secrets.setKdf(await new SettingsRepo(store.db).kdfParams(newKdfParams));
    const repo = new ConnectionsRepo(store.db, store.dialect);
    for (const row of await repo.sealedTokens())
      for (const column of ['token_ciphertext', 'scim_token_ciphertext', 'webhook_ciphertext'] as const) {
        const sealed = row[column];
        if (sealed === null) continue;
        try {
          secrets.decrypt(sealed, sealedAt(column, row.id));
        } catch (error) {
          throw new AppError(
            'precondition',
            'restore_key_mismatch',
            `the backup's tokens do not open with this installation's secret key (connection ${row.id}: ${(error as Error).message}): use the ${KEY_FILE} or SEATWISE_SECRET_KEY of the installation the backup came from`,
          );
        }
      }
    await resealOldFormats(store, secrets);
    const applied = (
      store.sqlite!.prepare('select count(*) as n from kysely_migration').get() as { n: number }
    ).n;
    // Everything in the main file, so the rename moves all of it.
    store.sqlite!.pragma('wal_checkpoint(TRUNCATE)');
    return applied - backup.migrations;
  } finally {
    await store.close();
    const db = new BetterSqlite3(join(staging, DB_FILE));
    db.pragma('journal_mode = DELETE');
    db.close();
  }
}

/**
 * Folds the database's journal into it and leaves it as one file, which only succeeds when no other process
 * has it open: a running Seatwise is told to stop first.
 */
function takeOffline(database: string): void {
  const db = new BetterSqlite3(database, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 0');
    let mode: unknown;
    try {
      mode = db.pragma('journal_mode = DELETE', { simple: true });
    } catch {
      mode = 'busy';
    }
    if (mode !== 'delete')
      throw new AppError(
        'precondition',
        'database_in_use',
        `${database} is in use by another Seatwise process (a server, a worker or a command): stop it, then restore`,
      );
  } finally {
    db.close();
  }
  for (const side of ['-wal', '-shm']) if (existsSync(`${database}${side}`)) unlinkSync(`${database}${side}`);
}

function hasMigrations(db: BetterSqlite3.Database): boolean {
  return (
    db.prepare("select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'").get() !==
    undefined
  );
}

function contentsOf(db: BetterSqlite3.Database): BackupContents {
  const count = (query: string) => (db.prepare(query).get() as { n: number }).n;
  const tables = new Set(
    (db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map(
      (r) => r.name,
    ),
  );
  const sealed = tables.has('connections')
    ? (
        db
          .prepare(
            'select token_ciphertext as a, scim_token_ciphertext as b, webhook_ciphertext as c from connections',
          )
          .all() as { a: string | null; b: string | null; c: string | null }[]
      ).flatMap((r) => [r.a, r.b, r.c].filter((v): v is string => v !== null))
    : [];
  return {
    migrations: count('select count(*) as n from kysely_migration'),
    connections: tables.has('connections') ? count('select count(*) as n from connections') : 0,
    users: tables.has('directory_users')
      ? count('select count(*) as n from directory_users where removed_at is null')
      : 0,
    keyIds: [...new Set(sealed.map(keyIdOf))].sort(),
  };
}

/** The key a sealed value names (`v3:<id>:…`); the first release's values name none. */
function keyIdOf(sealed: string): string {
  const parts = sealed.split(':');
  return parts.length === 3 ? (parts[1] as string) : 'of the first release';
}

function isSqliteFile(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const header = Buffer.alloc(16);
    return readSync(fd, header, 0, 16, 0) === 16 && header.toString('latin1') === 'SQLite format 3\0';
  } finally {
    closeSync(fd);
  }
}
