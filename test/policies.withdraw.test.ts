import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningEmulator } from '../src/emulator/server.ts';
import { seatwiseWithEmulator } from './helpers/connected.ts';
import { describeEachDialect } from './helpers/databases.ts';

describeEachDialect('a proposal whose user no longer matches (%s)', (dialect) => {
  let world: Awaited<ReturnType<typeof seatwiseWithEmulator>>;
  let emulator: RunningEmulator;
  let connectionId: string;

  beforeAll(async () => {
    world = await seatwiseWithEmulator(dialect, { users: 300, plan: 'pro', seed: 45 });
    emulator = world.emulator;
    ({ id: connectionId } = await world.app.connections.add({
      token: emulator.accounts[0]!.tokens.admin,
      apiUrl: emulator.graphqlUrl,
      permission: 'read_and_act',
    }));
    await world.app.policies.add({ connectionId, kind: 'inactive_members_to_viewer', days: 30 });
    expect((await world.app.sync.sync(connectionId)).status).toBe('succeeded');
  });
  afterAll(async () => {
    await world?.close();
  });

  it('is withdrawn at the next sync, cannot be approved, and the others stay open', async () => {
    const open = await world.app.policies.proposals({ connectionId, status: 'open' });
    expect(open.length).toBeGreaterThan(2);
    const [back, other] = open;
    // In monday, the person is active again today.
    emulator.accounts[0]!.usersById.get(back!.userId)!.lastActivity = new Date();
    expect((await world.app.sync.sync(connectionId)).status).toBe('succeeded');

    const after = await world.app.policies.proposals({ connectionId });
    const withdrawn = after.find((p) => p.id === back!.id)!;
    expect(withdrawn).toMatchObject({ status: 'withdrawn' });
    expect(withdrawn.outcome).toBe('the user no longer matches the policy');
    expect(after.find((p) => p.id === other!.id)).toMatchObject({ status: 'open' });
    // Nobody approves a stale proposal: nothing is done in monday.
    const mutations = emulator.state.mutationsExecuted.length;
    await expect(world.app.policies.approve([back!.id], 'test')).rejects.toMatchObject({
      kind: 'conflict',
      code: 'proposal_decided',
      message: `proposal ${back!.id} is already withdrawn`,
    });
    expect(emulator.state.mutationsExecuted.length).toBe(mutations);
    expect(emulator.accounts[0]!.usersById.get(back!.userId)!.kind).not.toBe('view_only');
    // It stays withdrawn: the next sync does not open it again for a user still active.
    expect((await world.app.sync.sync(connectionId)).status).toBe('succeeded');
    const open2 = await world.app.policies.proposals({ connectionId, status: 'open' });
    expect(open2.map((p) => p.userId)).not.toContain(back!.userId);
  });
});
