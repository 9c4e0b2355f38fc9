import { emulatorBench } from './emulatorBench.ts';

/** Runs every benchmark in turn; each prints its own figures. */
await emulatorBench();
