import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { printJson } from './output.ts';

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** `seatwise backup FILE` and `seatwise restore FILE`: the embedded database, copied out and back. */
export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .description(
      'Copy the embedded database to FILE while Seatwise runs (a consistent copy, written in full or not at all). The secret key is not in it: keep secret.key (or SEATWISE_SECRET_KEY) apart from the backup. With PostgreSQL, says how to use pg_dump',
    )
    .argument('<file>', 'the backup file to write')
    .option('--force', 'replace FILE if it exists')
    .option('--json', 'print {"file","bytes","migrations","connections","users","keyIds"} as JSON')
    .action(async (file: string, flags) => {
      const { backupDatabase } = await import('../app/backup.ts');
      const result = await backupDatabase(loadConfig(), file, { force: flags.force === true });
      if (flags.json) return printJson(result);
      process.stdout.write(
        `Backed up to ${result.file} (${plural(result.bytes, 'byte')}): ${plural(result.connections, 'connection')}, ${plural(result.users, 'user')}, schema of ${plural(result.migrations, 'migration')}.\n`,
      );
      if (result.keyIds.length > 0)
        process.stdout.write(
          `Its tokens are sealed with key ${result.keyIds.join(', ')}, which is not in the backup: restoring needs this installation's secret.key (or SEATWISE_SECRET_KEY).\n`,
        );
    });

  program
    .command('restore')
    .description(
      "Replace the embedded database with a backup, with Seatwise stopped. The backup is migrated to this version and every token opened with this installation's secret key before it is moved in; a backup from a newer Seatwise, or one whose tokens do not open, is refused. The database it replaces is kept beside it",
    )
    .argument('<file>', 'a file written by seatwise backup')
    .option('--force', 'replace the database this data directory holds')
    .option('--json', 'print {"file","database","previous","migrated","connections","users"} as JSON')
    .action(async (file: string, flags) => {
      const { restoreDatabase } = await import('../app/backup.ts');
      const result = await restoreDatabase(loadConfig(), file, { force: flags.force === true });
      if (flags.json) return printJson(result);
      process.stdout.write(
        `Restored ${result.file} into ${result.database}: ${plural(result.connections, 'connection')}, ${plural(result.users, 'user')}${result.migrated > 0 ? `; ${plural(result.migrated, 'migration')} applied` : ''}.\n`,
      );
      if (result.previous) process.stdout.write(`The database it replaced is kept as ${result.previous}.\n`);
      process.stdout.write(
        'Start Seatwise again (seatwise serve); seatwise doctor checks the connections.\n',
      );
    });
}
