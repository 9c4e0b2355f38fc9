import { emulatorBench } from './emulatorBench.ts';
import { syncBench } from './syncBench.ts';

/** Runs every benchmark in turn; each prints its own figures. */
await emulatorBench();
await syncBench();
