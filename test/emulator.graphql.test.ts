import { buildSchema, type GraphQLObjectType, getNamedType, isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { emulatorSdl } from '../src/emulator/schemaSdl.ts';
import { emulatorForFile, gql } from './helpers/emulator.ts';

// The version calendar is read on a fixed day, so what is current does not move with the date of the run.
const emu = emulatorForFile({
  users: 2500,
  plan: 'enterprise',
  seed: 7,
  calendarDate: new Date('2026-12-07T12:00:00Z'),
});
// The day 2027-01 becomes current: 2026-10 is maintenance, 2026-07 deprecated.
const next = emulatorForFile({ users: 20, seed: 7, calendarDate: new Date('2027-01-15T08:00:00Z') });
const admin = () => emu.current.accounts[0]!.tokens.admin;
const account = () => emu.current.accounts[0]!;

type Users = { users: { id: string; kind: string; status: string; email: string; name: string }[] };

describe('emulator GraphQL: reading users', () => {
  it('pages users 1-based with an explicit limit, and pages do not overlap', async () => {
    const q = 'query ($page: Int!) { users(limit: 100, page: $page) { id } }';
    const first = await gql<Users>(emu.current, admin(), q, { page: 1 });
    const second = await gql<Users>(emu.current, admin(), q, { page: 2 });
    expect(first.status).toBe(200);
    expect(first.body.data!.users).toHaveLength(100);
    expect(second.body.data!.users).toHaveLength(100);
    const overlap = first.body.data!.users.filter((u) => second.body.data!.users.some((v) => v.id === u.id));
    expect(overlap).toEqual([]);
  });

  it("defaults limit to 200 and refuses more than 1000 with monday's message", async () => {
    const dflt = await gql<Users>(
      emu.current,
      admin(),
      '{ users(status: [ACTIVE, INACTIVE, PENDING]) { id } }',
    );
    expect(dflt.body.data!.users).toHaveLength(200);
    const refused = await gql<Users>(
      emu.current,
      admin(),
      '{ users(limit: 5000, status: [ACTIVE, INACTIVE, PENDING]) { id } }',
    );
    expect(refused.body.errors![0]).toMatchObject({
      message: 'Limit exceeds the maximum allowed value of 1000.',
      extensions: { code: 'InvalidArgumentException' },
    });
    const most = await gql<Users>(
      emu.current,
      admin(),
      '{ users(limit: 1000, status: [ACTIVE, INACTIVE, PENDING]) { id } }',
    );
    expect(most.body.data!.users).toHaveLength(1000);
  });

  it('reads every user exactly once when paging through all statuses until a short page', async () => {
    const seen = new Set<string>();
    for (let page = 1; ; page++) {
      const res = await gql<Users>(
        emu.current,
        admin(),
        'query ($page: Int!) { users(limit: 1000, page: $page, status: [ACTIVE, INACTIVE, PENDING]) { id } }',
        { page },
      );
      for (const u of res.body.data!.users) seen.add(u.id);
      if (res.body.data!.users.length < 1000) break;
    }
    expect(seen.size).toBe(account().users.length);
  });

  it('returns only active and pending users when no status is given, as API 2026-07 does', async () => {
    const res = await gql<Users>(emu.current, admin(), '{ users(limit: 1000, page: 1) { status } }');
    const statuses = new Set(res.body.data!.users.map((u) => u.status));
    expect([...statuses].sort()).toEqual(['ACTIVE', 'PENDING']);
    const expected = account().users.filter((u) => u.status !== 'INACTIVE').length;
    let total = 0;
    for (let page = 1; page <= 3; page++) {
      const r = await gql<Users>(emu.current, admin(), `{ users(limit: 1000, page: ${page}) { id } }`);
      total += r.body.data!.users.length;
    }
    expect(total).toBe(expected);
  });

  it('filters by status, non_active, kind and user_kind', async () => {
    const inactive = await gql<Users>(
      emu.current,
      admin(),
      '{ users(limit: 1000, status: [INACTIVE]) { status } }',
    );
    expect(inactive.body.data!.users.length).toBe(
      account().users.filter((u) => u.status === 'INACTIVE').length,
    );
    expect(inactive.body.data!.users.every((u) => u.status === 'INACTIVE')).toBe(true);

    const nonActive = await gql<Users>(
      emu.current,
      admin(),
      '{ users(limit: 1000, non_active: true) { status } }',
    );
    expect(nonActive.body.data!.users.every((u) => u.status === 'INACTIVE')).toBe(true);

    const guests = await gql<Users>(emu.current, admin(), '{ users(limit: 1000, kind: guests) { kind } }');
    expect(guests.body.data!.users.length).toBeGreaterThan(0);
    expect(guests.body.data!.users.every((u) => u.kind === 'guest')).toBe(true);

    const viewers = await gql<Users>(
      emu.current,
      admin(),
      '{ users(limit: 1000, status: [ACTIVE], user_kind: { in: [VIEW_ONLY] }) { kind status } }',
    );
    const expectedViewers = account().users.filter(
      (u) => u.kind === 'view_only' && u.status === 'ACTIVE',
    ).length;
    expect(viewers.body.data!.users).toHaveLength(expectedViewers);

    const notAdmins = await gql<Users>(
      emu.current,
      admin(),
      '{ users(limit: 1000, user_kind: { not_in: [ADMIN, MEMBER] }) { kind } }',
    );
    expect(notAdmins.body.data!.users.some((u) => u.kind === 'admin' || u.kind === 'member')).toBe(false);
  });

  it('looks users up by ids and emails, and searches names', async () => {
    const target = account().users[10]!;
    const byId = await gql<Users>(
      emu.current,
      admin(),
      `{ users(ids: [${target.id}], status: [ACTIVE, INACTIVE, PENDING]) { id email } }`,
    );
    expect(byId.body.data!.users).toEqual([{ id: target.id, email: target.email }]);
    const byEmail = await gql<Users>(
      emu.current,
      admin(),
      'query ($e: [String!]) { users(emails: $e, status: [ACTIVE, INACTIVE, PENDING]) { id } }',
      { e: [target.email.toUpperCase()] },
    );
    expect(byEmail.body.data!.users.map((u) => u.id)).toEqual([target.id]);
    const last = target.name.split(' ')[1]!.toLowerCase();
    const byName = await gql<Users>(emu.current, admin(), `{ users(name: "${last}", limit: 1000) { name } }`);
    expect(byName.body.data!.users.length).toBeGreaterThan(0);
    expect(byName.body.data!.users.every((u) => u.name.toLowerCase().includes(last))).toBe(true);
  });

  it('sorts newest first on request', async () => {
    const res = await gql<{ users: { id: string }[] }>(
      emu.current,
      admin(),
      '{ users(limit: 3, sort: [{ field: CREATED_AT, direction: DESC }]) { id } }',
    );
    const active = account().users.filter((u) => u.status !== 'INACTIVE');
    expect(res.body.data!.users.map((u) => u.id)).toEqual(
      active
        .slice(-3)
        .reverse()
        .map((u) => u.id),
    );
  });

  it('refuses a page below 1 with an argument error', async () => {
    const res = await gql(emu.current, admin(), '{ users(page: 0) { id } }');
    expect(res.body.errors![0].extensions.code).toBe('InvalidArgumentException');
  });

  it('serves me, account with plan and products, complexity and version', async () => {
    const res = await gql<Record<string, any>>(
      emu.current,
      admin(),
      '{ me { id kind } account { id slug tier plan { max_users tier period version } products { id kind } active_members_count } complexity { before after query reset_in_x_seconds } version { value kind } versions { value kind } }',
    );
    const data = res.body.data!;
    expect(data.me).toEqual({ id: account().tokenOwners.admin, kind: 'admin' });
    expect(data.account.id).toBe(account().id);
    expect(data.account.slug).toBe(account().slug);
    expect(data.account.plan.tier).toBe('enterprise');
    expect(data.account.plan.max_users).toBeGreaterThanOrEqual(data.account.active_members_count);
    expect(data.account.products[0].kind).toBe('core');
    expect(data.complexity.before - data.complexity.query).toBe(data.complexity.after);
    // monday's calendar today (2026-12): 2026-10 current since 2026-10-01, 2027-01 the release candidate.
    expect(data.version).toEqual({ value: '2026-10', kind: 'current' });
    expect(res.headers.get('api-version')).toBe('2026-10');
    expect(data.versions).toEqual([
      { value: '2026-07', kind: 'maintenance' },
      { value: '2026-10', kind: 'current' },
      { value: '2027-01', kind: 'release_candidate' },
    ]);
    // Only error answers carry the account id.
    expect(res.body).not.toHaveProperty('account_id');
  });

  it('maps the legacy booleans consistently with kind and status', async () => {
    const res = await gql<{ users: Record<string, any>[] }>(
      emu.current,
      admin(),
      '{ users(limit: 1000, status: [ACTIVE, INACTIVE, PENDING]) { kind status enabled is_admin is_guest is_view_only is_pending is_verified is_email_confirmed } }',
      {},
      { 'API-Version': '2026-07' },
    );
    for (const u of res.body.data!.users) {
      expect(u.is_admin).toBe(u.kind === 'admin');
      expect(u.is_guest).toBe(u.kind === 'guest');
      expect(u.is_view_only).toBe(u.kind === 'view_only');
      expect(u.is_pending).toBe(u.status === 'PENDING');
      expect(u.enabled).toBe(u.status !== 'INACTIVE');
      expect(u.is_verified).toBe(u.is_email_confirmed);
    }
  });
});

describe('emulator GraphQL: API-Version, auth and request errors', () => {
  it('serves both the legacy booleans and kind/status on 2026-07 and echoes the version header', async () => {
    const res = await gql(
      emu.current,
      admin(),
      '{ me { is_admin kind status } }',
      {},
      { 'API-Version': '2026-07' },
    );
    expect(res.body.data).toEqual({ me: { is_admin: true, kind: 'admin', status: 'ACTIVE' } });
    expect(res.headers.get('api-version')).toBe('2026-07');
  });

  it('rejects the removed legacy fields on 2026-10 with undefinedField, but serves kind and status', async () => {
    for (const field of [
      'is_admin',
      'is_guest',
      'is_view_only',
      'is_pending',
      'enabled',
      'is_verified',
      'join_date',
    ]) {
      const res = await gql(emu.current, admin(), `{ me { ${field} } }`, {}, { 'API-Version': '2026-10' });
      expect(res.status).toBe(200);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors![0]).toMatchObject({
        message: `Field '${field}' doesn't exist on type 'User'`,
        extensions: { code: 'undefinedField', typeName: 'User', fieldName: field },
      });
    }
    const ok = await gql(
      emu.current,
      admin(),
      '{ me { kind status } version { value } }',
      {},
      { 'API-Version': '2026-10' },
    );
    expect(ok.body.data).toEqual({ me: { kind: 'admin', status: 'ACTIVE' }, version: { value: '2026-10' } });
  });

  it('answers a malformed API-Version with InvalidVersionException', async () => {
    for (const version of ['2026-7', 'latest', '2026-13']) {
      const res = await gql(emu.current, admin(), '{ me { id } }', {}, { 'API-Version': version });
      expect(res.body.errors![0].extensions.code).toBe('InvalidVersionException');
      expect(res.body.errors![0].message).toContain(version);
    }
  });

  it('serves a deprecated version as the maintenance one and an unknown well-formed one as current', async () => {
    const old = await gql(
      emu.current,
      admin(),
      '{ version { value kind } }',
      {},
      { 'API-Version': '2024-10' },
    );
    expect(old.body.data).toEqual({ version: { value: '2026-07', kind: 'maintenance' } });
    expect(old.headers.get('api-version')).toBe('2026-07');
    const future = await gql(
      emu.current,
      admin(),
      '{ version { value kind } }',
      {},
      { 'API-Version': '2031-01' },
    );
    expect(future.body.data).toEqual({ version: { value: '2026-10', kind: 'current' } });
  });

  it("follows monday's calendar: from 2027-01-15 a 2026-07 request is served as 2026-10, without an error", async () => {
    const token = next.current.accounts[0]!.tokens.admin;
    const asked = async (version: string | null, query = '{ version { value kind } }') =>
      gql<Record<string, any>>(next.current, token, query, {}, version ? { 'API-Version': version } : {});
    const plain = await asked(null, '{ version { value kind } versions { value kind } }');
    expect(plain.body.data).toEqual({
      version: { value: '2027-01', kind: 'current' },
      versions: [
        { value: '2026-10', kind: 'maintenance' },
        { value: '2027-01', kind: 'current' },
        { value: '2027-04', kind: 'release_candidate' },
      ],
    });
    const pinned = await asked('2026-07');
    expect(pinned.headers.get('api-version')).toBe('2026-10');
    expect(pinned.body.data).toEqual({ version: { value: '2026-10', kind: 'maintenance' } });
    // What a 2026-07 document asks of the user no longer exists there.
    const legacy = await asked('2026-07', '{ me { is_admin } }');
    expect(legacy.body.errors![0]).toMatchObject({
      extensions: { code: 'undefinedField', fieldName: 'is_admin' },
    });
    const old = await asked('2025-04');
    expect(old.headers.get('api-version')).toBe('2026-10');
    const malformed = await asked('2027-1');
    expect(malformed.body.errors![0].extensions.code).toBe('InvalidVersionException');
  });

  it('answers an unknown or missing token with 401 Not Authenticated', async () => {
    for (const token of ['not-a-token', '']) {
      const res = await gql(emu.current, token, '{ me { id } }');
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ errors: ['Not Authenticated'] });
    }
  });

  it('accepts the token with or without a Bearer prefix', async () => {
    const res = await gql(emu.current, `Bearer ${admin()}`, '{ me { id } }');
    expect(res.body.data).toEqual({ me: { id: account().tokenOwners.admin } });
  });

  it('refuses API access to a viewer token owner with USER_ACCESS_DENIED, as monday does', async () => {
    const res = await gql(emu.current, account().tokens.viewer, '{ me { id } }');
    expect(res.status).toBe(403);
    expect(res.body.errors![0].extensions.code).toBe('USER_ACCESS_DENIED');
  });

  it('answers malformed JSON with 400 JsonParseException and a bad query with a parse error', async () => {
    const raw = await fetch(emu.current.graphqlUrl, {
      method: 'POST',
      headers: { authorization: admin(), 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as any).errors[0].extensions.code).toBe('JsonParseException');
    const unfinished = await gql(emu.current, admin(), '{ me { id }');
    expect(unfinished.body.errors![0].message).toBe('Unexpected end of document at [1, 12]');
    const parse = await gql(emu.current, admin(), '{ me { id } } }');
    expect(parse.body.errors![0].message).toBe('Parse error on "}" (RCURLY) at [1, 15]');
    expect(parse.body.account_id).toBe(Number(account().id));
    const noQuery = await fetch(emu.current.graphqlUrl, {
      method: 'POST',
      headers: { authorization: admin(), 'content-type': 'application/json' },
      body: '{"variables": {}}',
    });
    expect(noQuery.status).toBe(400);
  });

  it('reports unknown arguments and missing required arguments with monday codes', async () => {
    const unknownArg = await gql(emu.current, admin(), '{ users(bogus: 1) { id } }');
    expect(unknownArg.body.errors![0].extensions.code).toBe('argumentNotAccepted');
    const missing = await gql(emu.current, admin(), 'mutation { deactivate_users { errors { code } } }');
    expect(missing.body.errors![0].extensions.code).toBe('missingRequiredArguments');
  });

  it('gives every error a request id', async () => {
    const res = await gql(emu.current, admin(), '{ nope }');
    expect(res.body.errors![0].extensions.request_id).toMatch(/[0-9a-f-]{36}/);
    expect(res.headers.get('x-request-id')).toBe(res.body.errors![0].extensions.request_id);
  });
});

