import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';
import { runCli } from '../helpers/cli.ts';
import {
  createTestDatabase,
  type Dialect,
  describeDialect,
  type TestDatabase,
} from '../helpers/databases.ts';
import { expectedAccess } from '../helpers/expectedAccess.ts';
import { expectedTeamRequests, firstSyncTeamEvents } from '../helpers/teams.ts';

/** Registers this file's suite for one dialect (each dialect is a test file of its own, so they run in parallel). */
export function register(dialect: Dialect): void {
  describeDialect(dialect, 'CLI: connect, sync and list two accounts side by side (%s)', (dialect) => {
    let emulator: RunningEmulator;
    let db: TestDatabase;
    const outputs: string[] = [];
    let env: NodeJS.ProcessEnv;
    const cli = async (...args: string[]) => {
      const result = await runCli(args, env);
      outputs.push(result.stdout, result.stderr);
      return result;
    };
    const ids: string[] = [];

    beforeAll(async () => {
      emulator = await startEmulator({ users: 1500, accounts: 2, plan: 'enterprise', seed: 8 });
      db = await createTestDatabase(dialect);
      env = { ...db.env, LOG_LEVEL: 'debug' };
    });
    afterAll(async () => {
      await db?.cleanup();
      await emulator?.close();
    });

    it('connects both accounts and prints each new connection', async () => {
      for (const account of emulator.accounts) {
        const result = await cli(
          'connect',
          '--token',
          account.tokens.admin,
          '--api-url',
          emulator.graphqlUrl,
          '--scim-token',
          account.scimToken!,
          '--scim-url',
          emulator.scimUrl,
          '--account-url',
          `https://${account.slug}.monday.com`,
          '--json',
        );
        expect(result.code).toBe(0);
        const connection = JSON.parse(result.stdout);
        expect(connection).toMatchObject({
          accountId: account.id,
          accountName: account.name,
          accountSlug: account.slug,
          planTier: 'enterprise',
          permission: 'read',
          hasScimToken: true,
        });
        ids.push(connection.id);
      }
      const human = await cli('connections');
      expect(human.stdout).toMatch(/^ID\s+ACCOUNT\s+SLUG\s+PLAN\s+PERMISSION\s+STATUS\s+USERS\s+LAST SYNC/);
      for (const id of ids) expect(human.stdout).toContain(id);
    });

    it('refuses a second connection to the same account and a bad token with clear messages', async () => {
      const again = await cli(
        'connect',
        '--token',
        emulator.accounts[0]!.tokens.member,
        '--api-url',
        emulator.graphqlUrl,
      );
      expect(again.code).toBe(4);
      expect(again.stderr).toContain(`is already connected as ${ids[0]}`);
      const bad = await cli('connect', '--token', 'nope', '--api-url', emulator.graphqlUrl);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('monday rejected the API token');
      const wrongUrl = await cli(
        'connect',
        '--token',
        emulator.accounts[0]!.tokens.admin,
        '--api-url',
        emulator.graphqlUrl,
        '--account-url',
        'https://someone-else.monday.com',
      );
      expect(wrongUrl.stderr).toContain(
        `the token belongs to https://${emulator.accounts[0]!.slug}.monday.com`,
      );
    });

    it("syncs all and lists exactly each account's users, kept separate", async () => {
      const sync = await cli('sync', '--all', '--json');
      expect(sync.code).toBe(0);
      const results = JSON.parse(sync.stdout);
      expect(results.map((r: any) => [r.connectionId, r.status, r.usersSeen])).toEqual(
        ids.map((id) => [id, 'succeeded', 1500]),
      );
      for (const [index, account] of emulator.accounts.entries()) {
        const listed = await cli('users', ids[index]!, '--json');
        const users = JSON.parse(listed.stdout);
        expect(users).toHaveLength(account.users.length);
        const expected = account.users
          .map((u) => {
            const { role, status, license, scimLinked } = expectedAccess(u);
            return { connectionId: ids[index], id: u.id, email: u.email, role, status, license, scimLinked };
          })
          .sort((a, b) => a.id.localeCompare(b.id));
        const actual = users
          .map((u: any) => ({
            connectionId: u.connectionId,
            id: u.id,
            email: u.email,
            role: u.role,
            status: u.status,
            license: u.license,
            scimLinked: u.scimLinked,
          }))
          .sort((a: any, b: any) => a.id.localeCompare(b.id));
        expect(actual).toEqual(expected);
        expect(Object.keys(users[0])).toEqual(
          expect.arrayContaining([
            'connectionId',
            'id',
            'name',
            'email',
            'role',
            'status',
            'license',
            'lastActivityAt',
            'createdAt',
            'scimLinked',
          ]),
        );
      }
    });

    it('filters users and exports CSV', async () => {
      const guests = JSON.parse(
        (await cli('users', '--role', 'guest', '--status', 'active', '--json')).stdout,
      );
      expect(guests.length).toBeGreaterThan(0);
      expect(
        guests.every((u: any) => u.role === 'guest' && u.status === 'active' && u.license === 'guest'),
      ).toBe(true);
      expect(new Set(guests.map((u: any) => u.connectionId))).toEqual(new Set(ids));
      const csv = (await cli('users', ids[0]!, '--license', 'viewer', '--csv')).stdout.trim().split('\n');
      expect(csv[0]).toBe(
        'account,connectionId,id,name,email,title,role,kind,status,license,lastActivityAt,createdAt,scimLinked',
      );
      expect(csv.slice(1).every((line) => line.includes(',viewer,view_only,active,viewer,'))).toBe(true);
      // Each row names the account, not only the connection id.
      expect(csv.slice(1).every((line) => line.startsWith(`${emulator.accounts[0]!.name},${ids[0]},`))).toBe(
        true,
      );
      const bad = await cli('users', '--role', 'owner');
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('expected one of: admin, member, viewer, guest, other');
    });

    it('pages the users table with --limit and --cursor, and exports every match otherwise', async () => {
      const everyone = JSON.parse((await cli('users', ids[0]!, '--sort', 'email', '--json')).stdout);
      expect(everyone).toHaveLength(1500);
      const first = await cli('users', ids[0]!, '--sort', 'email');
      expect(first.code).toBe(0);
      const lines = first.stdout.trim().split('\n');
      // Header, 50 users, the count, and the command for the next page.
      expect(lines).toHaveLength(53);
      expect(lines[51]).toBe('50 users on this page');
      const next = /^More users: seatwise users (.*)$/.exec(lines[52]!);
      expect(next?.[1]).toMatch(new RegExp(`^${ids[0]} --sort email --cursor \\S+$`));
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await cli(
          'users',
          ids[0]!,
          '--sort',
          'email',
          '--limit',
          '400',
          '--json',
          ...(cursor ? ['--cursor', cursor] : []),
        );
        seen.push(...JSON.parse(page.stdout).map((u: any) => u.email));
        cursor = /--cursor (\S+)/.exec(page.stderr)?.[1] ?? null;
      } while (cursor);
      expect(seen).toEqual(everyone.map((u: any) => u.email));
      const unlicensed = JSON.parse((await cli('users', ids[0]!, '--license', 'none', '--json')).stdout);
      expect(unlicensed.length).toBe(everyone.filter((u: any) => u.license === null).length);
      expect(unlicensed.length).toBeGreaterThan(0);
      const wrongCursor = await cli(
        'users',
        ids[0]!,
        '--sort',
        'name',
        '--cursor',
        next![1]!.split(' ').pop()!,
      );
      expect(wrongCursor.code).toBe(2);
      expect(wrongCursor.stderr).toContain('cursor is not valid for this query');
    });

    it('exports names a spreadsheet would run as formulas with a leading apostrophe', async () => {
      const user = emulator.accounts[0]!.users.find((u, i) => i > 2 && u.kind === 'member')!;
      user.name = '=HYPERLINK("http://evil.example","click")';
      user.title = '+1 555';
      expect((await cli('sync', ids[0]!)).code).toBe(0);
      const csv = (await cli('users', ids[0]!, '--search', user.email, '--csv')).stdout;
      expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
      expect(csv).toContain("'+1 555");
    });

    it('reports 0 changes on a second sync and shows run history', async () => {
      const second = await cli('sync', ids[1]!);
      expect(second.code).toBe(0);
      // Two pages, and one row past the short second one proving it is the end; then the teams, at their minimum.
      const teams = expectedTeamRequests(emulator.accounts[1]!);
      expect(second.stdout).toMatch(
        new RegExp(
          `^Synced [^\n]* \\(${ids[1]}\\): 1500 users, 0 changes, ${3 + teams} requests \\(${teams} for teams\\) in \\d+\\.\\ds`,
        ),
      );
      const runs = JSON.parse((await cli('runs', ids[1]!, '--json')).stdout);
      expect(runs.map((r: any) => [r.status, r.changes])).toEqual([
        ['succeeded', 0],
        ['succeeded', 1500 + firstSyncTeamEvents(emulator.accounts[1]!)],
      ]);
    });

    it('holds many removals at once for review, shows who, and removes them once confirmed', async () => {
      const account = emulator.accounts[1]!;
      const gone = account.users.splice(600, 300);
      for (const user of gone) account.usersById.delete(user.id);
      const held = await cli('sync', ids[1]!);
      expect(held.code).toBe(0);
      expect(held.stdout).toContain('300 removals held for review');
      expect(held.stdout).toContain(`seatwise sync ${ids[1]} --confirm-removals`);
      const runId = /\(run (run_\w+)\)/.exec(held.stdout)![1]!;
      const shown = await cli('runs', 'show', runId);
      expect(shown.stdout).toContain('Held          300 removals for review');
      for (const user of gone.slice(0, 3))
        expect(shown.stdout).toContain(`${user.id}  ${user.name} <${user.email.toLowerCase()}>`);
      const json = JSON.parse((await cli('sync', ids[1]!, '--json')).stdout);
      expect(json[0]).toMatchObject({ status: 'succeeded', removed: 0, removalsHeld: 300 });
      const confirmed = await cli('sync', ids[1]!, '--confirm-removals');
      expect(confirmed.stdout).toMatch(
        new RegExp(`^Synced [^\n]* \\(${ids[1]}\\): 1200 users, 300 changes \\(300 removed\\)`),
      );
      account.users.splice(600, 0, ...gone);
      for (const user of gone) account.usersById.set(user.id, user);
      expect((await cli('sync', ids[1]!)).code).toBe(0);
    });

    it('stops waiting for workers after --wait-timeout when none runs, and says so', async () => {
      const waited = await cli('sync', ids[1]!, '--enqueue', '--wait', '--wait-timeout', '2');
      expect(waited.code).not.toBe(0);
      expect(waited.stderr).toMatch(
        /no worker finished job \S+ within 2 s; the jobs stay queued: is `seatwise worker` running/,
      );
    });

    it('updates the permission level and removes a connection with its synced data', async () => {
      const updated = JSON.parse(
        (await cli('connections', 'update', ids[0]!, '--permission', 'read_and_act', '--json')).stdout,
      );
      expect(updated.permission).toBe('read_and_act');
      const removed = await cli('disconnect', ids[1]!);
      expect(removed.stdout).toBe(`Removed connection ${ids[1]} and its synced data.\n`);
      const users = JSON.parse((await cli('users', '--json')).stdout);
      expect(new Set(users.map((u: any) => u.connectionId))).toEqual(new Set([ids[0]]));
      const missing = await cli('connections', 'show', ids[1]!);
      expect(missing.code).toBe(3);
      expect(missing.stderr).toContain(`no connection with id ${ids[1]}`);
    });

    it('never shows a token in clear: not in output, logs or the data directory', () => {
      const secrets = emulator.accounts.flatMap((a) => [a.tokens.admin, a.tokens.member, a.scimToken!]);
      const files = readdirSync(db.dataDir).map((f) => readFileSync(join(db.dataDir, f)).toString('latin1'));
      for (const secret of secrets) {
        for (const text of [...outputs.filter((o) => !o.includes('monday rejected')), ...files])
          expect(text.includes(secret)).toBe(false);
      }
      // The command lines above passed the tokens; what came back never repeated them.
      expect(outputs.join('').includes(emulator.accounts[0]!.tokens.admin)).toBe(false);
    });
  });
}
