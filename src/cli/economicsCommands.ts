import type { Command } from 'commander';
import type { ConnectionRightSizing } from '../app/economicsService.ts';
import { teamCostsCsv } from '../app/economicsService.ts';
import { money } from '../domain/words.ts';
import { withSeatwise } from './context.ts';
import { count, printJson, printTable } from './output.ts';
import { bucketPrice, commaList, oneOf, price } from './parsers.ts';

const amount = (n: number | null, currency: string) => (n === null ? 'unpriced' : money(n, currency));

/** `seatwise insights right-size|teams|seat-plan`: seat buckets, renewals and cost by team. */
export function registerEconomicsCommands(insights: Command): void {
  insights
    .command('right-size [connectionId]')
    .description(
      'The seat bucket each account is on, the smallest it can reach and the fewest changes that get there (longest inactive first), with the yearly saving',
    )
    .option(
      '--propose',
      'turn the plan into proposals to review (seatwise proposals), through the right-sizing policy',
    )
    .option('--json', 'print JSON, one entry per connection')
    .action(async (connectionId: string | undefined, flags) => {
      if (flags.propose) {
        if (!connectionId)
          throw new Error('--propose needs a connection id: seatwise insights right-size ID --propose');
        const made = await withSeatwise((app) => app.economics.propose(connectionId));
        if (flags.json) return printJson(made);
        process.stdout.write(
          `${count(made.proposals.length, 'open proposal')} from right-sizing policy ${made.policyId}.${made.proposals.length ? ' Approve with: seatwise proposals approve ID...' : ''}\n`,
        );
        for (const p of made.proposals) process.stdout.write(`  ${p.id}  ${p.email}: ${p.reason}\n`);
        return;
      }
      const list = await withSeatwise((app) => app.economics.rightSizing(connectionId));
      if (flags.json) return printJson(list);
      if (list.length === 0) {
        process.stdout.write('No connections yet. Add one with: seatwise connect --token <token>\n');
        return;
      }
      process.stdout.write(`${list.map(describe).join('\n\n')}\n`);
    });

  insights
    .command('teams [connectionId]')
    .description('Paid seats and their cost per team (a person in several teams is split evenly)')
    .option('--csv', 'print CSV for finance (chargeback, showback)')
    .option('--json', 'print JSON')
    .action(async (connectionId: string | undefined, flags) => {
      const costs = await withSeatwise((app) => app.economics.teamCosts(connectionId));
      if (flags.csv) {
        process.stdout.write(teamCostsCsv(costs.teams));
        return;
      }
      if (flags.json) return printJson(costs);
      printTable(
        ['ACCOUNT', 'TEAM', 'HOLDERS', 'PAID SEATS', 'MONTHLY', 'YEARLY'],
        costs.teams.map((t) => [
          t.accountName,
          t.teamName,
          t.holders,
          t.paidSeats.toFixed(2),
          amount(t.monthlyCost, t.currency),
          amount(t.yearlyCost, t.currency),
        ]),
      );
      for (const t of costs.totals)
        process.stdout.write(
          `Total: ${t.paidSeats.toFixed(2)} paid seats, ${amount(t.monthlyCost, t.currency)} a month, ${amount(t.yearlyCost, t.currency)} a year\n`,
        );
      process.stdout.write(`Rule: ${costs.rule}\n`);
    });

  insights
    .command('seat-plan <connectionId>')
    .description(
      "Show or set a connection's seat plan: prices, billing period, renewal date, protected people",
    )
    .option('--seat-price <amount>', 'what a paid seat costs a month', price)
    .option('--currency <code>', 'the currency of the prices, e.g. USD')
    .option('--bucket-price <seats=price>', "a bucket's price a month, e.g. 50=600 (repeatable)", bucketPrice)
    .option('--billing-period <period>', 'monthly or yearly', oneOf(['monthly', 'yearly']))
    .option('--renewal-date <date>', 'when the plan renews, YYYY-MM-DD ("none" clears it)')
    .option(
      '--protect-emails <emails>',
      'comma-separated people right-sizing never changes ("" clears them)',
      commaList,
    )
    .option(
      '--protect-domains <domains>',
      'comma-separated domains right-sizing never changes ("" clears them)',
      commaList,
    )
    .option('--json', 'print JSON')
    .action(async (connectionId: string, flags) => {
      const changes = {
        ...(flags.seatPrice !== undefined ? { seatPrice: flags.seatPrice } : {}),
        ...(flags.currency !== undefined ? { currency: flags.currency } : {}),
        ...(flags.bucketPrice !== undefined ? { bucketPrices: flags.bucketPrice } : {}),
        ...(flags.billingPeriod !== undefined ? { billingPeriod: flags.billingPeriod } : {}),
        ...(flags.renewalDate !== undefined
          ? { renewalDate: flags.renewalDate === 'none' ? null : flags.renewalDate }
          : {}),
        ...(flags.protectEmails !== undefined ? { protectedEmails: flags.protectEmails } : {}),
        ...(flags.protectDomains !== undefined ? { protectedDomains: flags.protectDomains } : {}),
      };
      const plan = await withSeatwise((app) =>
        Object.keys(changes).length
          ? app.economics.setSeatPlan(connectionId, changes)
          : app.economics.seatPlan(connectionId),
      );
      if (flags.json) return printJson(plan);
      const prices = Object.entries(plan.bucketPrices);
      process.stdout.write(
        `${[
          `Seat plan of ${plan.connectionId}`,
          `  Price per seat     ${plan.seatPrice === null ? 'not set' : `${money(plan.seatPrice, plan.currency)} a month`}`,
          `  Bucket prices      ${prices.length ? prices.map(([s, p]) => `${s} seats: ${money(p, plan.currency)}`).join(', ') : 'not set'}`,
          `  Billing period     ${plan.billingPeriod ?? 'not set'}`,
          `  Renewal date       ${plan.renewalDate ?? 'not set'}`,
          `  Protected          ${[...plan.protectedEmails, ...plan.protectedDomains].join(', ') || 'nobody'}`,
          `  Buckets            ${plan.buckets.join(', ')}`,
        ].join('\n')}\n`,
      );
    });
}

function describe(r: ConnectionRightSizing): string {
  const lines = [
    `${r.connectionId}  ${r.accountName} (${r.planTier ?? 'plan unknown'})`,
    `  Bucket now        ${r.currentBucket ?? 'unknown'} seats; ${r.seatsUsed} used (${r.memberSeats} member seats${r.billedGuests ? ` + ${r.billedGuests} billed guests` : ''})${r.pendingMembers ? `, ${r.pendingMembers} pending invitations reserved` : ''}`,
    `  Target bucket     ${r.targetBucket ?? 'unknown'}${r.nextSmallerBucket !== null ? ` (next smaller: ${r.nextSmallerBucket})` : ''}`,
    `  Yearly saving     ${amount(r.yearlySaving, r.currency)}`,
    `  ${r.summary}`,
  ];
  for (const c of r.changes) lines.push(`    ${c.email} (${c.role}) → viewer: ${c.reason}`);
  if (r.renewal) {
    const p = r.renewal.plan;
    lines.push(
      `  Renewal           ${r.renewal.date} (in ${r.renewal.daysLeft} days): about ${r.renewal.projectedSeats} paid seats (trend ${r.renewal.trendPerMonth >= 0 ? '+' : ''}${r.renewal.trendPerMonth} a month); target ${p.targetBucket ?? 'unknown'} with ${count(p.changes.length, 'change')}`,
    );
  }
  return lines.join('\n');
}
