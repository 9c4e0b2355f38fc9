import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createSeatwise } from '../src/compose.ts';
import { startEmulator } from '../src/emulator/server.ts';

const USERS = Number(process.env.BENCH_SYNC_USERS ?? 100_000);
const PG_ADMIN = process.env.SEATWISE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function pgDatabase(): Promise<{ url: string; drop: () => Promise<void> } | null> {
  const name = `seatwise_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
    await admin.query(`create database ${name}`);
  } catch {
    await admin.end().catch(() => {});
    return null;
  }
  await admin.end();
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** Full sync of a large account into each store: first sync (all added), then a sync with nothing changed. */
export async function syncBench(): Promise<void> {
  const emulator = await startEmulator({
    users: USERS,
    plan: 'enterprise',
    limits: {
      complexityPerMinute: 2_000_000_000,
      maxQueryComplexity: 2_000_000_000,
      requestsPerMinute: 1_000_000,
    },
  });
  const token = emulator.accounts[0]!.tokens.admin;
  const postgres = await pgDatabase();
  const targets: { name: string; databaseUrl?: string }[] = [{ name: 'sqlite' }];
  if (postgres) targets.push({ name: 'postgres', databaseUrl: postgres.url });
  else console.log('sync: PostgreSQL not reachable; measuring SQLite only');
  const figures: Record<string, number> = {};
  try {
    await measure(targets, token, emulator.graphqlUrl, figures);
  } finally {
    await postgres?.drop();
    await emulator.close();
  }
  if (figures['postgres:first']) {
    console.log(
      `sync: postgres/sqlite first-sync time ratio ${(figures['postgres:first']! / figures['sqlite:first']!).toFixed(2)}`,
    );
  }
  console.log(
    `sync: unchanged/first time ratio on sqlite ${(figures['sqlite:unchanged']! / figures['sqlite:first']!).toFixed(2)}`,
  );
}

async function measure(
  targets: { name: string; databaseUrl?: string }[],
  token: string,
  apiUrl: string,
  figures: Record<string, number>,
): Promise<void> {
  for (const target of targets) {
    const dataDir = mkdtempSync(join(tmpdir(), 'seatwise-bench-'));
    const app = await createSeatwise({
      SEATWISE_DATA_DIR: dataDir,
      DATABASE_URL: target.databaseUrl,
      SEATWISE_SECRET_KEY: undefined,
    });
    try {
      const { id } = await app.connections.add({ token, apiUrl });
      for (const label of ['first', 'unchanged']) {
        const heap = process.memoryUsage().heapUsed;
        const started = performance.now();
        const result = await app.sync.sync(id);
        const ms = performance.now() - started;
        figures[`${target.name}:${label}`] = ms;
        console.log(
          `sync ${target.name} ${label}: ${result.usersSeen.toLocaleString()} users, ${result.changes.toLocaleString()} changes, ${result.requests} requests in ${ms.toFixed(0)} ms (${Math.round(result.usersSeen / (ms / 1000)).toLocaleString()} users/s), heap ${((process.memoryUsage().heapUsed - heap) / 1e6).toFixed(0)} MB`,
        );
      }
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}
