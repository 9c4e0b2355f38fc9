import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import envPaths from 'env-paths';
import { AppError } from './domain/appError.ts';

/** The embedded database's file name inside the data directory. */
export const DATABASE_FILE = 'seatwise.db';

/**
 * Where Seatwise keeps its embedded data when SEATWISE_DATA_DIR is not set: the user's data directory
 * (`$XDG_DATA_HOME/seatwise`, else `~/.local/share/seatwise` on Linux; `~/Library/Application Support/seatwise`
 * on macOS; `%LOCALAPPDATA%\seatwise\Data` on Windows), whatever folder a command runs in.
 */
export function defaultDataDir(): string {
  return envPaths('seatwise', { suffix: '' }).data;
}

/** Where the data of this process lives, for messages and `--help`. */
export function describeDataLocation(config: {
  SEATWISE_DATA_DIR: string;
  DATABASE_URL?: string;
  dataDirFromEnv: boolean;
}): string {
  if (config.DATABASE_URL) return `PostgreSQL at ${redactUrl(config.DATABASE_URL)} (DATABASE_URL)`;
  const file = join(config.SEATWISE_DATA_DIR, DATABASE_FILE);
  return `${file} (${config.dataDirFromEnv ? 'SEATWISE_DATA_DIR' : 'the default; set SEATWISE_DATA_DIR to use another'})`;
}

/** Hides the password in a database URL. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured DATABASE_URL';
  }
}

/**
 * Checks the embedded database before a command opens it. A command that reads or changes existing data never
 * creates a second, empty database: it says where it looked. A command that may create one (serve, connect)
 * refuses when the default location is empty but a database sits in `./data`, where earlier versions kept it.
 */
export function checkDataLocation(
  config: { SEATWISE_DATA_DIR: string; DATABASE_URL?: string; dataDirFromEnv: boolean },
  mode: 'create' | 'existing',
  cwd = process.cwd(),
): void {
  if (config.DATABASE_URL) return;
  if (existsSync(join(config.SEATWISE_DATA_DIR, DATABASE_FILE))) return;
  const legacy = resolve(cwd, 'data');
  const legacyHint =
    !config.dataDirFromEnv && existsSync(join(legacy, DATABASE_FILE))
      ? ` A Seatwise database exists in ${legacy}: set SEATWISE_DATA_DIR=${legacy} to use it (or move it to ${config.SEATWISE_DATA_DIR}).`
      : '';
  if (mode === 'create') {
    if (legacyHint)
      throw new AppError(
        'precondition',
        'data_dir_moved',
        `no Seatwise database at ${config.SEATWISE_DATA_DIR}.${legacyHint}`,
      );
    return;
  }
  throw new AppError(
    'not_found',
    'no_database',
    `no Seatwise database at ${join(config.SEATWISE_DATA_DIR, DATABASE_FILE)}: start the server (npm start) or connect an account (seatwise connect) first, or set SEATWISE_DATA_DIR to the directory the server uses.${legacyHint}`,
  );
}
