import type { Command } from 'commander';
import { userExportColumns } from '../app/usersService.ts';
import { licenses, statuses, storedRoles } from '../domain/directory.ts';
import { withSeatwise } from './context.ts';
import { printCsv, printJson, printTable } from './output.ts';
import { integerIn, oneOf } from './parsers.ts';

/** `seatwise users`: the synced users with filters, as a table, JSON or CSV. */
export function registerUsersCommand(program: Command): void {
  program
    .command('users [connectionId]')
    .description('List synced users (all connections unless one is named)')
    .option('--role <role>', storedRoles.join('|'), oneOf(storedRoles))
    .option('--status <status>', statuses.join('|'), oneOf(statuses))
    .option('--license <license>', licenses.join('|'), oneOf(licenses))
    .option(
      '--inactive-days <n>',
      'no activity in the last N days (never active included)',
      integerIn(0, 36_500),
    )
    .option('--search <text>', 'name or email contains')
    .option('--json', 'print a JSON array')
    .option('--csv', 'print CSV')
    .action(async (connectionId: string | undefined, flags) => {
      const users = await withSeatwise(async (app) => {
        if (connectionId) await app.connections.get(connectionId);
        return app.users.list({
          connectionId,
          role: flags.role,
          status: flags.status,
          license: flags.license,
          inactiveDays: flags.inactiveDays,
          search: flags.search,
        });
      });
      if (flags.json) return printJson(users.map(({ removed: _removed, ...u }) => u));
      if (flags.csv)
        return printCsv(
          [...userExportColumns],
          users.map((u) => userExportColumns.map((c) => u[c])),
        );
      if (users.length === 0) {
        process.stdout.write('No users match.\n');
        return;
      }
      printTable(
        ['CONNECTION', 'ID', 'NAME', 'EMAIL', 'ROLE', 'STATUS', 'LICENSE', 'LAST ACTIVE'],
        users.map((u) => [
          u.connectionId,
          u.id,
          u.name,
          u.email,
          u.role,
          u.status,
          u.license ?? '-',
          u.lastActivityAt?.slice(0, 10) ?? 'never',
        ]),
      );
      process.stdout.write(`${users.length} users\n`);
    });
}
