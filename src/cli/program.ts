import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../config.ts';
import { describeDataLocation } from '../dataLocation.ts';
import { AppError } from '../domain/appError.ts';
import { registerActionCommands } from './actionCommands.ts';
import { registerBackupCommands } from './backupCommands.ts';
import { registerConnectionCommands } from './connectionCommands.ts';
import { registerDoctorCommand } from './doctorCommand.ts';
import { registerEmulatorCommand } from './emulatorCommand.ts';
import { registerInsightsCommand } from './insightsCommand.ts';
import { registerKeysCommands } from './keysCommands.ts';
import { registerOffboardCommands } from './offboardCommands.ts';
import { describeForCli, exitCodeFor } from './output.ts';
import { registerPeopleCommands } from './peopleCommands.ts';
import { registerPolicyCommands } from './policyCommands.ts';
import { registerReviewCommands } from './reviewCommands.ts';
import { registerSecretsCommands } from './secretsCommands.ts';
import { registerServeCommand } from './serveCommand.ts';
import { registerServiceUsersCommand } from './serviceUsersCommand.ts';
import { registerSyncCommands } from './syncCommands.ts';
import { registerTeamsCommand } from './teamsCommand.ts';
import { registerUsersCommand } from './usersCommand.ts';
import { registerWorkerCommand } from './workerCommand.ts';

/** The `seatwise` command line, built fresh for each run (commander keeps parsed values on the program). */
export function buildProgram(): Command {
  const program = new Command()
    .name('seatwise')
    .description('Seatwise: govern the users, roles and licenses of monday.com accounts')
    .version(version, '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    // `runs show RUN --limit 3`: an option after a subcommand belongs to it, not to its parent.
    .enablePositionalOptions()
    .configureOutput({ outputError: (text, write) => write(text) })
    // Usage errors come back here (exit 2) instead of ending the process with 1.
    .exitOverride();

  program.addHelpText('after', () => {
    try {
      return `\nData: ${describeDataLocation(loadConfig())}\n`;
    } catch (error) {
      return `\nData: unknown (${(error as Error).message})\n`;
    }
  });

  registerConnectionCommands(program);
  registerSyncCommands(program);
  registerUsersCommand(program);
  registerTeamsCommand(program);
  registerServiceUsersCommand(program);
  registerPeopleCommands(program);
  registerActionCommands(program);
  registerInsightsCommand(program);
  registerPolicyCommands(program);
  registerOffboardCommands(program);
  registerReviewCommands(program);
  registerKeysCommands(program);
  registerSecretsCommands(program);
  registerServeCommand(program);
  registerWorkerCommand(program);
  registerEmulatorCommand(program);
  registerDoctorCommand(program);
  registerBackupCommands(program);
  return program;
}

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/**
 * Runs one command line (`argv` as in process.argv) and returns its exit code: 0, 2 for usage errors and bad
 * input, and the codes `exitCodeFor` documents. Errors are printed as one line, never as a stack trace.
 */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  process.exitCode = undefined;
  try {
    if (argv.length <= 2) program.outputHelp();
    else await program.parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end with 0; an unknown option, a missing or invalid value is a usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    const known = error instanceof AppError || error instanceof ConfigError;
    process.stderr.write(
      `seatwise: ${describeForCli(error)}${error instanceof AppError ? ` [${error.code}]` : ''}\n`,
    );
    if (!known && process.env.LOG_LEVEL === 'debug') process.stderr.write(`${(error as Error).stack}\n`);
    return exitCodeFor(error);
  }
}
