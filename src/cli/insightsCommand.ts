import type { Command } from 'commander';
import { money } from '../domain/words.ts';
import { withSeatwise } from './context.ts';
import { registerEconomicsCommands } from './economicsCommands.ts';
import { ago, count, printJson } from './output.ts';
import { integerIn } from './parsers.ts';

/** `seatwise insights [ID]`: paid seats against the plan, inactive paid seats and their cost, invites, guests. */
export function registerInsightsCommand(program: Command): void {
  const insights = program
    .command('insights [connectionId]')
    .description(
      'Paid seats against the plan, inactive paid seats and their cost, pending invites, guests and viewers',
    )
    .option(
      '--inactive-days <n>',
      "no activity for N days makes a paid seat inactive (default: the connection's, 90)",
      integerIn(1, 3650),
    )
    .option('--json', 'print JSON, one entry per connection')
    .action(async (connectionId: string | undefined, flags) => {
      const list = await withSeatwise((app) => app.insights.forConnections(connectionId, flags.inactiveDays));
      if (flags.json) return printJson(list);
      if (list.length === 0) {
        process.stdout.write('No connections yet. Add one with: seatwise connect --token <token>\n');
        return;
      }
      const blocks = list.map((i) => {
        const s = i.seats;
        const seats =
          s.planMax === null
            ? `${count(s.paid, 'paid seat')} (the plan's seat count is unknown)`
            : `${s.paid} of ${s.planMax} paid seats${s.available !== null && s.available < 0 ? `, ${-s.available} over the plan` : `, ${s.available} available`}`;
        const guests = `${count(s.guest, 'guest')}${s.billedGuests ? ` (${s.billedGuests} billed as seats)` : ' (free)'}`;
        const waste = i.cost
          ? `; they cost ${money(i.cost.monthlyWaste, i.cost.currency)} a month (${money(i.cost.yearlyWaste, i.cost.currency)} a year), saved by making them viewers`
          : '';
        return [
          `${i.connectionId}  ${i.accountName} (${i.planTier ?? 'plan unknown'}), synced ${ago(i.lastSyncedAt)}`,
          `  Seats               ${seats}: ${s.memberSeats} member seats${s.billedGuests ? ` + ${s.billedGuests} billed guests` : ''}`,
          `  Free                ${count(s.viewer, 'viewer')}, ${guests}`,
          `  Inactive paid seats ${i.inactivePaidSeats} with no activity for ${i.inactiveDays} days (${i.inactiveNeverActive} never active, ${count(i.inactiveAdmins, 'admin')})${waste}`,
          `  Pending invites     ${i.pendingInvites}${i.pendingInviteAge.oldestDays === null ? '' : `, oldest ${i.pendingInviteAge.oldestDays} days, ${i.pendingInviteAge.over30Days} over 30 days`}`,
          `  People              ${i.users} (${i.byStatus.active} active, ${i.byStatus.pending} pending, ${i.byStatus.deactivated} deactivated)${i.notPeople ? `; ${i.notPeople} not people` : ''}${i.unclassified.map((u) => `; ${u.count} of unclassified kind ${u.kind}`).join('')}`,
          `  Roles               admin ${i.byRole.admin}, member ${i.byRole.member}, viewer ${i.byRole.viewer}, guest ${i.byRole.guest}`,
        ].join('\n');
      });
      process.stdout.write(`${blocks.join('\n\n')}\n`);
    });

  insights
    .command('across')
    .description(
      "Across accounts: people in several accounts (and their paid seats), guests on the organisation's domains",
    )
    .option('--json', 'print JSON')
    .action(async (flags) => {
      const across = await withSeatwise((app) => app.insights.across());
      if (flags.json) return printJson(across);
      process.stdout.write(
        `${count(across.sharedPeople.length, 'person', 'people')} in more than one account, holding ${count(across.extraPaidSeats, 'paid seat')} beyond one each.\n`,
      );
      for (const p of across.sharedPeople.slice(0, 50))
        process.stdout.write(`  ${p.email}: ${p.connections} accounts, ${count(p.paidSeats, 'paid seat')}\n`);
      process.stdout.write(
        across.orgDomains.length
          ? `${count(across.ownDomainGuests.length, 'guest')} on the organisation's domains (${across.orgDomains.join(', ')}):\n`
          : "The organisation's domains are not set (seatwise settings --org-domains acme.com).\n",
      );
      for (const g of across.ownDomainGuests.slice(0, 50))
        process.stdout.write(`  ${g.email} in ${g.connectionId}\n`);
    });
  registerEconomicsCommands(insights);
}
