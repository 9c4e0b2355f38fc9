import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { emulatorForFile, gql, scim } from './helpers/emulator.ts';

const emu = emulatorForFile({ users: 400, plan: 'enterprise', seed: 3 });
const account = () => emu.current.accounts[0]!;
const token = () => account().scimToken!;
const patchOp = (operations: unknown[]) => ({
  schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
  Operations: operations,
});

describe('emulator SCIM', () => {
  it('lists only SCIM-provisioned users by default and everyone with scim_provisioned_only=false', async () => {
    const scimOnly = account().users.filter((u) => u.invitationMethod === 'SCIM').length;
    expect(scimOnly).toBeGreaterThan(0);
    const res = await scim(emu.current, token(), 'GET', '/Users?count=500');
    expect(res.status).toBe(200);
    expect(res.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
    expect(res.body.totalResults).toBe(scimOnly);
    const all = await scim(
      emu.current,
      token(),
      'GET',
      '/Users?scim_provisioned_only=false&startIndex=1&count=50',
    );
    expect(all.body).toMatchObject({ totalResults: account().users.length, itemsPerPage: 50, startIndex: 1 });
    expect(all.body.Resources[0]).toMatchObject({
      id: account().users[0]!.id,
      userName: account().users[0]!.email,
      userType: 'admin',
      active: true,
    });
  });

  it('pages by 1-based startIndex and count', async () => {
    const pageTwo = await scim(
      emu.current,
      token(),
      'GET',
      '/Users?scim_provisioned_only=false&startIndex=51&count=50',
    );
    expect(pageTwo.body.Resources[0].id).toBe(account().users[50]!.id);
    expect(pageTwo.body.startIndex).toBe(51);
  });

  it('creates a user who is active, SCIM-provisioned and visible over GraphQL with invitation_method SCIM', async () => {
    const created = await scim(emu.current, token(), 'POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'Jane.Doe@Example.com',
      name: { givenName: 'Jane', familyName: 'Doe' },
      displayName: 'Jane Doe',
      userType: 'viewer',
      title: 'Engineer',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      userName: 'jane.doe@example.com',
      active: true,
      userType: 'viewer',
      displayName: 'Jane Doe',
    });
    const graph = await gql<any>(
      emu.current,
      account().tokens.admin,
      `{ users(ids: [${created.body.id}]) { email kind status invitation_method } }`,
    );
    expect(graph.body.data.users).toEqual([
      { email: 'jane.doe@example.com', kind: 'view_only', status: 'ACTIVE', invitation_method: 'SCIM' },
    ]);
    const duplicate = await scim(emu.current, token(), 'POST', '/Users', {
      userName: 'jane.doe@example.com',
      displayName: 'Again',
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toMatchObject({ scimType: 'uniqueness', status: '409' });
  });

  it('rejects a create with an unknown userType or without a name', async () => {
    const badType = await scim(emu.current, token(), 'POST', '/Users', {
      userName: 'x@example.com',
      displayName: 'X',
      userType: 'User',
    });
    expect(badType.status).toBe(400);
    expect(badType.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      scimType: 'invalidValue',
    });
    const noName = await scim(emu.current, token(), 'POST', '/Users', { userName: 'y@example.com' });
    expect(noName.status).toBe(400);
  });

  it('finds a user with filter=userName eq, case-insensitively, and refuses other filters', async () => {
    const target = account().users.find((u) => u.invitationMethod === 'SCIM')!;
    const found = await scim(
      emu.current,
      token(),
      'GET',
      `/Users?filter=${encodeURIComponent(`userName eq "${target.email.toUpperCase()}"`)}`,
    );
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0].id).toBe(target.id);
    const other = await scim(
      emu.current,
      token(),
      'GET',
      `/Users?filter=${encodeURIComponent('displayName co "a"')}`,
    );
    expect(other.status).toBe(400);
    expect(other.body.scimType).toBe('invalidFilter');
    const garbage = await scim(
      emu.current,
      token(),
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq')}`,
    );
    expect(garbage.status).toBe(400);
  });

  it('deactivates a SCIM user with PATCH active:false (Okta form), and again succeeds unchanged', async () => {
    const target = account().users.find((u) => u.invitationMethod === 'SCIM' && u.status === 'ACTIVE')!;
    const first = await scim(
      emu.current,
      token(),
      'PATCH',
      `/Users/${target.id}`,
      patchOp([{ op: 'replace', value: { active: false } }]),
    );
    expect(first.status).toBe(200);
    expect(first.body.active).toBe(false);
    const again = await scim(
      emu.current,
      token(),
      'PATCH',
      `/Users/${target.id}`,
      patchOp([{ op: 'replace', value: { active: false } }]),
    );
    expect(again.status).toBe(200);
    expect(again.body.active).toBe(false);
    const graph = await gql<any>(
      emu.current,
      account().tokens.admin,
      `{ users(ids: [${target.id}], status: [INACTIVE]) { status } }`,
    );
    expect(graph.body.data.users).toEqual([{ status: 'INACTIVE' }]);
  });

  it('accepts the Entra form (capitalised op, path, string boolean) and changes userType', async () => {
    const target = account().users.find(
      (u) => u.invitationMethod === 'SCIM' && u.status === 'ACTIVE' && u.kind === 'member',
    )!;
    const res = await scim(
      emu.current,
      token(),
      'PATCH',
      `/Users/${target.id}`,
      patchOp([
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'replace', value: { userType: 'viewer' } },
      ]),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ active: false, userType: 'viewer' });
    const back = await scim(
      emu.current,
      token(),
      'PATCH',
      `/Users/${target.id}`,
      patchOp([{ op: 'replace', path: 'active', value: true }]),
    );
    expect(back.body.active).toBe(true);
  });

  it('refuses to change a user who was not provisioned through SCIM, naming the reason', async () => {
    const target = account().users.find(
      (u, i) => i > 2 && u.invitationMethod !== 'SCIM' && u.status === 'ACTIVE',
    )!;
    const res = await scim(
      emu.current,
      token(),
      'PATCH',
      `/Users/${target.id}`,
      patchOp([{ op: 'replace', value: { active: false } }]),
    );
    expect(res.status).toBe(404);
    expect(res.body.detail).toContain('not provisioned through SCIM');
    expect(target.status).toBe('ACTIVE');
    const get = await scim(emu.current, token(), 'GET', `/Users/${target.id}`);
    expect(get.status).toBe(404);
    const wide = await scim(emu.current, token(), 'GET', `/Users/${target.id}?scim_provisioned_only=false`);
    expect(wide.status).toBe(200);
  });

  it('rejects malformed PatchOps and bad values', async () => {
    const target = account().users.find((u) => u.invitationMethod === 'SCIM')!;
    const noSchema = await scim(emu.current, token(), 'PATCH', `/Users/${target.id}`, {
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(noSchema.status).toBe(400);
    const badValue = await scim(
      emu.current,
      token(),
      'PATCH',
      `/Users/${target.id}`,
      patchOp([{ op: 'replace', path: 'active', value: 'maybe' }]),
    );
    expect(badValue.body.scimType).toBe('invalidValue');
    const badType = await scim(
      emu.current,
      token(),
      'PATCH',
      `/Users/${target.id}`,
      patchOp([{ op: 'replace', value: { userType: 'owner' } }]),
    );
    expect(badType.body.scimType).toBe('invalidValue');
  });

  it('keeps active and userType unchanged on PUT (PATCH only), but updates identity fields', async () => {
    const target = account().users.find(
      (u) => u.invitationMethod === 'SCIM' && u.status === 'ACTIVE' && u.kind === 'member',
    )!;
    const res = await scim(emu.current, token(), 'PUT', `/Users/${target.id}`, {
      userName: target.email,
      displayName: 'Renamed Person',
      active: false,
      userType: 'guest',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ displayName: 'Renamed Person', active: true, userType: 'member' });
  });

  it('refuses to deactivate or demote the admin who owns the SCIM token', async () => {
    const owner = account().usersById.get(account().scimTokenOwnerId!)!;
    owner.invitationMethod = 'SCIM';
    try {
      const res = await scim(
        emu.current,
        token(),
        'PATCH',
        `/Users/${owner.id}`,
        patchOp([{ op: 'replace', value: { active: false } }]),
      );
      expect(res.status).toBe(400);
      expect(res.body.scimType).toBe('mutability');
      expect(owner.status).toBe('ACTIVE');
    } finally {
      owner.invitationMethod = 'FIRST_USER';
    }
  });

  it('answers a missing or wrong bearer token with a 401 SCIM error', async () => {
    const res = await scim(emu.current, 'wrong', 'GET', '/Users');
    expect(res.status).toBe(401);
    expect(res.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    const apiToken = await scim(emu.current, account().tokens.admin, 'GET', '/Users');
    expect(apiToken.status).toBe(401);
  });
});

describe('emulator SCIM on plans below Enterprise', () => {
  let pro: RunningEmulator;
  beforeAll(async () => {
    pro = await startEmulator({ users: 20, plan: 'pro' });
  });
  afterAll(() => pro.close());

  it('has no SCIM token and creates no SCIM-provisioned users', async () => {
    expect(pro.accounts[0]!.scimToken).toBeNull();
    expect(pro.accounts[0]!.users.some((u) => u.invitationMethod === 'SCIM')).toBe(false);
    expect(pro.describe().accounts[0]!.scimToken).toBeNull();
  });
});
