import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SyncPhases } from '../src/sync/syncEngine.ts';
import { compiledRunner } from './built.ts';
import { BENCH_LIMITS, startEmulatorProcess } from './emulatorProcess.ts';
import type { SyncRunInput, SyncRunOutput } from './syncRun.ts';

export interface SyncBenchOptions {
  sizes: number[];
  latencies: number[];
  /** Print one JSON object per size and latency instead of the table. */
  json: boolean;
  databaseUrl?: string;
}

/** The figures of one size at one latency, with the ratios the targets are stated in. */
export interface SyncFigures {
  users: number;
  latencyMs: number;
  /** Requests that read the users (the minimum is about them); the teams' are counted apart. */
  requests: number;
  teamRequests: number;
  retries: number;
  minRequests: number;
  wallMs: number;
  floorMs: number;
  /**
   * The page-100 strategy: measured, or where that would take many minutes at this latency, a lower bound
   * (`page100Bound`): its time at no added latency plus the latency once per request, as it reads sequentially.
   */
  page100Ms: number | null;
  page100Bound: boolean;
  /** CPU time the Seatwise process spent on the first sync (what it costs beyond waiting for monday). */
  localMs: number;
  peakRssMb: number;
  usersPerSec: number;
  wallOverFloor: number;
  page100OverWall: number | null;
  cpuMsPer1000Users: number;
  /** Of it, what the floor spends reading and decoding the same pages (no sync work at all). */
  floorCpuMsPer1000Users: number;
  unchangedMs: number;
  unchangedOverFirst: number;
  unchangedRequests: number;
  unchangedRetries: number;
  changedMs: number;
  changedRequests: number;
  changedInMonday: number;
  changesRecorded: number;
  /** The first sync's phases: reading and staging the users, confirming removals, the teams, publishing. */
  readMs: number;
  confirmMs: number;
  teamsMs: number;
  publishMs: number;
  /** The first sync's memory at its highest sampled RSS: JS heap, buffers (the rest is native); its highest heap. */
  sampledPeakRssMb: number;
  heapAtPeakMb: number;
  buffersAtPeakMb: number;
  maxHeapMb: number;
  /** The phase the highest heap was seen in. */
  maxHeapPhase: string;
}

let compiled: string | null = null;
/** The sync's process runs the compiled build, as `seatwise` does. */
const runner = () => {
  compiled ??= compiledRunner(new URL('./syncRun.ts', import.meta.url));
  return compiled;
};

function runOne(input: SyncRunInput, onChange: (share: number) => Promise<number>): Promise<SyncRunOutput> {
  return new Promise((resolve, reject) => {
    const child = fork(runner(), [JSON.stringify(input)], {
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (raw) => {
      const message = raw as { op: 'change'; share: number } | { op: 'result'; output: SyncRunOutput };
      if (message.op === 'change') void onChange(message.share).then((n) => child.send(n));
      else resolve(message.output);
    });
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`the sync benchmark process exited with ${code}`));
    });
  });
}

export function figuresOf(
  out: SyncRunOutput,
  /** The page-100 strategy at no added latency, for a bound where it was not measured at this one. */
  page100AtZero?: { wallMs: number; requests: number } | null,
): SyncFigures {
  const minRequests = Math.ceil(out.users / 1000) + 1;
  const page100 =
    out.page100 ??
    (page100AtZero
      ? {
          wallMs: page100AtZero.wallMs + page100AtZero.requests * out.latencyMs,
          requests: page100AtZero.requests,
        }
      : null);
  return {
    users: out.users,
    latencyMs: out.latencyMs,
    requests: out.first.requests - out.first.teamRequests,
    teamRequests: out.first.teamRequests,
    retries: out.first.retries,
    minRequests,
    wallMs: Math.round(out.first.wallMs),
    floorMs: Math.round(out.floor.wallMs),
    page100Ms: page100 ? Math.round(page100.wallMs) : null,
    page100Bound: !out.page100 && page100 !== null,
    localMs: Math.round(out.first.cpuMs),
    peakRssMb: Math.round(out.peakRssMb),
    usersPerSec: Math.round(out.users / (out.first.wallMs / 1000)),
    wallOverFloor: round(out.first.wallMs / out.floor.wallMs),
    page100OverWall: page100 ? round(page100.wallMs / out.first.wallMs) : null,
    cpuMsPer1000Users: round(out.first.cpuMs / (out.users / 1000)),
    floorCpuMsPer1000Users: round(out.floor.cpuMs / (out.users / 1000)),
    unchangedMs: Math.round(out.unchanged.wallMs),
    unchangedOverFirst: round(out.unchanged.wallMs / out.first.wallMs),
    unchangedRequests: out.unchanged.requests,
    unchangedRetries: out.unchanged.retries,
    changedMs: Math.round(out.changed.wallMs),
    changedRequests: out.changed.requests,
    changedInMonday: out.changed.changedInMonday,
    changesRecorded: out.changed.changes,
    ...out.first.phases,
    sampledPeakRssMb: out.first.memory.rssMb,
    heapAtPeakMb: out.first.memory.heapMb,
    buffersAtPeakMb: out.first.memory.buffersMb,
    maxHeapMb: out.first.memory.maxHeapMb,
    maxHeapPhase: phaseAt(out.first.memory.maxHeapAtMs, out.first.phases),
  };
}

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Syncs of each size at each added latency, each in a fresh process against an emulator in another, with the
 * transport floor and the page-100 strategy measured in the same run. Prints a table with the targets
 * (or one JSON object) and writes every figure to bench/results/.
 */
