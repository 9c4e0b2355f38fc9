import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from './helpers/databases.ts';

describe('CLI: actions, capabilities and audit', () => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let id: string;
  const cli = (...args: string[]) => runCli(args, env);
  const account = () => emulator.accounts[0]!;

  beforeAll(async () => {
    emulator = await startEmulator({ users: 300, plan: 'enterprise', seed: 41 });
    db = await createTestDatabase('sqlite');
    env = { ...db.env };
    // The API token comes from standard input, so it never appears in the process list.
    const connected = await runCli(
      [
        'connect',
        '--token',
        '-',
        '--api-url',
        emulator.graphqlUrl,
        '--scim-token',
        account().scimToken!,
        '--scim-url',
        emulator.scimUrl,
        '--permission',
        'read_and_act',
        '--json',
      ],
      env,
      `${account().tokens.admin}\n`,
    );
    expect(connected.code).toBe(0);
    id = JSON.parse(connected.stdout).id;
    expect((await cli('sync', id)).code).toBe(0);
  });
  afterAll(async () => {
    await db?.cleanup();
    await emulator?.close();
  });

  it('shows a dry-run plan and changes nothing', async () => {
    const user = account().users.find((u, i) => i > 2 && u.kind === 'member' && u.status === 'ACTIVE')!;
    const dry = await cli(
      'action',
      'set-role',
      '--connection',
      id,
      '--user',
      user.id,
      '--role',
      'viewer',
      '--dry-run',
    );
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`Dry run of set_role (graphql) on ${id}: nothing was sent to monday.`);
    expect(dry.stdout).toMatch(
      new RegExp(
        `${user.id}\\s+${user.id}\\s+${user.email.replace('.', '\\.')}\\s+change\\s+will change from member to viewer \\(frees a paid seat\\)`,
      ),
    );
    expect(user.kind).toBe('member');
  });

  it('calls a target the plan could not do "skipped", not failed, and still exits 7', async () => {
    const scim = account().users.find(
      (u) => u.invitationMethod === 'SCIM' && u.status === 'ACTIVE' && u.kind === 'member',
    )!;
    const other = account().users.find(
      (u) => u.invitationMethod !== 'SCIM' && u.status === 'ACTIVE' && u.kind === 'member',
    )!;
    const run = await cli('action', 'deactivate', '--connection', id, '--user', scim.id, '--user', other.id);
    expect(run.code).toBe(7);
    expect(run.stdout).toContain(
      'deactivate (scim): 1 changed, 0 already in state, 0 failed, 1 skipped (the plan said they cannot be done: nothing was sent for them)',
    );
    expect(run.stdout).toMatch(new RegExp(`${other.id}\\s+${other.id}\\s+\\S+\\s+skipped\\s+`));
    expect(run.stdout).toMatch(new RegExp(`${scim.id}\\s+${scim.id}\\s+\\S+\\s+changed\\s+`));
    expect(account().users.find((u) => u.id === other.id)!.status).toBe('ACTIVE');
    expect(account().users.find((u) => u.id === scim.id)!.status).toBe('INACTIVE');
  });

  it('deactivates over SCIM, reports a repeat as already deactivated, and exits 0 both times', async () => {
    const user = account().users.find((u) => u.invitationMethod === 'SCIM' && u.status === 'ACTIVE')!;
    const first = await cli('action', 'deactivate', '--connection', id, '--email', user.email);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('deactivate (scim): 1 changed, 0 already in state, 0 failed');
    const firstAudit = JSON.parse((await cli('audit', '--limit', '1', '--json')).stdout)[0].id;
    const again = await cli('action', 'deactivate', '--connection', id, '--user', user.id, '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).results[0]).toMatchObject({
      outcome: 'already',
      reason: 'already deactivated',
    });
    const listed = JSON.parse((await cli('users', id, '--status', 'deactivated', '--json')).stdout);
    expect(listed.map((u: any) => u.id)).toContain(user.id);
    // The user's history says who deactivated them: the CLI's action, with its audit entry.
    const shown = await cli('users', 'show', id, user.id);
    expect(shown.stdout).toMatch(/WHEN\s+BY\s+CHANGE\s+BEFORE\s+AFTER/);
    const by = /(cli:\S+) \(audit (\d+)\)\s+status_changed\s+active\s+deactivated/.exec(shown.stdout);
    expect(by, shown.stdout).not.toBeNull();
    expect(by![2]).toBe(String(firstAudit));
  });

  it('exits 7 when a target cannot reach the target state, with the reason', async () => {
    const user = account().users.find(
      (u, i) => i > 2 && u.invitationMethod !== 'SCIM' && u.status === 'ACTIVE',
    )!;
    const result = await cli('action', 'deactivate', '--connection', id, '--user', user.id);
    expect(result.code).toBe(7);
    expect(result.stdout).toContain(
      'was not provisioned by SCIM, so SCIM cannot deactivate it; deactivate through GraphQL instead',
    );
  });

  it('repeats the earlier result for the same idempotency key', async () => {
    const args = [
      'action',
      'invite',
      '--connection',
      id,
      '--email',
      'cli.invitee@example.org',
      '--idempotency-key',
      'cli-key-1',
      '--json',
    ];
    const first = JSON.parse((await cli(...args)).stdout);
    const second = JSON.parse((await cli(...args)).stdout);
    expect(first).toMatchObject({ replayed: false, summary: { changed: 1 } });
    expect(second).toMatchObject({ replayed: true, summary: { changed: 1 }, results: first.results });
    expect(account().users.filter((u) => u.email === 'cli.invitee@example.org')).toHaveLength(1);
  });

  it('rejects bad input and refuses actions on a read connection with clear exit codes', async () => {
    const bad = await cli('action', 'invite', '--connection', id, '--email', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      'seatwise: --email "nope" is not a well-formed email address [invalid_action]',
    );
    const noTargets = await cli('action', 'reactivate', '--connection', id);
    expect(noTargets.code).toBe(2);
    // An id or an email nobody in the copy has is not found: 3, naming them.
    const unknownId = await cli('action', 'reactivate', '--connection', id, '--user', '999999999');
    expect(unknownId.code).toBe(3);
    expect(unknownId.stderr).toContain('unknown user(s) in connection');
    expect(unknownId.stderr).toContain('999999999');
    const unknownEmail = await cli(
      'action',
      'deactivate',
      '--connection',
      id,
      '--email',
      'nobody.here@example.org',
    );
    expect(unknownEmail.code).toBe(3);
    expect(unknownEmail.stderr).toContain('nobody.here@example.org');
    expect((await cli('connections', 'update', id, '--permission', 'read')).code).toBe(0);
    const refused = await cli('action', 'invite', '--connection', id, '--email', 'x@example.org');
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('permission level is "read"');
    const caps = JSON.parse((await cli('capabilities', id, '--json')).stdout);
    expect(caps.actions.every((a: any) => !a.available && a.reasons[0].includes('"read"'))).toBe(true);
    await cli('connections', 'update', id, '--permission', 'read_and_act');
  });

  it('prints the capabilities table and the audit log', async () => {
    const caps = await cli('capabilities', id);
    expect(caps.stdout).toMatch(/CAPABILITY\s+KIND\s+VIA\s+AVAILABLE\s+WHY NOT/);
    expect(caps.stdout).toMatch(/Create user\s+action\s+scim\s+yes/);
    expect(caps.stdout).toMatch(/Deactivate user \(GraphQL\)\s+action\s+graphql\s+yes/);
    // The offboarding rows the web page has, with the same availability as the JSON.
    const json = JSON.parse((await cli('capabilities', id, '--json')).stdout);
    expect(json.offboarding).toHaveLength(2);
    for (const o of json.offboarding)
      expect(caps.stdout).toMatch(
        new RegExp(
          `${o.label.replace(/[()]/g, '\\$&')}\\s+offboarding\\s+${o.via}\\s+${o.available ? 'yes' : 'no'}`,
        ),
      );
    const audit = JSON.parse((await cli('audit', '--connection', id, '--json')).stdout);
    expect(audit.map((e: any) => e.outcome)).toEqual(
      expect.arrayContaining([
        'planned',
        'succeeded',
        'failed',
        'succeeded (replayed)',
        'rejected',
        'refused',
      ]),
    );
    expect(audit.every((e: any) => e.actor.startsWith('cli'))).toBe(true);
    const table = await cli('audit');
    expect(table.stdout).toMatch(/^ID\s+AT\s+WHO\s+ACCOUNT\s+ACTION\s+VIA\s+OUTCOME\s+USERS\s+NOTE/);
    // Dry runs apart from what was sent; a day range; CSV for auditors.
    // (Of this account's entries: the log also holds Seatwise's own, such as the account being connected.)
    const sent = JSON.parse(
      (await cli('audit', '--connection', id, '--dry-runs', 'exclude', '--json')).stdout,
    );
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((e: any) => e.dryRun === false)).toBe(true);
    const previews = JSON.parse(
      (await cli('audit', '--connection', id, '--dry-runs', 'only', '--json')).stdout,
    );
    expect(previews.length).toBeGreaterThan(0);
    expect(previews.every((e: any) => e.dryRun === true)).toBe(true);
    expect(sent.length + previews.length).toBe(audit.length);
    const today = new Date().toISOString().slice(0, 10);
    expect(
      JSON.parse((await cli('audit', '--connection', id, '--from', today, '--to', today, '--json')).stdout),
    ).toHaveLength(audit.length);
    expect(JSON.parse((await cli('audit', '--to', '2020-01-01', '--json')).stdout)).toEqual([]);
    const badDay = await cli('audit', '--from', '2026-13-45');
    expect(badDay.code).toBe(2);
    expect(badDay.stderr).toContain('from "2026-13-45" is not a day such as 2026-12-31');
    const csv = (await cli('audit', '--connection', id, '--csv')).stdout.split('\n');
    expect(csv[0]).toBe(
      'id,at,actor,actorName,account,connectionId,action,via,dryRun,outcome,targets,results,error,partOf,requestIds',
    );
  });
});
