import { parseArgs } from 'node:util';
import { apiBench } from './apiBench.ts';
import { emulatorBench } from './emulatorBench.ts';
import { processesBench } from './processesBench.ts';
import { syncBench } from './syncBench.ts';

/**
 * `npm run bench [-- NAME...] [--users N] [--latency MS] [--json] [--postgres URL]`: runs every benchmark in
 * turn (or those named); each prints its figures (with `--json`, one JSON object per case on a line of its
 * own) and writes them to bench/results/.
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    users: { type: 'string' },
    latency: { type: 'string' },
    json: { type: 'boolean', default: false },
    postgres: { type: 'string' },
  },
});
const number = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number`);
  return n;
};
const users = number(values.users, 'users');
const latency = values.latency === undefined ? undefined : Number(values.latency);
const benches: Record<string, () => Promise<unknown>> = {
  emulator: emulatorBench,
  sync: () =>
    syncBench({
      sizes: users ? [users] : [1_000, 10_000, 100_000, 1_000_000],
      latencies: latency !== undefined ? [latency] : [0, 20, 250],
      json: values.json ?? false,
      databaseUrl: values.postgres,
    }),
  processes: () => processesBench({ users: users ?? 100_000, json: values.json ?? false }),
  api: () => apiBench({ users: users ?? 100_000 }),
};
// --users/--json on their own mean the sync benchmarks: one process, and a server beside a CLI sync.
const chosen = positionals.length
  ? positionals
  : values.json || users
    ? ['sync', 'processes']
    : Object.keys(benches);
for (const name of chosen) {
  const bench = benches[name];
  if (!bench) throw new Error(`no benchmark named ${name}; choose from ${Object.keys(benches).join(', ')}`);
  await bench();
}
