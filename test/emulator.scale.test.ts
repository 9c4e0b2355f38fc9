import { describe, expect, it } from 'vitest';
import { emulatorForFile, gql } from './helpers/emulator.ts';

const emu = emulatorForFile({ users: 100_000, plan: 'enterprise', seed: 2 });

describe('emulator at 100,000 users', () => {
  it('serves full 1000-user pages to the end and an empty page after it', async () => {
    const token = emu.current.accounts[0]!.tokens.admin;
    const q =
      'query ($page: Int!) { users(limit: 1000, page: $page, status: [ACTIVE, INACTIVE, PENDING]) { id email kind status } }';
    const last = await gql<any>(emu.current, token, q, { page: 100 });
    expect(last.body.data.users).toHaveLength(1000);
    expect(last.body.data.users[999].id).toBe(emu.current.accounts[0]!.users[99_999]!.id);
    const beyond = await gql<any>(emu.current, token, q, { page: 101 });
    expect(beyond.body.data.users).toEqual([]);
  });
});
