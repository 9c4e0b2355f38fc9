import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from './helpers/databases.ts';

describe('CLI: insights, policies and proposals', () => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let id: string;
  const cli = (...args: string[]) => runCli(args, env);
  const account = () => emulator.accounts[0]!;

  beforeAll(async () => {
    emulator = await startEmulator({ users: 200, plan: 'enterprise', seed: 151 });
    db = await createTestDatabase('sqlite');
    env = { ...db.env };
    const connected = await cli(
      'connect',
      '--token',
      account().tokens.admin,
      '--api-url',
      emulator.graphqlUrl,
      '--scim-token',
      account().scimToken!,
      '--scim-url',
      emulator.scimUrl,
      '--permission',
      'read_and_act',
      '--json',
    );
    id = JSON.parse(connected.stdout).id;
    expect((await cli('sync', id)).code).toBe(0);
  });
  afterAll(async () => {
    await db?.cleanup();
    await emulator?.close();
  });

  it('prints insights as JSON with the documented shape, and their cost once a seat price is set', async () => {
    expect(
      (
        await cli(
          'connections',
          'update',
          id,
          '--seat-price',
          '9.50',
          '--currency',
          'USD',
          '--inactive-days',
          '60',
        )
      ).code,
    ).toBe(0);
    const [insights] = JSON.parse((await cli('insights', id, '--json')).stdout);
    expect(insights).toMatchObject({
      connectionId: id,
      seats: {
        paid: expect.any(Number),
        planMax: account().maxUsers,
        viewer: expect.any(Number),
        guest: expect.any(Number),
      },
      pendingInvites: expect.any(Number),
      inactivePaidSeats: expect.any(Number),
      inactiveDays: 60,
      monthlyWaste: insights.inactivePaidSeats * 9.5,
    });
    const text = (await cli('insights', id, '--inactive-days', '30')).stdout;
    expect(text).toContain('with no activity for 30 days');
    expect(text).toMatch(/they cost \$[\d,]+\.\d{2} a month \(\$[\d,]+\.\d{2} a year\)/);
    expect((await cli('connections', 'update', id, '--seat-price', 'cheap')).code).toBe(2);
  });

  it('adds an HR leavers policy from a CSV, lists proposals, approves one and rejects another', async () => {
    const leavers = account()
      .users.filter(
        (u, i) => i > 2 && u.status === 'ACTIVE' && u.kind === 'member' && u.invitationMethod === 'SCIM',
      )
      .slice(0, 2);
    const csv = join(db.dataDir, 'leavers.csv');
    writeFileSync(
      csv,
      `name,email,left\n"A",${leavers[0]!.email},2026-11-01\n"B",${leavers[1]!.email.toUpperCase()},2026-11-02\n`,
    );
    const added = await cli(
      'policies',
      'add',
      '--connection',
      id,
      '--kind',
      'hr_leavers_deactivate',
      '--emails-file',
      csv,
    );
    expect(added.stderr).toBe('');
    expect(added.stdout).toMatch(/^Added policy pol_\w+: people on the HR leavers list \(2\) → deactivate\./);
    expect((await cli('policies')).stdout).toContain('people on the HR leavers list (2) → deactivate');
    expect((await cli('sync', id)).code).toBe(0);

    const open = JSON.parse((await cli('proposals', '--status', 'open', '--json')).stdout);
    expect(open.map((p: any) => p.email).sort()).toEqual(leavers.map((u) => u.email.toLowerCase()).sort());
    const [first, second] = open;
    const approved = await cli('proposals', 'approve', first.id);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain(`${first.id} ${first.email}: applied`);
    expect(account().users.find((u) => u.id === first.userId)!.status).toBe('INACTIVE');
    const rejected = await cli('proposals', 'reject', second.id);
    expect(rejected.stdout).toContain(`${second.id} ${second.email}: rejected`);
    expect(account().users.find((u) => u.id === second.userId)!.status).toBe('ACTIVE');
    const again = await cli('proposals', 'reject', second.id);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain(`proposal ${second.id} is already rejected`);
    const audit = JSON.parse((await cli('audit', '--action', 'deactivate', '--json')).stdout);
    expect(audit[0]).toMatchObject({ outcome: 'succeeded', idempotencyKey: `proposal-${first.id}` });
  });

  it('refuses a malformed policy with a clear message', async () => {
    const noList = await cli('policies', 'add', '--connection', id, '--kind', 'hr_leavers_deactivate');
    expect(noList.code).toBe(2);
    expect(noList.stderr).toContain('the HR leavers list needs at least one email');
    const badKind = await cli('policies', 'add', '--connection', id, '--kind', 'fire_everyone');
    expect(badKind.code).toBe(2);
    const unknown = await cli(
      'policies',
      'add',
      '--connection',
      'con_missing',
      '--kind',
      'stale_invites_report',
    );
    expect(unknown.code).toBe(3);
  });
});