export async function syncBench(options: SyncBenchOptions): Promise<SyncFigures[]> {
  const all: SyncFigures[] = [];
  for (const users of options.sizes) {
    const emulator = await startEmulatorProcess({ users, plan: 'enterprise', seed: 7, limits: BENCH_LIMITS });
    let page100AtZero: SyncRunOutput['page100'] = null;
    try {
      for (const latencyMs of options.latencies) {
        await emulator.setLatency(latencyMs);
        const output = await runOne(
          {
            users,
            latencyMs,
            graphqlUrl: emulator.graphqlUrl,
            token: emulator.tokens[0]!,
            databaseUrl: options.databaseUrl,
            // Sequential pages of 100 take many minutes from a million users, or at 250 ms from 100,000: measured
            // where they take at most about a minute, bounded from the measure at no added latency elsewhere.
            page100: users <= 100_000 && (users / 100) * latencyMs <= 60_000,
          },
          (share) => emulator.changeShare(share),
        );
        if (latencyMs === 0 && output.page100) page100AtZero = output.page100;
        const figures = figuresOf(output, page100AtZero);
        all.push(figures);
        if (options.json) console.log(JSON.stringify({ case: 'sync', ...figures }));
        else printFigures(figures);
      }
    } finally {
      await emulator.close();
    }
  }
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}sync-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(
    file,
    `${JSON.stringify({ at: new Date().toISOString(), node: process.version, figures: all }, null, 2)}\n`,
  );
  if (!options.json) console.log(`sync: figures written to ${file}`);
  return all;
}

/** The targets the figures are held to. */
export function targetsOf(f: SyncFigures) {
  const floorRatio = f.users >= 1_000_000 ? 1.5 : 1.3;
  const rss = f.users >= 1_000_000 ? 300 : 250;
  return { floorRatio, rss, cpuPer1000: 30, unchangedOverFirst: 0.3 };
}

function printFigures(f: SyncFigures): void {
  const t = targetsOf(f);
  const check = (ok: boolean) => (ok ? 'meets' : 'MISSES');
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    [
      `sync ${f.users.toLocaleString()} users, +${f.latencyMs} ms latency:`,
      `  first sync ${s(f.wallMs)} (${f.usersPerSec.toLocaleString()} users/s), floor ${s(f.floorMs)}, wall/floor ${f.wallOverFloor} [${check(f.wallOverFloor <= t.floorRatio)} ≤ ${t.floorRatio}]`,
      `    read and stage ${s(f.readMs)}, confirm removals ${s(f.confirmMs)}, teams ${s(f.teamsMs)}, publish ${s(f.publishMs)}`,
      `  requests ${f.requests} vs minimum ${f.minRequests} [${check(f.requests <= f.minRequests + 1)} ≤ min + 1], and ${f.teamRequests} for the teams${f.retries ? `, ${f.retries} retried` : ''}`,
      f.page100Ms === null
        ? '  page-100 strategy: not measured at this size'
        : `  page-100 strategy ${f.page100Bound ? 'at least ' : ''}${s(f.page100Ms)}: ${f.page100OverWall}× the first sync [${check((f.page100OverWall ?? 0) > 1)} > 1]`,
      `  CPU ${f.localMs} ms (${f.cpuMsPer1000Users} ms per 1,000 users; reading the pages alone: ${f.floorCpuMsPer1000Users}) [${check(f.cpuMsPer1000Users <= t.cpuPer1000)} ≤ ${t.cpuPer1000}], peak RSS ${f.peakRssMb} MB [${check(f.peakRssMb < t.rss)} < ${t.rss} MB]`,
      `    at the first sync's highest RSS sampled (${f.sampledPeakRssMb} MB): JS heap ${f.heapAtPeakMb} MB, buffers ${f.buffersAtPeakMb} MB, native (SQLite, allocator) ${f.sampledPeakRssMb - f.heapAtPeakMb - f.buffersAtPeakMb} MB; highest heap ${f.maxHeapMb} MB (in ${f.maxHeapPhase})`,
      `  unchanged resync ${s(f.unchangedMs)} (${f.unchangedOverFirst} of first) [${check(f.unchangedOverFirst <= t.unchangedOverFirst)} ≤ ${t.unchangedOverFirst}], ${f.unchangedRequests} requests${f.unchangedRetries ? ` (${f.unchangedRetries} retried)` : ''}`,
      `  resync after ${f.changedInMonday} changed in monday ${s(f.changedMs)}, ${f.changesRecorded} change events, ${f.changedRequests} requests`,
    ].join('\n'),
  );
}

/** Which phase of a sync a moment (ms from its start) falls in. */
function phaseAt(ms: number, phases: SyncPhases): string {
  let end = 0;
  for (const [name, key] of [
    ['read and stage', 'readMs'],
    ['confirm removals', 'confirmMs'],
    ['teams', 'teamsMs'],
    ['publish', 'publishMs'],
  ] as const) {
    end += phases[key];
    if (ms <= end) return name;
  }
  return 'after publish';
}
