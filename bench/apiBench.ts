import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createSeatwise } from '../src/compose.ts';
import { BENCH_LIMITS, startEmulatorProcess } from './emulatorProcess.ts';

const bin = fileURLToPath(new URL('../bin/seatwise.js', import.meta.url));
const CONNECTIONS = 50;
const DURATION_S = 5;

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function percentile(values: number[], p: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface LoadFigures {
  name: string;
  path: string;
  p50: number;
  p95: number;
  p99: number;
  requestsPerSec: number;
  non2xx: number;
}

/** 50 clients asking one path as fast as the server answers, for a few seconds: latency percentiles. */
async function load(base: string, key: string, name: string, path: string): Promise<LoadFigures> {
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${base}${path}`,
        connections: CONNECTIONS,
        duration: DURATION_S,
        headers: { authorization: `Bearer ${key}` },
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  return {
    name,
    path,
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    requestsPerSec: Math.round(result.requests.average),
    non2xx: result.non2xx,
  };
}

const round = (n: number) => Math.round(n * 10) / 10;

export async function waitForHealth(base: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await fetch(`${base}/health`).catch(() => null))?.ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not start');
}

/**
 * The HTTP API at N users (default 100,000) under 50 concurrent clients: the users list, a filtered list, one
 * user and insights, each for a few seconds; then /health latency while the server itself runs a first sync
 * of another N-user account and commits it.
 */
export async function apiBench(options: { users: number }): Promise<void> {
  const emulator = await startEmulatorProcess({
    users: options.users,
    accounts: 2,
    plan: 'enterprise',
    seed: 11,
    limits: BENCH_LIMITS,
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'seatwise-bench-api-'));
  let server: ChildProcess | null = null;
  try {
    const app = await createSeatwise({
      SEATWISE_DATA_DIR: dataDir,
      DATABASE_URL: undefined,
      SEATWISE_SECRET_KEY: undefined,
      SEATWISE_ALLOWED_ENDPOINTS: new URL(emulator.graphqlUrl).origin,
    });
    const connection = await app.connections.add({ token: emulator.tokens[0]!, apiUrl: emulator.graphqlUrl });
    await app.sync.sync(connection.id);
    const { key } = await app.keys.create('admin', 'bench');
    const [someone] = (
      await app.users.page(
        { connectionId: connection.id, role: 'member' },
        { sort: 'email', direction: 'asc', limit: 1 },
      )
    ).users;
    await app.close();

    const port = await freePort();
    server = spawn(process.execPath, [bin, 'serve'], {
      env: {
        ...process.env,
        SEATWISE_DATA_DIR: dataDir,
        SEATWISE_ALLOWED_ENDPOINTS: new URL(emulator.graphqlUrl).origin,
        SEATWISE_PORT: String(port),
        LOG_LEVEL: 'error',
      },
      stdio: 'ignore',
    });
    const base = `http://127.0.0.1:${port}`;
    await waitForHealth(base);
    const c = connection.id;
    const figures: LoadFigures[] = [];
    for (const [name, path] of [
      ['users list', '/api/users?limit=50'],
      [
        'filtered list',
        `/api/users?connectionId=${c}&role=viewer&status=active&sort=lastActivityAt&order=desc&limit=50`,
      ],
      ['one user', `/api/users/${c}/${someone!.id}`],
      ['insights', `/api/insights?connectionId=${c}`],
    ] as const) {
      const f = await load(base, key, name, path);
      figures.push(f);
      console.log(
        `api ${name} at ${options.users.toLocaleString()} users, ${CONNECTIONS} clients: p50 ${f.p50} ms, p95 ${f.p95} ms [${f.p95 < 50 ? 'meets' : 'MISSES'} < 50 ms], p99 ${f.p99} ms, ${f.requestsPerSec.toLocaleString()} req/s${f.non2xx ? `, ${f.non2xx} non-2xx` : ''}`,
      );
    }

    // /health while the server runs a first sync of another account of the same size and commits it.
    const added = await fetch(`${base}/api/connections`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ token: emulator.tokens[1], apiUrl: emulator.graphqlUrl }),
    });
    const second = (await added.json()) as { id: string };
    let done = false;
    const started = performance.now();
    const sync = fetch(`${base}/api/connections/${second.id}/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
    }).then(async (r) => {
      done = true;
      return r.status;
    });
    const health: number[] = [];
    while (!done) {
      const t = performance.now();
      await (await fetch(`${base}/health`)).arrayBuffer();
      health.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 5));
    }
    const status = await sync;
    const healthP95 = round(percentile(health, 95));
    console.log(
      `api /health during an in-server sync of ${options.users.toLocaleString()} users (${((performance.now() - started) / 1000).toFixed(1)} s, HTTP ${status}): p50 ${round(percentile(health, 50))} ms, p95 ${healthP95} ms [${healthP95 < 50 ? 'meets' : 'MISSES'} < 50 ms], max ${round(Math.max(...health))} ms over ${health.length} probes`,
    );
    const dir = fileURLToPath(new URL('./results/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    const file = `${dir}api-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
    writeFileSync(
      file,
      `${JSON.stringify({ at: new Date().toISOString(), users: options.users, clients: CONNECTIONS, load: figures, healthDuringSync: { p50: round(percentile(health, 50)), p95: healthP95, max: round(Math.max(...health)), probes: health.length } }, null, 2)}\n`,
    );
    console.log(`api: figures written to ${file}`);
  } finally {
    server?.kill('SIGTERM');
    await emulator.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
