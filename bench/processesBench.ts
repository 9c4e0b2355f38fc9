import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createSeatwise } from '../src/compose.ts';
import { freePort, percentile, waitForHealth } from './apiBench.ts';
import { ensureBuilt } from './built.ts';
import { BENCH_LIMITS, startEmulatorProcess } from './emulatorProcess.ts';

const bin = fileURLToPath(new URL('../bin/seatwise.js', import.meta.url));
/** What SQLite says when a statement gave up on another process's lock. */
const BUSY = /SQLITE_BUSY|database is locked/g;

export interface ProcessesFigures {
  case: 'processes';
  users: number;
  /** The CLI sync's own time, from start to exit. */
  syncMs: number;
  probes: number;
  healthP50Ms: number;
  healthP99Ms: number;
  healthMaxMs: number;
  usersP99Ms: number;
  usersMaxMs: number;
  /** Probes answered with anything but 200. */
  failedProbes: number;
  /** SQLITE_BUSY (or "database is locked") anywhere: the server's log, the CLI's output, any answer. */
  busyErrors: number;
}

interface Spawned {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(args: string[], env: NodeJS.ProcessEnv): Spawned {
  // The embedded default: no PostgreSQL and no secret key from this shell's environment.
  const { DATABASE_URL: _url, SEATWISE_SECRET_KEY: _key, ...inherited } = process.env;
  const child = spawn(
    process.execPath,
    [
      ...(args[0] === 'serve' && process.env.SPROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/sprof'] : []),
      bin,
      ...args,
    ],
    { env: { ...inherited, ...env } },
  );
  let output = '';
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/**
 * Three processes on one SQLite data directory: the emulator, `seatwise serve`, and a CLI `seatwise sync` of a
 * first N users (default 100,000). While the CLI reads and commits, two clients ask the server `/health` and
 * `GET /api/users` back to back; their latencies, failures and any SQLITE_BUSY are the figures.
 */
export async function processesBench(options: { users: number; json: boolean }): Promise<ProcessesFigures> {
  // `seatwise` runs the build when it is up to date: both processes measured are what users run.
  ensureBuilt();
  const emulator = await startEmulatorProcess({
    users: options.users,
    plan: 'enterprise',
    seed: 13,
    limits: BENCH_LIMITS,
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'seatwise-bench-processes-'));
  let server: Spawned | null = null;
  try {
    const env = {
      SEATWISE_DATA_DIR: dataDir,
      SEATWISE_ALLOWED_ENDPOINTS: new URL(emulator.graphqlUrl).origin,
      LOG_LEVEL: 'warn',
    };
    const app = await createSeatwise({ ...env, DATABASE_URL: undefined, SEATWISE_SECRET_KEY: undefined });
    const connection = await app.connections.add({ token: emulator.tokens[0]!, apiUrl: emulator.graphqlUrl });
    const { key } = await app.keys.create('admin', 'bench');
    await app.close();

    const port = await freePort();
    server = run(['serve'], { ...env, SEATWISE_PORT: String(port) });
    const base = `http://127.0.0.1:${port}`;
    await waitForHealth(base);
    const headers = { authorization: `Bearer ${key}` };

    const started = performance.now();
    const sync = run(['sync', connection.id, '--json'], env);
    let done = false;
    const syncEnded = sync.exited.then((code) => {
      done = true;
      return { code, ms: performance.now() - started };
    });
    const health: number[] = [];
    const users: number[] = [];
    let failedProbes = 0;
    let busyErrors = 0;
    const probe = async (path: string, into: number[], auth: boolean) => {
      while (!done) {
        const t = performance.now();
        const response = await fetch(`${base}${path}`, auth ? { headers } : {});
        const body = await response.text();
        into.push(performance.now() - t);
        if (performance.now() - t > 100)
          console.error(
            'slow',
            path.slice(0, 10),
            Math.round(t - started),
            Math.round(performance.now() - t),
          );
        if (response.status !== 200) failedProbes++;
        busyErrors += body.match(BUSY)?.length ?? 0;
      }
    };
    await Promise.all([
      probe('/health', health, false),
      probe(`/api/users?connectionId=${connection.id}&limit=50`, users, true),
    ]);
    const ended = await syncEnded;
    if (ended.code !== 0) throw new Error(`the CLI sync exited with ${ended.code}: ${sync.output()}`);
    busyErrors += (sync.output().match(BUSY)?.length ?? 0) + (server.output().match(BUSY)?.length ?? 0);
    const round = (n: number) => Math.round(n * 10) / 10;
    const figures: ProcessesFigures = {
      case: 'processes',
      users: options.users,
      syncMs: Math.round(ended.ms),
      probes: health.length + users.length,
      healthP50Ms: round(percentile(health, 50)),
      healthP99Ms: round(percentile(health, 99)),
      healthMaxMs: round(Math.max(...health)),
      usersP99Ms: round(percentile(users, 99)),
      usersMaxMs: round(Math.max(...users)),
      failedProbes,
      busyErrors,
    };
    if (options.json) console.log(JSON.stringify(figures));
    else {
      const check = (ok: boolean) => (ok ? 'meets' : 'MISSES');
      console.log(
        [
          `processes: the server answering while a CLI sync of ${options.users.toLocaleString()} users reads and commits (${(figures.syncMs / 1000).toFixed(1)} s), ${figures.probes} probes:`,
          `  /health p50 ${figures.healthP50Ms} ms, p99 ${figures.healthP99Ms} ms [${check(figures.healthP99Ms < 50)} < 50 ms], max ${figures.healthMaxMs} ms [${check(figures.healthMaxMs < 250)} < 250 ms]`,
          `  GET /api/users p99 ${figures.usersP99Ms} ms, max ${figures.usersMaxMs} ms`,
          `  failed probes ${figures.failedProbes}, SQLITE_BUSY ${figures.busyErrors} [${check(figures.busyErrors === 0 && figures.failedProbes === 0)} none]`,
        ].join('\n'),
      );
    }
    const dir = fileURLToPath(new URL('./results/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    const file = `${dir}processes-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
    writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), ...figures }, null, 2)}\n`);
    if (!options.json) console.log(`processes: figures written to ${file}`);
    return figures;
  } finally {
    server?.child.kill('SIGTERM');
    await server?.exited;
    await emulator.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
