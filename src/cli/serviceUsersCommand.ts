import type { Command } from 'commander';
import { AppError } from '../domain/appError.ts';
import { actor } from './actionCommands.ts';
import { withSeatwise } from './context.ts';
import { ago, printJson, printTable } from './output.ts';

const findingWords: Record<string, string> = {
  token_unused: 'token unused',
  creator_deactivated: 'creator left',
  token_active_creator_left: 'token active after its creator left',
};

function positive(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > 3650)
    throw new AppError('invalid_input', 'invalid_filter', `${what} must be a whole number from 1 to 3650`);
  return Number(value);
}

/** `seatwise service-users ID` and `seatwise service-users revoke ID SERVICE_USER_ID`. */
export function registerServiceUsersCommand(program: Command): void {
  const command = program
    .command('service-users')
    .description("monday's service users (non-human identities) of a connection, and revoking their tokens");
  command
    .command('list <connectionId>', { isDefault: true })
    .description(
      'List service users with their creator and findings: tokens unused, creators who left, tokens active after their creator left',
    )
    .option(
      '--unused-days <days>',
      "a token unused this long is flagged (default: the connection's inactivity days)",
    )
    .option('--json', 'print JSON')
    .action(async (connectionId: string, flags) => {
      const days = positive(flags.unusedDays, '--unused-days');
      await withSeatwise(async (app) => {
        const list = await app.serviceUsers.list(connectionId, days);
        if (flags.json) return printJson(list);
        if (list.error) process.stdout.write(`Service users ${list.error}\n`);
        if (list.serviceUsers.length === 0) {
          process.stdout.write(
            list.readAt
              ? 'No service users in this account.\n'
              : 'No service users read yet (run: seatwise sync).\n',
          );
          return;
        }
        printTable(
          ['ID', 'NAME', 'ENABLED', 'TOKEN', 'LAST TOKEN USE', 'CREATED BY', 'FINDINGS'],
          list.serviceUsers.map((u) => [
            u.id,
            u.name,
            u.enabled === null ? '?' : u.enabled ? 'yes' : 'no',
            u.hasToken === null ? '?' : u.hasToken ? 'yes' : 'no',
            u.lastTokenActivity ? ago(u.lastTokenActivity) : 'never',
            u.createdBy
              ? `${u.createdBy.email ?? u.createdBy.id} (${u.createdBy.status ?? 'not in the copy'})`
              : '',
            u.findings.map((f) => findingWords[f] ?? f).join(', '),
          ]),
        );
        const s = list.summary;
        process.stdout.write(
          `${s.total} service users, ${s.withToken} with a token: ${s.token_unused} unused for ${list.unusedDays} days, ${s.creator_deactivated} whose creator left, ${s.token_active_creator_left} active after their creator left (read ${ago(list.readAt)})\n`,
        );
      });
    });
  command
    .command('revoke <connectionId> <serviceUserId>')
    .description(
      "Revoke every API token of a service user (read-and-act connection, admin token); monday's state after the act decides the outcome",
    )
    .option('--dry-run', 'show the plan only')
    .option('--idempotency-key <key>', 'the same key never revokes twice (a repeat shows the first result)')
    .option('--json', 'print JSON')
    .action(async (connectionId: string, serviceUserId: string, flags) => {
      const result = await withSeatwise((app) =>
        app.serviceUsers.revokeTokens(
          {
            connectionId,
            serviceUserId,
            dryRun: Boolean(flags.dryRun),
            idempotencyKey: flags.idempotencyKey,
          },
          actor(),
        ),
      );
      if (flags.json) printJson(result);
      else {
        const words: Record<string, string> = {
          planned: `would ${result.plan.change}`,
          revoked: 'revoked: monday shows no token now',
          unchanged: 'nothing to do: monday shows no token',
          failed: `failed: ${result.error?.message ?? 'monday did not confirm it'}`,
          unverified: `unverified: monday could not be read after the act${result.error ? ` (${result.error.message})` : ''}`,
        };
        process.stdout.write(
          `${result.name} (${result.serviceUserId}): ${words[result.outcome]}${result.replayed ? ' (a repeat: the first result)' : ''}\n`,
        );
      }
      if (result.outcome === 'failed' || result.outcome === 'unverified') process.exitCode = 7;
    });
}
