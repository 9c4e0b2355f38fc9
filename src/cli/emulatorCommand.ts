import type { Command } from 'commander';
import { type PlanTier, planTiers } from '../emulator/model.ts';
import { count } from './output.ts';
import { stopWithNpmParent } from './parentWatch.ts';
import { integerIn, oneOf } from './parsers.ts';

interface EmulatorFlags {
  port: number;
  host: string;
  users: number;
  accounts: number;
  plan: PlanTier;
  seed: number;
  latencyMs: number;
  json?: boolean;
}

/** `seatwise emulator`: a local monday.com (GraphQL + SCIM) for tests, benchmarks and the demo. */
export function registerEmulatorCommand(program: Command): void {
  program
    .command('emulator')
    .description('Run a local monday.com emulator (GraphQL /v2 and SCIM /scim/v2) with seeded accounts')
    .option('--port <port>', 'port to listen on (0 picks a free one)', integerIn(0, 65535), 4320)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--users <n>', 'users per account', integerIn(3, 1_000_000), 500)
    .option('--accounts <n>', 'number of accounts', integerIn(1, 100), 1)
    .option(
      '--plan <tier>',
      `plan of every account (${planTiers.join(', ')})`,
      oneOf(planTiers),
      'enterprise',
    )
    .option(
      '--seed <n>',
      'seed: the same seed gives the same accounts, users and tokens',
      integerIn(0, 2 ** 31 - 1),
      1,
    )
    .option('--latency-ms <ms>', 'delay added to every answer', integerIn(0, 600_000), 0)
    .option('--json', 'print one JSON line with the URLs, accounts and tokens when ready')
    .action(async (flags: EmulatorFlags) => {
      const { startEmulator } = await import('../emulator/server.ts');
      const emulator = await startEmulator({
        port: flags.port,
        host: flags.host,
        users: flags.users,
        accounts: flags.accounts,
        plan: flags.plan,
        seed: flags.seed,
        latencyMs: flags.latencyMs,
      });
      const description = emulator.describe();
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(description)}\n`);
      } else {
        const lines = [
          'monday.com emulator ready',
          `  GraphQL  ${description.graphqlUrl}`,
          `  SCIM     ${description.scimUrl}`,
          '',
        ];
        for (const account of emulator.accounts) {
          lines.push(
            `account ${account.id}  ${account.name} (${account.slug}.monday.com)  plan ${account.tier}  ${count(account.users.length, 'user')}`,
          );
          lines.push(`  admin token   ${account.tokens.admin}`);
          lines.push(`  member token  ${account.tokens.member}`);
          lines.push(`  viewer token  ${account.tokens.viewer}`);
          lines.push(`  SCIM token    ${account.scimToken ?? '(none: SCIM needs the Enterprise plan)'}`);
          lines.push('');
        }
        lines.push('Stop with Ctrl+C.');
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      const stop = async () => {
        await emulator.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      stopWithNpmParent();
    });
}
