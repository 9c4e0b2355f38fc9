import { afterAll, beforeAll, expect, it } from 'vitest';
import { offboardingReceiptHtml } from '../src/app/offboardingReceipt.ts';
import { createSeatwise, type Seatwise } from '../src/compose.ts';
import type { EmuAccount, EmuUser } from '../src/emulator/model.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { LeaseRepo } from '../src/store/leaseRepo.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from './helpers/databases.ts';
import { scim } from './helpers/emulator.ts';

/** A person monday provisioned through SCIM, active. */
async function scimPerson(emulator: RunningEmulator, account: EmuAccount, email: string): Promise<EmuUser> {
  const created = await scim(emulator, account.scimToken!, 'POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: email,
    displayName: email.split('@')[0],
    emails: [{ value: email, primary: true, type: 'work' }],
    active: true,
  });
  expect(created.status).toBe(201);
  // monday keeps the spelling it was given (the emulator's SCIM lowers it; put it back).
  const user = account.users.find((u) => u.email.toLowerCase() === email.toLowerCase())!;
  user.email = email;
  user.status = 'ACTIVE';
  return user;
}

describeEachDialect('offboarding reports only what monday shows (%s)', (dialect) => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let app: Seatwise;
  let connectionId: string;
  const account = () => emulator.accounts[0]!;
  const mutations = () => emulator.state.mutationsExecuted.length;

  beforeAll(async () => {
    emulator = await startEmulator({ users: 40, plan: 'enterprise', seed: 303 });
    db = await createTestDatabase(dialect);
    app = await createSeatwise(db.config, { remote: { baseDelayMs: 1, maxRetries: 0 } });
    connectionId = (
      await app.connections.add({
        token: account().tokens.admin,
        apiUrl: emulator.graphqlUrl,
        scimToken: account().scimToken!,
        scimUrl: emulator.scimUrl,
        permission: 'read_and_act',
      })
    ).id;
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
    await emulator?.close();
  });

  it('names everyone it was asked about: an email monday does not have gets its own row, in the plan, the result, the receipt and the CLI', async () => {
    const leaver = await scimPerson(emulator, account(), `named.leaver.${dialect}@acme.example`);
    expect((await app.sync.sync(connectionId)).status).toBe('succeeded');
    const unknown = `nobody.here.${dialect}@acme.example`;
    const emails = [leaver.email, unknown];
    const plan = await app.offboardings.offboard({ emails, dryRun: true }, 'hr');
    expect(plan.steps[0]!.items.map((i) => i.email)).toEqual([leaver.email]);
    expect(plan.steps[0]!.notFound).toEqual([unknown]);
    const done = await app.offboardings.offboard({ emails }, 'hr');
    expect(done.steps[0]!.notFound).toEqual([unknown]);
    expect(done.summary.notFoundAnywhere).toEqual([unknown]);
    expect(done.steps[0]!.items.map((i) => [i.email, i.result])).toEqual([[leaver.email, 'deactivated']]);
    // Read back from the store, as every later look at it is.
    const stored = await app.offboardings.get(done.id!);
    expect(stored.steps[0]!.notFound).toEqual([unknown]);
    const receipt = offboardingReceiptHtml(stored);
    expect(receipt).toMatch(
      new RegExp(`<td>${unknown.replace(/\./g, '\\.')}</td>[\\s\\S]*?not found in monday \\(checked now\\)`),
    );
    // The CLI prints a row for it too.
    const { runCli } = await import('./helpers/cli.ts');
    const shown = await runCli(['offboardings', done.id!], { ...db.env });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(
      new RegExp(`${unknown.replace(/\./g, '\\.')}\\s+not found in monday \\(checked now\\)`),
    );
    expect(shown.stdout).toContain(leaver.email);
    expect(shown.stdout).toContain(`1 deactivated, not found in any account: ${unknown}`);
  });

  it('finds a person whose monday spelling differs when monday matches emails exactly', async () => {
    const person = await scimPerson(emulator, account(), 'Mixed.Case@Acme.example');
    expect((await app.sync.sync(connectionId)).status).toBe('succeeded');
    emulator.setFaults({ emailMatch: 'exact' });
    const view = await app.offboardings
      .offboard({ emails: ['mixed.case@acme.example'] }, 'hr')
      .finally(() => emulator.setFaults({}));
    expect(view).toMatchObject({ status: 'done', summary: { deactivated: 1, notFound: 0 } });
    expect(view.steps[0]!.items[0]).toMatchObject({ userId: person.id, result: 'deactivated' });
    expect(person.status).toBe('INACTIVE');
  });

  it('says "not deactivated" for the user monday still shows active, and a resume finishes at once', async () => {
    const a = await scimPerson(emulator, account(), 'first.leaver@acme.example');
    const b = await scimPerson(emulator, account(), 'second.leaver@acme.example');
    expect((await app.sync.sync(connectionId)).status).toBe('succeeded');
    // Two look-ups and the first PATCH pass; the token stops working after that.
    emulator.setFaults({ surfaces: ['scim'], revokeTokenAfter: 3 });
    const first = await app.offboardings
      .offboard({ emails: [a.email, b.email], idempotencyKey: `leavers-${dialect}` }, 'hr')
      .finally(() => emulator.setFaults({}));
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual(['ACTIVE', 'INACTIVE']);
    const [done, left] = a.status === 'INACTIVE' ? [a, b] : [b, a];
    const step = first.steps[0]!;
    expect(step.status).toBe('failed');
    expect(Object.fromEntries(step.items.map((i) => [i.userId, i.result]))).toEqual({
      [done.id]: 'deactivated',
      [left.id]: 'not_deactivated',
    });
    expect(first.summary).toMatchObject({ deactivated: 1, notDeactivated: 1 });
    // The advice names what retries: a resume (the same request again only answers with the receipt).
    expect(step.message).toContain(`to retry, resume it: seatwise offboard --resume ${first.id}`);
    const receipt = offboardingReceiptHtml(first);
    expect(receipt).toContain('1 deactivated, 1 not deactivated');
    expect(receipt.match(/deactivated \(monday confirms\)/g)).toHaveLength(1);

    // The resume acts on the one left, under a key of its own: it is not refused as a reused key.
    const before = mutations();
    const resumed = await app.offboardings.resume(first.id!, 'hr');
    expect(resumed).toMatchObject({ status: 'done', summary: { deactivated: 1, already: 1 } });
    expect(left.status).toBe('INACTIVE');
    expect(mutations()).toBe(before + 1);
  });

  it('answers the same request made while it runs with the running offboarding, and acts once', async () => {
    const person = await scimPerson(emulator, account(), 'slow.leaver@acme.example');
    expect((await app.sync.sync(connectionId)).status).toBe('succeeded');
    const before = mutations();
    emulator.setFaults({ answerDelayMs: 3000, surfaces: ['scim'] });
    try {
      const request = { emails: [person.email], idempotencyKey: `slow-${dialect}` };
      const running = app.offboardings.offboard(request, 'hr');
      // Once the first has acted (its answer is late), the same request again.
      await expect.poll(() => mutations(), { timeout: 10_000 }).toBe(before + 1);
      const again = await app.offboardings.offboard(request, 'hr');
      expect(again).toMatchObject({
        repeated: true,
        status: 'running',
        runningIn: { holder: expect.any(String) },
      });
      expect(await running).toMatchObject({ status: 'done', summary: { deactivated: 1 } });
    } finally {
      emulator.setFaults({});
    }
    expect(mutations()).toBe(before + 1);
    expect(person.status).toBe('INACTIVE');
  });

  it('acts while a sync of the account holds it, without waiting for the sync', async () => {
    const person = await scimPerson(emulator, account(), 'during.sync@acme.example');
    expect((await app.sync.sync(connectionId)).status).toBe('succeeded');
    const leases = new LeaseRepo(app.store.db);
    const held = await leases.acquire({
      connectionId,
      holder: 'sync run_test (pid 1 on test)',
      purpose: 'sync',
      runId: null,
      now: new Date(),
      ttlMs: 120_000,
    });
    expect(held.acquired).toBe(true);
    try {
      const view = await app.offboardings.offboard({ emails: [person.email] }, 'hr');
      expect(view).toMatchObject({ status: 'done', summary: { deactivated: 1 } });
    } finally {
      if (held.acquired) await leases.release(connectionId, held.fence);
    }
    expect(person.status).toBe('INACTIVE');
  });
});
