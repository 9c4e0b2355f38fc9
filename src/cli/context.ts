import type { Seatwise } from '../compose.ts';
import { loadConfig } from '../config.ts';

/** Opens Seatwise for one command from the environment's configuration and always closes it. */
export async function withSeatwise<T>(run: (app: Seatwise) => Promise<T>): Promise<T> {
  const config = loadConfig();
  // Loaded on use so `--help` and light commands start fast.
  const { createSeatwise } = await import('../compose.ts');
  const app = await createSeatwise(config);
  try {
    return await run(app);
  } finally {
    await app.close();
  }
}
