import type { Seatwise } from '../compose.ts';
import { loadConfig } from '../config.ts';
import { checkDataLocation } from '../dataLocation.ts';

/**
 * Opens Seatwise for one command from the environment's configuration and always closes it. Only commands that
 * start something new (`create`: connect) may create the embedded database; the others say where they looked.
 */
export async function withSeatwise<T>(
  run: (app: Seatwise) => Promise<T>,
  options: { create?: boolean } = {},
): Promise<T> {
  const config = loadConfig();
  checkDataLocation(config, options.create ? 'create' : 'existing');
  // Loaded on use so `--help` and light commands start fast.
  const { createSeatwise } = await import('../compose.ts');
  const app = await createSeatwise(config);
  try {
    return await run(app);
  } finally {
    await app.close();
  }
}
