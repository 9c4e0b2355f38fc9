import type { Command } from 'commander';
import type { ConnectionView } from '../app/connections.ts';
import { loadConfig } from '../config.ts';
import { describeDataLocation } from '../dataLocation.ts';
import { AppError } from '../domain/appError.ts';
import { actor } from './actionCommands.ts';
import { withSeatwise } from './context.ts';
import { ago, printJson, printTable } from './output.ts';
import { integerIn, oneOf, price } from './parsers.ts';

const permissions = ['read', 'read_and_act'] as const;

/** `-` reads a secret from standard input, so it stays out of the shell history and the process list. */
async function secret(value: string | undefined): Promise<string | undefined> {
  if (value !== '-') return value;
  if (process.stdin.isTTY) process.stderr.write('Paste the token and press Ctrl+D: ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

function oneFromStdin(...values: (string | undefined)[]): void {
  if (values.filter((v) => v === '-').length > 1)
    throw new AppError('invalid_input', 'stdin_twice', 'only one token can be read from standard input (-)');
}

function describeConnection(c: ConnectionView): string {
  const lines = [
    `${c.id}  ${c.accountName} (${c.accountSlug}.monday.com, account ${c.accountId})`,
    `  plan         ${c.planTier ?? 'unknown'}${c.maxUsers ? `, ${c.maxUsers} seats` : ''}`,
    `  permission   ${c.permission}`,
    `  status       ${c.status}${c.statusReason ? ` (${c.statusReason})` : ''}`,
    `  users        ${c.userCount}, last sync ${ago(c.lastSyncedAt)}`,
    `  API          ${c.apiUrl} (version ${describeVersion(c)}), token owner ${c.tokenOwnerId} (${c.tokenOwnerKind ?? 'unknown'})`,
    ...(c.apiVersionNotice
      ? [
          `  ${c.apiVersionNotice.level === 'warning' ? 'WARNING' : 'note'}      ${c.apiVersionNotice.message}`,
        ]
      : []),
    ...(c.dailyUsage ? [`  daily calls  ${describeDailyUsage(c.dailyUsage)}`] : []),
    ...(c.syncDeferred ? [`  deferred     ${c.syncDeferred}`] : []),
    `  SCIM         ${c.hasScimToken ? `token set, ${c.scimUrl}` : 'no token'}`,
    `  offboarding  ${c.graphqlOffboarding ? 'SCIM, and GraphQL for users SCIM did not provision' : 'SCIM only (GraphQL not allowed)'}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** `current (monday serves 2026-10)`, or the pin and what monday served for it. */
function describeVersion(c: ConnectionView): string {
  const served = c.servedApiVersion;
  if (c.apiVersion === 'current') return served ? `current: monday serves ${served}` : 'current';
  return served && served !== c.apiVersion
    ? `${c.apiVersion} pinned, monday serves ${served}`
    : `${c.apiVersion} pinned`;
}

/** `412 of 25,000 used today (Seatwise's token owner 380); a sync costs about 31; resets 00:00 UTC`. */
export function describeDailyUsage(u: NonNullable<ConnectionView['dailyUsage']>): string {
  const used = u.usedToday === null ? 'unknown use' : `${u.usedToday.toLocaleString('en-US')} used`;
  const limit = u.limit === null ? 'limit unknown' : `of ${u.limit.toLocaleString('en-US')}`;
  const owner =
    u.tokenOwnerToday === null
      ? ''
      : ` (Seatwise's token owner ${u.tokenOwnerToday.toLocaleString('en-US')})`;
  const cost = u.syncCost === null ? '' : `; a sync costs about ${u.syncCost}`;
  return `${used} ${limit} today${owner}${cost}; resets 00:00 UTC (read ${u.readAt.slice(0, 16).replace('T', ' ')} UTC)`;
}

/** `seatwise connect`, `connections`, `connections show|update`, `disconnect`. */
export function registerConnectionCommands(program: Command): void {
  program
    .command('connect')
    .description('Connect a monday account: validates the API token live and stores it encrypted')
    .requiredOption('--token <token>', 'monday API v2 token (- reads it from standard input)')
    .option('--account-url <url>', 'the account URL, https://<slug>.monday.com (checked against the token)')
    .option('--scim-token <token>', 'SCIM token, Enterprise plans (- reads it from standard input)')
    .option('--permission <level>', 'read or read_and_act', oneOf(permissions), 'read')
    .option(
      '--api-version <version>',
      "monday API version: current (follows monday's calendar) or a pin, 2026-07 or later",
      'current',
    )
    .option('--api-url <url>', 'GraphQL endpoint (default https://api.monday.com/v2)')
    .option('--scim-url <url>', 'SCIM endpoint (default https://<slug>.monday.com/scim/v2)')
    .option('--json', 'print the connection as JSON')
    .action(async (flags) => {
      oneFromStdin(flags.token, flags.scimToken);
      const token = await secret(flags.token);
      const scimToken = await secret(flags.scimToken);
      const connection = await withSeatwise(
        (app) =>
          app.connections.add(
            {
              token: token!,
              accountUrl: flags.accountUrl,
              scimToken,
              permission: flags.permission,
              apiVersion: flags.apiVersion,
              apiUrl: flags.apiUrl,
              scimUrl: flags.scimUrl,
            },
            actor(),
          ),
        { create: true },
      );
      if (flags.json) return printJson(connection);
      process.stdout.write(
        `Connected ${connection.id}: ${connection.accountName} (${connection.accountSlug}.monday.com), plan ${connection.planTier ?? 'unknown'}, permission ${connection.permission}.\nNext: seatwise sync ${connection.id}\n`,
      );
    });

  const connections = program
    .command('connections')
    .description('List connected monday accounts (subcommands: show, update)')
    .option('--json', 'print JSON')
    .action(async (flags) => {
      const list = await withSeatwise((app) => app.connections.list());
      if (flags.json) return printJson(list);
      const data = `Data: ${describeDataLocation(loadConfig())}\n`;
      if (list.length === 0) {
        process.stdout.write(`No connections yet. Add one with: seatwise connect --token <token>\n${data}`);
        return;
      }
      printTable(
        ['ID', 'ACCOUNT', 'SLUG', 'PLAN', 'PERMISSION', 'STATUS', 'USERS', 'LAST SYNC'],
        list.map((c) => [
          c.id,
          c.accountName,
          c.accountSlug,
          c.planTier,
          c.permission,
          c.status,
          c.userCount,
          ago(c.lastSyncedAt),
        ]),
      );
      process.stdout.write(data);
    });

  connections
    .command('show <id>')
    .description('Show one connection')
    .option(
      '--hold-removals-percent <n>',
      'a sync that would remove more than N% of the stored users (and more than --hold-removals-min) holds them for review (default 10)',
      integerIn(0, 100),
    )
    .option(
      '--hold-removals-min <n>',
      'a sync holds its removals only when they are more than N people (default 20)',
      integerIn(0, 1_000_000),
    )
    .option('--json', 'print JSON')
    .action(async (id: string, _flags, command: Command) => {
      const flags = command.optsWithGlobals();
      const connection = await withSeatwise((app) => app.connections.get(id));
      if (flags.json) return printJson(connection);
      process.stdout.write(describeConnection(connection));
    });

  connections
    .command('update <id>')
    .description(
      'Replace tokens, change the permission level, API version, endpoints or account URL (validated live)',
    )
    .option('--token <token>', 'new monday API v2 token (- reads it from standard input)')
    .option('--scim-token <token>', 'new SCIM token (- reads it from standard input)')
    .option('--remove-scim-token', 'forget the SCIM token')
    .option('--permission <level>', 'read or read_and_act', oneOf(permissions))
    .option(
      '--api-version <version>',
      "monday API version: current (follows monday's calendar) or a pin such as 2026-10",
    )
    .option('--api-url <url>', 'GraphQL endpoint (must open the same account)')
    .option('--scim-url <url>', 'SCIM endpoint (the SCIM token is checked there)')
    .option('--account-url <url>', 'the account URL, https://<slug>.monday.com')
    .option('--remove-account-url', 'forget the account URL')
    .option('--inactive-days <n>', 'no activity for N days makes a paid seat inactive', integerIn(1, 3650))
    .option('--seat-price <amount>', 'what a paid seat costs a month (cost insights)', price)
    .option('--currency <code>', 'the currency of the seat price, e.g. USD')
    .option('--webhook-url <url>', 'where notifications go (proposals, failed syncs, a refused token)')
    .option('--remove-webhook', 'stop notifications')
    .option(
      '--schedule <cron>',
      'when it syncs by itself: a cron expression in UTC (default "0 */6 * * *"), or off',
    )
    .option(
      '--graphql-offboarding <on|off>',
      'whether offboarding may deactivate users SCIM did not provision with GraphQL deactivate_users (default off)',
      oneOf(['on', 'off'] as const),
    )
    .option('--json', 'print JSON')
    .action(async (id: string, _flags, command: Command) => {
      const flags = command.optsWithGlobals();
      oneFromStdin(flags.token, flags.scimToken);
      const token = await secret(flags.token);
      const scimToken = await secret(flags.scimToken);
      const connection = await withSeatwise((app) =>
        app.connections.update(
          id,
          {
            token,
            scimToken: flags.removeScimToken ? null : scimToken,
            permission: flags.permission,
            apiVersion: flags.apiVersion,
            apiUrl: flags.apiUrl,
            scimUrl: flags.scimUrl,
            accountUrl: flags.removeAccountUrl ? null : flags.accountUrl,
            inactiveDays: flags.inactiveDays,
            seatPrice: flags.seatPrice,
            currency: flags.currency,
            webhookUrl: flags.removeWebhook ? null : flags.webhookUrl,
            syncSchedule: flags.schedule,
            graphqlOffboarding:
              flags.graphqlOffboarding === undefined ? undefined : flags.graphqlOffboarding === 'on',
            removalHoldPercent: flags.holdRemovalsPercent,
            removalHoldMin: flags.holdRemovalsMin,
          },
          actor(),
        ),
      );
      if (flags.json) return printJson(connection);
      process.stdout.write(`Updated ${connection.id}.\n${describeConnection(connection)}`);
    });

  program
    .command('disconnect <id>')
    .description('Remove a connection and everything synced for it (monday itself is not touched)')
    .option(
      '--force',
      'disconnect although open access reviews cover it (their items of it close as "account disconnected, state unknown")',
    )
    .option('--json', 'print JSON')
    .action(async (id: string, flags) => {
      await withSeatwise((app) => app.connections.remove(id, { by: actor(), force: Boolean(flags.force) }));
      if (flags.json) return printJson({ id, removed: true });
      process.stdout.write(`Removed connection ${id} and its synced data.\n`);
    });
}
