import type { Command } from 'commander';
import type { UserView } from '../app/usersService.ts';
import { licenses, statuses, storedRoles, userSortKeys } from '../domain/directory.ts';
import { withSeatwise } from './context.ts';
import { brief, count, printJson, printTable } from './output.ts';
import { integerIn, oneOf } from './parsers.ts';

const TABLE_PAGE = 50;

/**
 * `seatwise users`: the synced users with filters. A table shows one page (`--limit`, `--cursor` for the
 * next); `--json` and `--csv` export every match, streamed, unless `--limit` asks for one page.
 */
export function registerUsersCommand(program: Command): void {
  const users = program
    .command('users [connectionId]')
    .description(
      'List synced users (all connections unless one is named), a page at a time (subcommand: show)',
    )
    .option('--role <role>', storedRoles.join('|'), oneOf(storedRoles))
    .option('--status <status>', statuses.join('|'), oneOf(statuses))
    .option('--license <license>', `${licenses.join('|')}|none`, oneOf([...licenses, 'none'] as const))
    .option(
      '--inactive-days <n>',
      'no activity in the last N days (never active included)',
      integerIn(0, 36_500),
    )
    .option('--search <text>', 'name or email contains')
    .option('--team <teamId>', 'members of this monday team (see: seatwise teams)')
    .option('--sort <key>', userSortKeys.join('|'), oneOf(userSortKeys), 'name')
    .option('--desc', 'sort descending')
    .option('--limit <n>', `users per page (table default ${TABLE_PAGE})`, integerIn(1, 1000))
    .option('--cursor <cursor>', 'continue after the page that printed this cursor')
    .option('--json', 'print a JSON array (every match unless --limit)')
    .option('--csv', 'print CSV (every match unless --limit)')
    .action(async (connectionId: string | undefined, flags) => {
      const filters = {
        connectionId,
        role: flags.role,
        status: flags.status,
        license: flags.license,
        inactiveDays: flags.inactiveDays,
        search: flags.search,
        team: flags.team,
      };
      const order = { sort: flags.sort, direction: flags.desc ? 'desc' : 'asc' } as const;
      const exportAll = (flags.json || flags.csv) && flags.limit === undefined && !flags.cursor;
      // Loaded on use, so that `--help` starts fast.
      const { usersCsv } = await import('../app/usersCsv.ts');
      await withSeatwise(async (app) => {
        if (connectionId) await app.connections.get(connectionId);
        const names = new Map((await app.connections.list()).map((c) => [c.id, c.accountName]));
        if (exportAll) {
          const users = app.users.stream(filters, order);
          if (flags.csv) return pipeOut(usersCsv(users, names));
          return pipeOut(jsonArray(users));
        }
        const page = await app.users.page(filters, {
          ...order,
          limit: flags.limit ?? TABLE_PAGE,
          cursor: flags.cursor,
        });
        const more = page.nextCursor
          ? `More users: seatwise users ${commandLine(connectionId, flags)}--cursor ${page.nextCursor}\n`
          : '';
        if (flags.json || flags.csv) {
          if (flags.csv) await pipeOut(usersCsv(fromArray(page.users), names));
          else process.stdout.write(`${JSON.stringify(page.users.map(withoutRemoved), null, 2)}\n`);
          process.stderr.write(more);
          return;
        }
        if (page.users.length === 0) {
          process.stdout.write(flags.cursor ? 'No more users.\n' : 'No users match.\n');
          return;
        }
        printTable(
          ['CONNECTION', 'ID', 'NAME', 'EMAIL', 'ROLE', 'STATUS', 'LICENSE', 'LAST ACTIVE'],
          page.users.map((u) => [
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
        process.stdout.write(
          `${count(page.users.length, 'user')}${page.nextCursor ? ' on this page' : ''}\n${more}`,
        );
      });
    });

  users
    .command('show <connectionId> <userId>')
    .description('One synced user: every field, why this license, and the change history')
    .option('--json', 'print JSON')
    .action(async (connectionId: string, userId: string, flags) => {
      const user = await withSeatwise(async (app) => {
        await app.connections.get(connectionId);
        const found = await app.users.get(connectionId, userId);
        const label = await app.keys.actorLabels();
        return {
          ...found,
          history: found.history.map((e) => ({ ...e, byName: e.by ? label(e.by) : null })),
        };
      });
      if (flags.json) return printJson(withoutRemoved(user));
      const lines = [
        `${user.name} <${user.email}>, user ${user.id} in ${user.connectionId}${user.removed ? ' (no longer in monday)' : ''}`,
        `  Role          ${user.role}${user.kind && user.kind !== user.role ? ` (monday kind ${user.kind})` : ''}`,
        `  Status        ${user.status}`,
        `  License       ${user.license ?? 'none'}`,
        `  Why           ${user.explanation}`,
        `  Title         ${user.title || '-'}`,
        `  Last active   ${user.lastActivityAt ?? 'never'}`,
        `  Created       ${user.createdAt ?? 'unknown'}`,
        `  Provisioned   ${user.scimLinked ? 'by SCIM' : (user.invitationMethod ?? 'not by SCIM')}`,
        `  Teams         ${
          user.teams.length === 0
            ? 'none'
            : user.teams.map((t) => `${t.name} (${t.id}${t.owner ? ', owner' : ''})`).join(', ')
        }`,
        '',
      ];
      process.stdout.write(lines.join('\n'));
      if (user.history.length === 0) {
        process.stdout.write('No changes recorded since the first sync.\n');
        return;
      }
      printTable(
        ['WHEN', 'BY', 'CHANGE', 'BEFORE', 'AFTER'],
        user.history.map((e) => [
          e.occurredAt,
          e.runId ? `sync ${e.runId}` : e.byName ? `${e.byName} (audit ${e.auditId})` : 'seen by an action',
          e.kind,
          brief(e.before),
          brief(e.after),
        ]),
      );
    });
}

function withoutRemoved({ removed: _removed, ...user }: UserView) {
  return user;
}

/** The same filters again, for the "more users" hint. */
function commandLine(connectionId: string | undefined, flags: Record<string, unknown>): string {
  const parts: string[] = connectionId ? [connectionId] : [];
  for (const [flag, key] of [
    ['--role', 'role'],
    ['--status', 'status'],
    ['--license', 'license'],
    ['--inactive-days', 'inactiveDays'],
    ['--search', 'search'],
    ['--team', 'team'],
    ['--limit', 'limit'],
  ] as const) {
    if (flags[key] !== undefined)
      parts.push(flag, JSON.stringify(String(flags[key])).replace(/^"([\w@.-]+)"$/, '$1'));
  }
  if (flags.sort !== 'name') parts.push('--sort', String(flags.sort));
  if (flags.desc) parts.push('--desc');
  if (flags.json) parts.push('--json');
  if (flags.csv) parts.push('--csv');
  return parts.length ? `${parts.join(' ')} ` : '';
}

async function* fromArray<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

/** A JSON array written element by element as users are read. */
async function* jsonArray(users: AsyncIterable<UserView>): AsyncGenerator<string> {
  let first = true;
  yield '[';
  for await (const user of users) {
    yield `${first ? '\n' : ',\n'}  ${JSON.stringify(withoutRemoved(user))}`;
    first = false;
  }
  yield first ? ']\n' : '\n]\n';
}

/** Writes a stream of text to stdout, waiting when the pipe is full. */
async function pipeOut(chunks: AsyncIterable<string | Buffer>): Promise<void> {
  for await (const chunk of chunks) {
    if (!process.stdout.write(chunk)) await new Promise((resolve) => process.stdout.once('drain', resolve));
  }
}
