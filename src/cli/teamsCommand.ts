import type { Command } from 'commander';
import { AppError } from '../domain/appError.ts';
import { withSeatwise } from './context.ts';
import { printJson, printTable } from './output.ts';

/**
 * `seatwise teams [teamId]`: monday's teams of every connection (or one, `--connection`) with members,
 * owners, paid seats and inactive paid seats; with a team id, that team, its owners and its members.
 */
export function registerTeamsCommand(program: Command): void {
  program
    .command('teams [teamId]')
    .description('List synced monday teams with members, owners and seats, or show one team and its members')
    .option('--connection <id>', 'only this connection (needed for a team id two connections share)')
    .option('--json', 'print JSON')
    .action(async (teamId: string | undefined, flags) => {
      if (teamId !== undefined && !/^\d{1,20}$/.test(teamId))
        throw new AppError(
          'invalid_input',
          'invalid_team',
          `team id must be a monday team id (digits), got ${JSON.stringify(teamId)}`,
        );
      await withSeatwise(async (app) => {
        if (!teamId) {
          const teams = await app.teams.list(flags.connection);
          if (flags.json) return printJson(teams);
          if (teams.length === 0) {
            process.stdout.write('No teams synced yet (run: seatwise sync).\n');
            return;
          }
          printTable(
            [
              'CONNECTION',
              'ACCOUNT',
              'TEAM',
              'NAME',
              'KIND',
              'MEMBERS',
              'OWNERS',
              'PAID SEATS',
              'INACTIVE PAID',
            ],
            teams.map((t) => [
              t.connectionId,
              t.accountName,
              t.id,
              t.name,
              t.isGuest ? 'guest team' : t.scimManaged ? 'SCIM' : 'team',
              String(t.members),
              String(t.owners),
              String(t.paidSeats),
              `${t.inactivePaidSeats} (${t.inactiveDays}d)`,
            ]),
          );
          process.stdout.write(`${teams.length} teams\n`);
          return;
        }
        const candidates = flags.connection
          ? [flags.connection as string]
          : await app.teams.connectionsOf(teamId);
        if (candidates.length === 0)
          throw new AppError('not_found', 'team_not_found', `no synced team ${teamId} (run: seatwise teams)`);
        if (candidates.length > 1)
          throw new AppError(
            'invalid_input',
            'ambiguous_team',
            `team ${teamId} is in ${candidates.length} connections (${candidates.join(', ')}): name one with --connection`,
          );
        const connectionId = candidates[0]!;
        const team = await app.teams.get(connectionId, teamId);
        const members = await app.users.list({ connectionId, team: teamId });
        if (flags.json) return printJson({ ...team, memberUsers: members.map(({ removed: _r, ...u }) => u) });
        const owners = new Set(team.ownerUsers.map((u) => u.id));
        process.stdout.write(
          [
            `${team.name} (team ${team.id}) in ${team.accountName}, connection ${team.connectionId}`,
            `  Kind          ${team.isGuest ? 'guest team (guests only)' : 'team'}`,
            `  Managed by    ${team.scimManaged === null ? 'unknown (no SCIM token)' : team.scimManaged ? 'an identity provider, through SCIM' : 'monday'}`,
            `  Members       ${team.members}`,
            `  Owners        ${team.ownerUsers.length ? team.ownerUsers.map((u) => `${u.name} <${u.email}>`).join(', ') : 'none'}`,
            `  Paid seats    ${team.paidSeats}, ${team.inactivePaidSeats} inactive for ${team.inactiveDays} days`,
            '',
          ].join('\n'),
        );
        if (members.length === 0) {
          process.stdout.write('No members.\n');
          return;
        }
        printTable(
          ['ID', 'NAME', 'EMAIL', 'ROLE', 'STATUS', 'LICENSE', 'LAST ACTIVE', 'OWNER'],
          members.map((u) => [
            u.id,
            u.name,
            u.email,
            u.role,
            u.status,
            u.license ?? '-',
            u.lastActivityAt?.slice(0, 10) ?? 'never',
            owners.has(u.id) ? 'yes' : '',
          ]),
        );
      });
    });
}