describe('emulator GraphQL: every field monday serves on a user', () => {
  /** A selection of every field of a type, one level into object fields (leaves only below). */
  function selectAll(type: GraphQLObjectType, depth = 0): string {
    return Object.values(type.getFields())
      .map((field) => {
        const inner = getNamedType(field.type);
        if (!isObjectType(inner)) return field.name;
        if (depth > 0) return null;
        const leaves = selectAll(inner, depth + 1);
        return leaves ? `${field.name} { ${leaves} }` : null;
      })
      .filter(Boolean)
      .join(' ');
  }

  it('answers a query for every User field (2026-07) with values or null, and no error', async () => {
    const schema = buildSchema(emulatorSdl['2026-07']);
    const user = schema.getType('User') as GraphQLObjectType;
    const res = await gql<{ users: Record<string, unknown>[] }>(
      emu.current,
      admin(),
      `{ users(limit: 5) { ${selectAll(user)} } }`,
      {},
      { 'API-Version': '2026-07' },
    );
    expect(res.body.errors).toBeUndefined();
    const [first] = res.body.data!.users;
    for (const field of Object.values(user.getFields())) expect(first, field.name).toHaveProperty(field.name);
    expect(first).toMatchObject({
      photo_thumb: expect.stringMatching(/^https:\/\//),
      utc_hours_diff: expect.any(Number),
      user_config: { kind: expect.any(String), group: expect.any(String) },
      account: { first_day_of_the_week: 'sunday', slug: account().slug },
      location: null,
      phone: null,
    });
  });
});
