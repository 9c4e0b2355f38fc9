import type { Command } from 'commander';
import { withSeatwise } from './context.ts';
import { ago, count, printJson } from './output.ts';

/** `seatwise insights [ID]`: seats against the plan, inactive paid seats, invites, guests and viewers. */
export function registerInsightsCommand(program: Command): void {
  program
    .command('insights [connectionId]')
    .description('Seats used against the plan, inactive paid seats, pending invites, guests and viewers')
    .option('--json', 'print JSON, one entry per connection')
    .action(async (connectionId: string | undefined, flags) => {
      const list = await withSeatwise((app) => app.insights.forConnections(connectionId));
      if (flags.json) return printJson(list);
      if (list.length === 0) {
        process.stdout.write('No connections yet. Add one with: seatwise connect --token <token>\n');
        return;
      }
      const blocks = list.map((i) => {
        const seats =
          i.seats.max === null
            ? `${count(i.seats.used, 'paid seat')} in use (the plan's seat count is unknown)`
            : `${i.seats.used} of ${i.seats.max} paid seats in use${i.seats.available === null ? '' : `, ${i.seats.available} available`}`;
        const inactive = i.inactivePaidSeats;
        return [
          `${i.connectionId}  ${i.accountName} (${i.planTier ?? 'plan unknown'}), synced ${ago(i.lastSyncedAt)}`,
          `  Seats               ${seats}`,
          `  People              ${i.users} (${i.byStatus.active} active, ${i.byStatus.pending} pending, ${i.byStatus.deactivated} deactivated)${i.notPeople ? `; ${i.notPeople} not people` : ''}`,
          `  Roles               admin ${i.byRole.admin}, member ${i.byRole.member}, viewer ${i.byRole.viewer}, guest ${i.byRole.guest}`,
          `  Inactive paid seats ${inactive.days30} over 30 days, ${inactive.days60} over 60, ${inactive.days90} over 90; ${inactive.never} never active`,
          `  Pending invites     ${i.pendingInvites}`,
          `  Guests, viewers     ${i.guests.active} active guests (${i.guests.billed} billed), ${count(i.viewers, 'viewer')}`,
        ].join('\n');
      });
      process.stdout.write(`${blocks.join('\n\n')}\n`);
    });
}
