import { concurrencyBench } from './concurrencyBench.ts';
import { emulatorBench } from './emulatorBench.ts';
import { syncBench } from './syncBench.ts';

/** Runs every benchmark in turn (or those named on the command line); each prints its own figures. */
const benches: Record<string, () => Promise<void>> = {
  emulator: emulatorBench,
  sync: syncBench,
  concurrency: concurrencyBench,
};
const chosen = process.argv.slice(2);
for (const name of chosen.length ? chosen : Object.keys(benches)) {
  const bench = benches[name];
  if (!bench) throw new Error(`no benchmark named ${name}; choose from ${Object.keys(benches).join(', ')}`);
  await bench();
}
