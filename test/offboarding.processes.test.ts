import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeatwise } from '../src/compose.ts';
import type { EmuUser } from '../src/emulator/model.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { runCli, spawnCli, waitFor } from './helpers/cli.ts';
import { createTestDatabase, dialects, type TestDatabase } from './helpers/databases.ts';
import { gql } from './helpers/emulator.ts';

const INVITE = `mutation ($emails: [String!]!) { invite_users(emails: $emails, user_role: MEMBER) { invited_users { id } } }`;
const EMAIL = 'crash.leaver@acme.example';

describe.each(dialects)(
  'an offboarding whose process dies between accounts (%s)',
  { timeout: 120_000 },
  (dialect) => {
    let emulator: RunningEmulator;
    let db: TestDatabase;
    let env: Record<string, string>;
    const people: EmuUser[] = [];
    const ids: string[] = [];

    beforeAll(async () => {
      emulator = await startEmulator({ users: 30, accounts: 2, plan: 'pro', seed: 211 });
      db = await createTestDatabase(dialect);
      env = { ...db.env, SEATWISE_LEASE_SECONDS: '2', LOG_LEVEL: 'silent' };
      const app = await createSeatwise({ ...db.config, SEATWISE_LEASE_SECONDS: 2 });
      try {
        for (const account of emulator.accounts) {
          await gql(emulator, account.tokens.admin, INVITE, { emails: [EMAIL] });
          const person = account.users.find((u) => u.email === EMAIL)!;
          person.status = 'ACTIVE';
          people.push(person);
          const { id } = await app.connections.add({
            token: account.tokens.admin,
            apiUrl: emulator.graphqlUrl,
            permission: 'read_and_act',
          });
          ids.push(id);
          expect((await app.sync.sync(id)).status).toBe('succeeded');
        }
      } finally {
        await app.close();
      }
    }, 60_000);
    afterAll(async () => {
      await db?.cleanup();
      await emulator?.close();
    });

    it('resumes with the same key, skips the finished account and does not act twice on the other', async () => {
      // Neither person was provisioned through SCIM: the operator allows GraphQL deactivation for offboarding.
      for (const id of ids) {
        const allowed = await runCli(['connections', 'update', id, '--graphql-offboarding', 'on'], env);
        expect(allowed.stderr).toBe('');
        expect(allowed.stdout).toContain('offboarding  SCIM, and GraphQL for users SCIM did not provision');
      }
      const refused = await runCli(['connections', 'update', ids[0]!, '--graphql-offboarding', 'maybe'], env);
      expect(refused.code).toBe(2);
      const before = emulator.state.mutationsExecuted.length;
      // monday holds each answer a while: the process is killed after monday deactivated the person in the second
      // account and before it heard so.
      emulator.setFaults({ answerDelayMs: 1_500 });
      const first = spawnCli(['offboard', '--email', EMAIL, '--idempotency-key', 'leaver-1', '--json'], env);
      try {
        await waitFor(
          () => emulator.state.mutationsExecuted.length === before + 2,
          'both accounts to be acted on',
          60_000,
        );
        first.child.kill('SIGKILL');
        await first.done;
      } finally {
        emulator.setFaults({});
      }
      expect(people.map((p) => p.status)).toEqual(['INACTIVE', 'INACTIVE']);

      const app = await createSeatwise({ ...db.config, SEATWISE_LEASE_SECONDS: 2 });
      try {
        const [stopped] = await app.offboardings.list();
        expect(stopped!.status).toBe('running');
        expect(stopped!.steps.map((s) => s.status).sort()).toEqual(['done', 'pending']);
      } finally {
        await app.close();
      }

      // Resumed from the HR leavers list this time: the same person, the same key.
      const leavers = join(db.dataDir, 'leavers.csv');
      writeFileSync(leavers, `name,email,last day\n"Crash Leaver",${EMAIL.toUpperCase()},2026-11-30\n`);
      const again = await runCli(
        ['offboard', '--emails-file', leavers, '--idempotency-key', 'leaver-1', '--json'],
        env,
      );
      expect(again.stderr).toBe('');
      expect(again.code).toBe(0);
      const view = JSON.parse(again.stdout);
      expect(view.status).toBe('done');
      expect(view.steps.map((s: { status: string }) => s.status)).toEqual(['done', 'done']);
      // The finished account was not visited again; the other found the person already deactivated.
      expect(view.steps.map((s: { attempts: number }) => s.attempts).sort()).toEqual([1, 2]);
      const resumed = view.steps.find((s: { attempts: number }) => s.attempts === 2);
      expect(resumed.items).toMatchObject([{ outcome: 'already' }]);
      for (const step of view.steps)
        expect(step.after).toMatchObject([{ userId: expect.any(String), status: 'deactivated' }]);
      expect(emulator.state.mutationsExecuted.length).toBe(before + 2);

      // The CLI prints the receipt as a table and writes the printable page.
      const shown = await runCli(['offboardings', view.id], env);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain(`Offboarding ${view.id} of ${EMAIL}: done`);
      expect(shown.stdout).toMatch(/already deactivated/);
      const listed = await runCli(['offboardings'], env);
      expect(listed.stdout).toContain(view.id);
    });
  },
);
