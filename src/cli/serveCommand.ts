import type { Command } from 'commander';
import { loadConfig } from '../config.ts';

/** `seatwise serve`: runs the Seatwise server (also what `npm start` runs). */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'Run the Seatwise server (settings from SEATWISE_PORT, SEATWISE_HOST, SEATWISE_DATA_DIR, LOG_LEVEL)',
    )
    .action(async () => {
      const config = loadConfig();
      const { buildServer } = await import('../http/server.ts');
      const app = buildServer({ logLevel: config.LOG_LEVEL });
      await app.listen({ port: config.SEATWISE_PORT, host: config.SEATWISE_HOST });
      const stop = async () => {
        await app.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
