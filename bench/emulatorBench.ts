import { performance } from 'node:perf_hooks';
import { startEmulator } from '../src/emulator/server.ts';

const USERS = 100_000;
const PAGE = 1000;
const PAGE_QUERY = `query ($page: Int!) { users(limit: ${PAGE}, page: $page, status: [ACTIVE, INACTIVE, PENDING]) {
  id name email title url created_at last_activity enabled is_admin is_guest is_view_only is_pending
  kind status invitation_method is_email_confirmed became_active_at teams { id name } } }`;

/** The emulator must serve a 100,000-user account and answer a 1000-user page fast enough for sync benchmarks. */
export async function emulatorBench(): Promise<void> {
  const seedStart = performance.now();
  const emulator = await startEmulator({
    users: USERS,
    plan: 'enterprise',
    limits: { complexityPerMinute: 2_000_000_000, maxQueryComplexity: 2_000_000_000 },
  });
  const seedMs = performance.now() - seedStart;
  const token = emulator.accounts[0]!.tokens.admin;
  const timings: number[] = [];
  let rows = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  for (let page = 1; ; page++) {
    const started = performance.now();
    const response = await fetch(emulator.graphqlUrl, {
      method: 'POST',
      headers: { authorization: token, 'content-type': 'application/json' },
      body: JSON.stringify({ query: PAGE_QUERY, variables: { page } }),
    });
    const body = (await response.json()) as { data: { users: unknown[] } };
    timings.push(performance.now() - started);
    rows += body.data.users.length;
    if (body.data.users.length < PAGE) break;
  }
  await emulator.close();
  timings.sort((a, b) => a - b);
  const p = (q: number) => timings[Math.min(timings.length - 1, Math.floor(q * timings.length))]!;
  const total = timings.reduce((a, b) => a + b, 0);
  console.log(`emulator: seeded ${USERS.toLocaleString()} users in ${seedMs.toFixed(0)} ms`);
  console.log(
    `emulator: ${timings.length} pages of ${PAGE} (${rows.toLocaleString()} rows) in ${total.toFixed(0)} ms — page p50 ${p(0.5).toFixed(1)} ms, p95 ${p(0.95).toFixed(1)} ms, max ${p(1).toFixed(1)} ms`,
  );
  console.log(
    `emulator: ${(rows / (total / 1000)).toFixed(0)} users/s read over HTTP; heap +${((process.memoryUsage().heapUsed - heapBefore) / 1e6).toFixed(0)} MB`,
  );
}
