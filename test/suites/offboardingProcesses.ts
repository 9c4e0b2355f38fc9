import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSeatwise } from '../../src/compose.ts';
import type { EmuUser } from '../../src/emulator/model.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';
import { openStore } from '../../src/store/database.ts';
import { runCli, spawnCli, waitFor } from '../helpers/cli.ts';
import {
  createTestDatabase,
  type Dialect,
  describeDialect,
  type TestDatabase,
} from '../helpers/databases.ts';
import { gql } from '../helpers/emulator.ts';
import { holdDeadLeases, lapseDeadLeases } from '../helpers/leases.ts';

const INVITE = `mutation ($emails: [String!]!) { invite_users(emails: $emails, user_role: MEMBER) { invited_users { id } } }`;
const LEAVERS = ['crash.leaver@acme.example', 'second.leaver@acme.example'] as const;
// Long enough that a CLI started right after the kill still finds the dead run's lease live on a busy machine.
const LEASE_SECONDS = 5;

/** Registers this file's suite for one dialect (each dialect is a test file of its own, so they run in parallel). */
export function register(dialect: Dialect): void {
  describeDialect(
    dialect,
    'an offboarding whose process dies between accounts (%s)',
    { timeout: 120_000 },
    (dialect) => {
      let emulator: RunningEmulator;
      let db: TestDatabase;
      let env: Record<string, string>;
      const people = new Map<string, EmuUser[]>();
      const ids: string[] = [];

      beforeAll(async () => {
        emulator = await startEmulator({ users: 30, accounts: 2, plan: 'pro', seed: 211 });
        db = await createTestDatabase(dialect);
        env = { ...db.env, SEATWISE_LEASE_SECONDS: String(LEASE_SECONDS), LOG_LEVEL: 'silent' };
        const app = await createSeatwise({ ...db.config, SEATWISE_LEASE_SECONDS: LEASE_SECONDS });
        try {
          for (const account of emulator.accounts) {
            for (const email of LEAVERS) {
              await gql(emulator, account.tokens.admin, INVITE, { emails: [email] });
              const person = account.users.find((u) => u.email === email)!;
              person.status = 'ACTIVE';
              people.set(email, [...(people.get(email) ?? []), person]);
            }
            const { id } = await app.connections.add({
              token: account.tokens.admin,
              apiUrl: emulator.graphqlUrl,
              permission: 'read_and_act',
            });
            ids.push(id);
            // Only the jobs a test asks for: a schedule falling due mid-test (every 6 hours) would add its own.
            await app.connections.update(id, { syncSchedule: 'off' });
            expect((await app.sync.sync(id)).status).toBe('succeeded');
          }
        } finally {
          await app.close();
        }
        // Nobody here was provisioned through SCIM: the operator allows GraphQL deactivation for offboarding.
        for (const id of ids) {
          const allowed = await runCli(['connections', 'update', id, '--graphql-offboarding', 'on'], env);
          expect(allowed.stderr).toBe('');
          expect(allowed.stdout).toContain('offboarding  SCIM, and GraphQL for users SCIM did not provision');
        }
        const refused = await runCli(
          ['connections', 'update', ids[0]!, '--graphql-offboarding', 'maybe'],
          env,
        );
        expect(refused.code).toBe(2);
      }, 90_000);
      afterAll(async () => {
        await db?.cleanup();
        await emulator?.close();
      });

      /** Starts `seatwise offboard` and kills it after monday deactivated the person in the second account, before it heard so. */
      const offboardAndKill = async (email: string, key: string) => {
        const before = emulator.state.mutationsExecuted.length;
        emulator.setFaults({ answerDelayMs: 1_500 });
        const run = spawnCli(['offboard', '--email', email, '--idempotency-key', key, '--json'], env);
        try {
          await waitFor(
            () => emulator.state.mutationsExecuted.length === before + 2,
            'both accounts to be acted on',
            60_000,
          );
          run.child.kill('SIGKILL');
          await run.done;
        } finally {
          emulator.setFaults({});
        }
        expect(people.get(email)!.map((p) => p.status)).toEqual(['INACTIVE', 'INACTIVE']);
        return before;
      };

      const stored = async () => {
        const app = await createSeatwise({ ...db.config, SEATWISE_LEASE_SECONDS: LEASE_SECONDS });
        try {
          return await app.offboardings.list();
        } finally {
          await app.close();
        }
      };

      /** Moves the dead process's lease (held while a refusal is checked, then lapsed) in this database. */
      const leases = async (move: typeof holdDeadLeases) => {
        const store = await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
        try {
          await move(store, 'offboardings');
        } finally {
          await store.close();
        }
      };

      it('resumes with the same key once the dead process lease lapsed: the finished account is skipped, nothing is done twice', async () => {
        const [email] = LEAVERS;
        const before = await offboardAndKill(email, 'leaver-1');
        const [stopped] = await stored();
        expect(stopped!.status).toBe('running');
        expect(stopped!.steps.map((s) => s.status).sort()).toEqual(['done', 'pending']);

        // While the dead process still holds it, the CLI says so and when it can be resumed.
        await leases(holdDeadLeases);
        const tooSoon = await runCli(['offboard', '--email', email, '--idempotency-key', 'leaver-1'], env);
        expect(tooSoon.code).toBe(4);
        expect(tooSoon.stderr).toMatch(
          /is running in offboarding off_\w+ run obr_\w+ \(pid \d+ on .+\); if that process has stopped, it can be resumed after /,
        );

        // After the lease, the same request (from the HR leavers list this time) resumes it.
        await leases(lapseDeadLeases);
        const leavers = join(db.dataDir, 'leavers.csv');
        writeFileSync(leavers, `name,email,last day\n"Crash Leaver",${email.toUpperCase()},2026-11-30\n`);
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
        for (const step of view.steps) expect(step.after).toMatchObject([{ status: 'deactivated' }]);
        expect(emulator.state.mutationsExecuted.length).toBe(before + 2);

        // The CLI prints the receipt as a table and lists it.
        const shown = await runCli(['offboardings', view.id], env);
        expect(shown.code).toBe(0);
        expect(shown.stdout).toContain(`Offboarding ${view.id} of ${email}: done`);
        expect(shown.stdout).toMatch(/already deactivated/);
        expect((await runCli(['offboardings'], env)).stdout).toContain(view.id);
      });

      it('is finished by a worker when nobody resumes it', async () => {
        const [, email] = LEAVERS;
        const before = await offboardAndKill(email, 'leaver-2');
        const worker = spawnCli(['worker'], env);
        try {
          await waitFor(
            async () => (await stored()).find((o) => o.emails[0] === email)?.status === 'done',
            'a worker to finish the offboarding',
            60_000,
          );
          expect(worker.stdout()).toMatch(/ offboarding off_\w+: done/);
        } finally {
          worker.child.kill('SIGTERM');
          await worker.done;
        }
        const view = (await stored()).find((o) => o.emails[0] === email)!;
        expect(view.steps.map((s) => s.status)).toEqual(['done', 'done']);
        expect(view.steps.map((s) => s.attempts).sort()).toEqual([1, 2]);
        expect(emulator.state.mutationsExecuted.length).toBe(before + 2);
      });
    },
  );
}
