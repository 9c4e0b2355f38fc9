import { Command } from 'commander';
import { registerEmulatorCommand } from './emulatorCommand.ts';
import { registerServeCommand } from './serveCommand.ts';

/** The `seatwise` command line. */
const program = new Command()
  .name('seatwise')
  .description('Seatwise: govern the users, roles and licenses of monday.com accounts')
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ outputError: (text, write) => write(text) });

registerServeCommand(program);
registerEmulatorCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`seatwise: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
