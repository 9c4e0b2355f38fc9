/**
 * One sync benchmark in its own process (so peak RSS and CPU are this size's alone): the transport floor,
 * the page-100 strategy, a first sync, an unchanged resync and a resync with 1% changed, against an emulator
 * running in another process. Reports one JSON object to the parent over IPC.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSeatwise } from '../src/compose.ts';
import { readAllPages } from '../src/monday/pageReader.ts';
import { PAGE_LIMIT, READ_AHEAD, type SyncPhases } from '../src/sync/syncEngine.ts';

export interface SyncRunInput {
  users: number;
  latencyMs: number;
  graphqlUrl: string;
  token: string;
  databaseUrl?: string;
  /** Measure the page-100 strategy (sequential, 100 per page); skipped where it would take many minutes. */
  page100: boolean;
}

export interface Measured {
  wallMs: number;
  cpuMs: number;
  requests: number;
  /** Of the requests, those that read the account's teams. */
  teamRequests: number;
  /** Requests sent again (after a 5xx, a timeout or a rate limit); counted in `requests` too. */
  retries: number;
  changes: number;
  usersSeen: number;
  phases: SyncPhases;
  /** At the highest RSS sampled during the sync: RSS, JS heap used, buffers; and the highest heap used, and when (ms into the sync). */
  memory: { rssMb: number; heapMb: number; buffersMb: number; maxHeapMb: number; maxHeapAtMs: number };
}

export interface SyncRunOutput {
  users: number;
  latencyMs: number;
  /** The transport floor; its CPU is what reading and decoding the pages costs this process. */
  floor: { wallMs: number; cpuMs: number; requests: number };
  page100: { wallMs: number; requests: number; users: number } | null;
  first: Measured;
  unchanged: Measured;
  changed: Measured & { changedInMonday: number };
  peakRssMb: number;
}

const page100Document = `query Page100($page: Int!) {
  users(limit: 100, page: $page) { id name email title url created_at last_activity kind status invitation_method is_email_confirmed became_active_at }
}`;

/** A database of its own on the PostgreSQL server `adminUrl` names, dropped afterwards. */
async function pgDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const { default: pg } = await import('pg');
  const name = `seatwise_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

async function main(input: SyncRunInput): Promise<SyncRunOutput> {
  const dataDir = mkdtempSync(join(tmpdir(), 'seatwise-bench-'));
  const postgres = input.databaseUrl ? await pgDatabase(input.databaseUrl) : null;
  const app = await createSeatwise({
    SEATWISE_DATA_DIR: dataDir,
    DATABASE_URL: postgres?.url,
    SEATWISE_SECRET_KEY: postgres ? 'seatwise-bench-secret-key' : undefined,
    SEATWISE_ALLOWED_ENDPOINTS: new URL(input.graphqlUrl).origin,
  });
  try {
    const connection = await app.connections.add({ token: input.token, apiUrl: input.graphqlUrl });
    const api = await app.connections.api(connection.id);
    const activeMembers = (await api.meAndAccount()).account.active_members_count ?? 0;

    // The floor: the same pages, page size and read-ahead as the first sync, fetched, parsed and dropped.
    const floorRequests = api.client.stats.requests;
    const floorCpu = process.cpuUsage();
    let started = performance.now();
    for await (const _page of readAllPages((p, limit) => api.usersPage(p, limit), PAGE_LIMIT, {
      expectedRows: Math.floor(activeMembers / PAGE_LIMIT) * PAGE_LIMIT,
      window: READ_AHEAD,
    })) {
      // discarded
    }
    const floorCpuUsed = process.cpuUsage(floorCpu);
    const floor = {
      wallMs: performance.now() - started,
      cpuMs: (floorCpuUsed.user + floorCpuUsed.system) / 1000,
      requests: api.client.stats.requests - floorRequests,
    };

    let page100: SyncRunOutput['page100'] = null;
    if (input.page100) {
      const client = await app.connections.graphql(connection.id);
      started = performance.now();
      let requests = 0;
      let users = 0;
      for (let page = 1; ; page++) {
        const { data } = await client.request<{ users: unknown[] }>(page100Document, { page });
        requests++;
        users += data.users.length;
        if (data.users.length < 100) break;
      }
      page100 = { wallMs: performance.now() - started, requests, users };
    }

    const measure = async (): Promise<Measured> => {
      const cpu = process.cpuUsage();
      const begun = performance.now();
      const memory = sampleMemory();
      const result = await app.sync.sync(connection.id).finally(() => memory.stop());
      if (result.status !== 'succeeded') throw new Error(`sync failed: ${result.error?.message}`);
      const used = process.cpuUsage(cpu);
      return {
        wallMs: performance.now() - begun,
        cpuMs: (used.user + used.system) / 1000,
        requests: result.requests,
        teamRequests: result.teamRequests,
        retries: result.retries,
        changes: result.changes,
        usersSeen: result.usersSeen,
        phases: result.phases,
        memory: memory.peak,
      };
    };
    const first = await profiled('first', measure);

    const unchanged = await profiled('unchanged', measure);
    const changedInMonday = await askParent<number>({ op: 'change', share: 0.01 });
    const changed = { ...(await measure()), changedInMonday };
    return {
      users: input.users,
      latencyMs: input.latencyMs,
      floor,
      page100,
      first,
      unchanged,
      changed,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await app.close();
    await postgres?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Runs one step under the V8 profiler when SEATWISE_BENCH_PROFILE names a directory, and writes its
 * profile there (open it in Chrome's DevTools): what a missed target is explained with.
 */
async function profiled<T>(name: string, step: () => Promise<T>): Promise<T> {
  const dir = process.env.SEATWISE_BENCH_PROFILE;
  if (!dir) return step();
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    return await step();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `sync-${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

function askParent<T>(message: unknown): Promise<T> {
  return new Promise((resolve) => {
    process.once('message', (reply) => resolve(reply as T));
    process.send!(message);
  });
}

if (process.send && process.argv[2]) {
  const input = JSON.parse(process.argv[2]) as SyncRunInput;
  main(input).then(
    (output) => process.send!({ op: 'result', output }, () => process.exit(0)),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}

const MB = 1024 * 1024;

/**
 * Samples this process's memory every 100 ms while a sync runs: the highest RSS seen, and at that moment what
 * the JS heap and buffers held (the rest is native: SQLite's caches and sorter, the allocator's free lists).
 */
function sampleMemory(): { peak: Measured['memory']; stop: () => void } {
  const begun = performance.now();
  const peak = { rssMb: 0, heapMb: 0, buffersMb: 0, maxHeapMb: 0, maxHeapAtMs: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    if (m.heapUsed / MB > peak.maxHeapMb) {
      peak.maxHeapMb = Math.round(m.heapUsed / MB);
      peak.maxHeapAtMs = Math.round(performance.now() - begun);
    }
    if (m.rss / MB <= peak.rssMb) return;
    peak.rssMb = Math.round(m.rss / MB);
    peak.heapMb = Math.round(m.heapUsed / MB);
    // `external` includes the ArrayBuffers.
    peak.buffersMb = Math.round(m.external / MB);
  };
  const timer = setInterval(sample, 100);
  return {
    peak,
    stop: () => {
      sample();
      clearInterval(timer);
    },
  };
}
