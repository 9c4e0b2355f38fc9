import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../src/emulator/server.ts';

const USERS = Number(process.env.BENCH_SYNC_USERS ?? 100_000);
const bin = fileURLToPath(new URL('../bin/seatwise.js', import.meta.url));

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Times /health and a users page, one after the other, until `until` resolves. */
async function probe(base: string, key: string, until: Promise<unknown>) {
  let done = false;
  void until.then(() => {
    done = true;
  });
  const health: number[] = [];
  const users: number[] = [];
  let errors = 0;
  const time = async (path: string, into: number[], auth: boolean) => {
    const started = performance.now();
    const response = await fetch(`${base}${path}`, {
      headers: auth ? { authorization: `Bearer ${key}` } : {},
    });
    await response.arrayBuffer();
    into.push(performance.now() - started);
    if (response.status >= 500) errors++;
  };
  while (!done) {
    await time('/health', health, false);
    await time('/api/users?limit=50', users, true);
  }
  return { health, users, errors };
}

function describe(label: string, figures: { health: number[]; users: number[]; errors: number }) {
  const f = (n: number) => `${n.toFixed(1)} ms`;
  console.log(
    `concurrency ${label}: /health p50 ${f(percentile(figures.health, 50))}, p95 ${f(percentile(figures.health, 95))}, max ${f(Math.max(...figures.health))} over ${figures.health.length}; /api/users p95 ${f(percentile(figures.users, 95))}; 5xx answers ${figures.errors}`,
  );
}

/**
 * The server answering while a sync of a large account commits to the same SQLite file: from a CLI process,
 * and inside the server itself. Prints /health latency during each against an idle baseline.
 */
export async function concurrencyBench(): Promise<void> {
  const emulator = await startEmulator({
    users: USERS,
    plan: 'enterprise',
    limits: { complexityPerMinute: 2_000_000_000, maxQueryComplexity: 2_000_000_000, requestsPerMinute: 1e6 },
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'seatwise-bench-'));
  const port = await freePort();
  const env = { SEATWISE_DATA_DIR: dataDir, SEATWISE_PORT: String(port), LOG_LEVEL: 'error' };
  const server = spawn(process.execPath, [bin, 'serve'], { env: { ...process.env, ...env } });
  try {
    const connected = await run(
      ['connect', '--token', emulator.accounts[0]!.tokens.admin, '--api-url', emulator.graphqlUrl, '--json'],
      env,
    );
    const connectionId = JSON.parse(connected.stdout).id as string;
    const key = await new Promise<string>((resolve, reject) => {
      let err = '';
      server.stderr.on('data', (d) => {
        err += d;
        const match = /\n {4}(sw_\S+)\n/.exec(err);
        if (match) resolve(match[1]!);
      });
      server.on('close', () => reject(new Error(`the server stopped: ${err}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      if ((await fetch(`${base}/health`).catch(() => null))?.ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    describe('idle', await probe(base, key, new Promise((r) => setTimeout(r, 2000))));
    const started = performance.now();
    const cliSync = run(['sync', connectionId], env);
    const duringCli = await probe(base, key, cliSync);
    console.log(
      `concurrency: CLI sync of ${USERS.toLocaleString()} users took ${(performance.now() - started).toFixed(0)} ms (exit ${(await cliSync).code})`,
    );
    describe('during a CLI sync (first)', duringCli);
    const inServer = fetch(`${base}/api/connections/${connectionId}/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
    });
    describe('during a sync run by the server itself (unchanged)', await probe(base, key, inServer));
  } finally {
    server.kill('SIGTERM');
    await emulator.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
