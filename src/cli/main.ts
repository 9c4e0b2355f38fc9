import { Command } from 'commander';
import { ConfigError } from '../config.ts';
import { AppError } from '../domain/appError.ts';
import { registerActionCommands } from './actionCommands.ts';
import { registerConnectionCommands } from './connectionCommands.ts';
import { registerEmulatorCommand } from './emulatorCommand.ts';
import { registerKeysCommands } from './keysCommands.ts';
import { exitCodeFor } from './output.ts';
import { registerServeCommand } from './serveCommand.ts';
import { registerSyncCommands } from './syncCommands.ts';
import { registerUsersCommand } from './usersCommand.ts';

// A closed pipe (`seatwise users | head`) is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

/** The `seatwise` command line. */
const program = new Command()
  .name('seatwise')
  .description('Seatwise: govern the users, roles and licenses of monday.com accounts')
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ outputError: (text, write) => write(text) });

registerConnectionCommands(program);
registerSyncCommands(program);
registerUsersCommand(program);
registerActionCommands(program);
registerKeysCommands(program);
registerServeCommand(program);
registerEmulatorCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const known = error instanceof AppError || error instanceof ConfigError;
  process.stderr.write(
    `seatwise: ${(error as Error).message}${error instanceof AppError ? ` [${error.code}]` : ''}\n`,
  );
  if (!known && process.env.LOG_LEVEL === 'debug') process.stderr.write(`${(error as Error).stack}\n`);
  process.exitCode = exitCodeFor(error);
}
