import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  dailyLimitDeferral,
  effectiveVersion,
  FOLLOW_CURRENT,
  type ListedVersion,
  versionNotice,
} from '../src/domain/apiVersions.ts';
import {
  type ConnectionFacts,
  type Requirement,
  readCapabilities,
  unmetRequirements,
} from '../src/domain/capabilities.ts';
import { fieldChanges, SECRET_CHANGED, SECRET_REMOVED, SECRET_SET } from '../src/domain/fieldChanges.ts';
import { describeIssues, invalidInput, issuesOf, prefixed, valueAt } from '../src/domain/inputIssues.ts';
import { effectiveRole, roleFromGroups } from '../src/domain/people.ts';
import {
  describeRule,
  draftProposals,
  isExcepted,
  type PolicyRule,
  type PolicyUser,
} from '../src/domain/policies.ts';
import type { SeatwiseRole } from '../src/domain/roles.ts';
import { nextRun, scheduleProblem } from '../src/domain/syncSchedule.ts';
import { daysAgo, NOW } from './helpers/scopedUser.ts';

/**
 * The rules behind what Seatwise says about a connection's settings, its people and its policies, each against
 * the words a person reads (the mutation run, `npm run mutate`, judges src/domain by these too).
 */

describe("what Seatwise says about a connection's API version", () => {
  const live: ListedVersion[] = [
    { kind: 'deprecated', value: '2026-01' },
    { kind: 'maintenance', value: '2026-04' },
    { kind: 'current', value: '2026-07' },
    { kind: 'release_candidate', value: '2026-10' },
    { kind: 'dev', value: '2027-01' },
  ];
  const notice = (setting: string, served: string | null, versions = live as ListedVersion[] | null) =>
    versionNotice({ connectionId: 'con_1', setting, served, versions, since: '2026-11-30T08:00:00Z' });
  const remedy = 'seatwise connections update con_1 --api-version current';

  it('says nothing while it follows current or is pinned to current', () => {
    expect(notice(FOLLOW_CURRENT, '2026-07')).toBeNull();
    expect(notice('2026-07', '2026-07')).toBeNull();
    expect(notice('2026-07', null, null)).toBeNull();
  });

  it('warns, with the day it was first seen, when monday serves another version for the pin', () => {
    expect(notice('2026-01', '2026-04')).toEqual({
      level: 'warning',
      since: '2026-11-30T08:00:00Z',
      message: `monday serves API 2026-04 for this connection's pinned 2026-01 since 2026-11-30: 2026-01 is deprecated. Seatwise sends 2026-04's documents, so syncs and actions keep working; follow monday's current version (${remedy}) or pin 2026-07.`,
    });
  });

  it('warns when monday lists the pin as deprecated or not at all', () => {
    const deprecated = notice('2026-01', null);
    expect(deprecated?.level).toBe('warning');
    expect(deprecated?.message).toBe(
      `monday no longer lists API 2026-01 as a live version since 2026-11-30: it is deprecated and will be served as the maintenance version; follow monday's current version (${remedy}) or pin 2026-07.`,
    );
    expect(notice('2025-10', '2025-10')?.message).toMatch(/^monday no longer lists API 2025-10 as a live/);
    // Nothing listed and nothing served differently: no grounds for a warning.
    expect(notice('2025-10', '2025-10', null)).toBeNull();
    const noSince = versionNotice({
      connectionId: 'con_1',
      setting: '2025-10',
      served: null,
      versions: live,
      since: null,
    });
    expect(noSince?.message).toContain('live version: it is deprecated');
    expect(noSince?.since).toBeNull();
  });

  it('informs about a maintenance, release candidate or development pin', () => {
    expect(notice('2026-04', '2026-04')).toEqual({
      level: 'info',
      since: null,
      message: `API 2026-04 is monday's maintenance version: it is deprecated when the next version becomes current; follow monday's current version (${remedy}) or pin 2026-07.`,
    });
    expect(notice('2026-10', '2026-10')?.message).toBe(
      `API 2026-10 is monday's release candidate version: it may change without notice; follow monday's current version (${remedy}) or pin 2026-07.`,
    );
    expect(notice('2027-01', '2027-01')).toEqual({
      level: 'info',
      since: null,
      message: `API 2027-01 is monday's development version: it may change without notice; follow monday's current version (${remedy}) or pin 2026-07.`,
    });
  });

  it('does not offer to pin current when it is the pin, or when monday lists no current version', () => {
    expect(FOLLOW_CURRENT).toBe('current');
    expect(notice('2026-07', '2026-10')?.message).toBe(
      `monday serves API 2026-10 for this connection's pinned 2026-07 since 2026-11-30: 2026-07 is deprecated. Seatwise sends 2026-10's documents, so syncs and actions keep working; follow monday's current version (${remedy}).`,
    );
    const noCurrent = live.filter((v) => v.kind !== 'current');
    expect(notice('2026-04', '2026-04', noCurrent)?.message).toMatch(/--api-version current\)\.$/);
  });

  it('judges documents by the served version, else the pin, else the newest it knows', () => {
    expect(effectiveVersion('2026-01', '2026-04', '2026-10')).toBe('2026-04');
    expect(effectiveVersion('2026-07', null, '2026-10')).toBe('2026-07');
    expect(effectiveVersion(FOLLOW_CURRENT, null, '2026-10')).toBe('2026-10');
  });

  it.each([
    // limit, used, cost, deferral
    [null, 10, 5, null],
    [1000, null, 5000, null], // monday did not say what was used: never deferred
    [100, 0, 90, null], // 10 left = the reserve (at least 10)
    [100, 1, 90, 'deferred: 99 calls left today, a sync needs 90 and 10 are kept for actions'],
    [10_000, 9_700, 100, null], // reserve 200 (2 %)
    [10_000, 9_701, 100, 'deferred: 299 calls left today, a sync needs 100 and 200 are kept for actions'],
    [1000, 995, null, 'deferred: 5 calls left today and 20 are kept for actions'],
    [100, 120, 0, 'deferred: 0 calls left today, a sync needs 0 and 10 are kept for actions'],
    [100, 90, null, null], // an unknown cost is none; 10 left is the reserve
  ])('limit %s, used %s, sync cost %s: %s', (limit, usedToday, syncCost, deferral) => {
    expect(dailyLimitDeferral({ limit, usedToday, syncCost })).toBe(
      deferral === null ? null : `${deferral}; monday's daily limit resets 00:00 UTC`,
    );
  });
});

describe('what blocks an action on a connection', () => {
  const facts = (over: Partial<ConnectionFacts> = {}): ConnectionFacts => ({
    permission: 'read_and_act',
    planTier: 'enterprise',
    hasScimToken: true,
    tokenOwnerKind: 'admin',
    apiVersion: '2026-10',
    status: 'connected',
    graphqlOffboarding: true,
    ...over,
  });
  const all: Requirement[] = [
    { kind: 'permission' },
    { kind: 'enterprise' },
    { kind: 'scimToken' },
    { kind: 'adminToken' },
    { kind: 'graphqlOffboarding' },
    { kind: 'apiVersion', min: '2026-07' },
  ];

  it('nothing, when every requirement holds', () => {
    expect(unmetRequirements(all, facts())).toEqual([]);
    expect(unmetRequirements(all, facts({ planTier: 'Enterprise' }))).toEqual([]);
    expect(unmetRequirements([], facts({ permission: 'read' }))).toEqual([]);
  });

  it('each unmet one, in words', () => {
    expect(
      unmetRequirements(
        all,
        facts({
          permission: 'read',
          tokenOwnerKind: 'member',
          graphqlOffboarding: false,
          apiVersion: '2026-04',
          hasScimToken: false,
        }),
      ),
    ).toEqual([
      'the connection\'s permission level is "read"; set it to "read_and_act" to run actions',
      'the connection has no SCIM token; add one to the connection',
      "the API token's owner is not an admin (member); monday allows this only to admins",
      "GraphQL deactivation is not allowed for offboarding on this connection (it also stops the integrations and automations the user made); allow it in the connection's settings or with seatwise connections update ID --graphql-offboarding on",
      'needs API version 2026-07 or later (the connection uses 2026-04)',
    ]);
    expect(
      unmetRequirements([{ kind: 'adminToken' }, { kind: 'graphqlOffboarding' }], {
        ...facts({ tokenOwnerKind: null }),
        graphqlOffboarding: undefined,
      }),
    ).toEqual([
      "the API token's owner is not an admin (unknown); monday allows this only to admins",
      expect.stringMatching(/^GraphQL deactivation is not allowed/),
    ]);
  });

  it('below Enterprise, the plan reason and not the missing SCIM token', () => {
    expect(unmetRequirements(all.slice(1, 3), facts({ planTier: 'pro', hasScimToken: false }))).toEqual([
      "SCIM is not available on this account's plan (pro); monday offers it on Enterprise only",
    ]);
    expect(unmetRequirements([{ kind: 'enterprise' }], facts({ planTier: null }))).toEqual([
      "SCIM is not available on this account's plan (unknown); monday offers it on Enterprise only",
    ]);
    // A SCIM token asked for alone is asked for whatever the plan.
    expect(
      unmetRequirements([{ kind: 'scimToken' }], facts({ planTier: 'pro', hasScimToken: false })),
    ).toEqual(['the connection has no SCIM token; add one to the connection']);
  });

  it('an API version at the minimum is enough', () => {
    expect(unmetRequirements([{ kind: 'apiVersion', min: '2026-10' }], facts())).toEqual([]);
  });

  it('what it can read: everything while it works, service users only with an admin token', () => {
    const names = ['users', 'roles', 'statuses', 'licenses', 'last_activity', 'teams'];
    expect(readCapabilities(facts())).toEqual([
      ...names.map((name) => ({ name, available: true, reason: null })),
      { name: 'service_users', available: true, reason: null },
    ]);
    expect(readCapabilities(facts({ tokenOwnerKind: 'member' })).at(-1)).toEqual({
      name: 'service_users',
      available: false,
      reason: "monday lists service users to admins only; the API token's owner is member",
    });
    expect(readCapabilities(facts({ tokenOwnerKind: null })).at(-1)?.reason).toBe(
      "monday lists service users to admins only; the API token's owner is of unknown kind",
    );
    const broken = 'the last sync failed; see the connection status';
    expect(readCapabilities(facts({ status: 'error' }))).toEqual([
      ...names.map((name) => ({ name, available: false, reason: broken })),
      { name: 'service_users', available: false, reason: broken },
    ]);
    expect(readCapabilities(facts({ status: 'syncing' })).every((c) => c.available)).toBe(true);
  });
});

describe('what a changed setting shows in its history', () => {
  it('only the fields that differ, after-keys first, secrets as set, changed or removed', () => {
    const secrets = new Set(['token', 'scimToken', 'webhook']);
    expect(
      fieldChanges(
        { name: 'A', token: 'x1', scimToken: 'old', webhook: null, gone: 1, same: [1, 2] },
        { name: 'B', token: 'x2', scimToken: null, webhook: 'https://h', same: [1, 2], added: { a: 1 } },
        secrets,
      ),
    ).toEqual([
      { field: 'name', before: 'A', after: 'B' },
      { field: 'token', before: SECRET_SET, after: SECRET_CHANGED },
      { field: 'scimToken', before: SECRET_SET, after: SECRET_REMOVED },
      { field: 'webhook', before: null, after: SECRET_SET },
      { field: 'added', before: null, after: { a: 1 } },
      { field: 'gone', before: 1, after: null },
    ]);
    expect([SECRET_SET, SECRET_CHANGED, SECRET_REMOVED]).toEqual([
      'set (secret)',
      'changed (secret)',
      'removed',
    ]);
  });

  it('a created or deleted thing shows every field; undefined and null are the same', () => {
    expect(fieldChanges(null, { a: 1, b: undefined })).toEqual([{ field: 'a', before: null, after: 1 }]);
    expect(fieldChanges({ a: 1, b: null }, null)).toEqual([{ field: 'a', before: 1, after: null }]);
    expect(fieldChanges({ a: 1 }, { a: 1 })).toEqual([]);
    expect(fieldChanges(null, null)).toEqual([]);
    // Without a secrets list the values are shown.
    expect(fieldChanges({ token: 'a' }, { token: 'b' })).toEqual([
      { field: 'token', before: 'a', after: 'b' },
    ]);
  });
});

describe('what a bad request is told', () => {
  const schema = z
    .object({
      name: z.string().min(1).max(5),
      code: z.string().min(3),
      count: z.number().min(1).max(10),
      tags: z.array(z.string()).max(1),
      kind: z.enum(['a', 'b']),
      flag: z.boolean(),
      item: z.object({ id: z.string() }),
      apiToken: z.string().email(),
    })
    .strict();
  const words = (input: unknown) => {
    const parsed = schema.safeParse(input);
    if (parsed.success) throw new Error('expected a failed parse');
    return issuesOf(parsed.error, input);
  };

  it('names each field once, in plain words, with the short text typed there', () => {
    expect(
      words({
        name: 'toolong',
        code: 'ab',
        count: 11,
        tags: ['x', 'y'],
        kind: 'c',
        flag: 'yes',
        apiToken: 'not-an-email',
        extra: 1,
        more: 2,
      }),
    ).toEqual([
      { path: 'name', message: 'must be at most 5 characters', value: 'toolong' },
      { path: 'code', message: 'must be at least 3 characters', value: 'ab' },
      { path: 'count', message: 'must be at most 10' },
      { path: 'tags', message: 'must have at most 1 items' },
      { path: 'kind', message: 'must be one of: a, b', value: 'c' },
      { path: 'flag', message: 'must be a boolean', value: 'yes' },
      { path: 'item', message: 'is required' },
      // a token's value is never repeated back
      { path: 'apiToken', message: 'Invalid email address' },
      { path: '', message: 'has unknown fields extra, more' },
    ]);
    expect(
      words({
        name: '',
        code: 'abc',
        count: 0,
        tags: [],
        kind: 'a',
        flag: true,
        item: {},
        apiToken: 'a@b.co',
        x: 1,
      }),
    ).toEqual([
      { path: 'name', message: 'must not be empty', value: '' },
      { path: 'count', message: 'must be at least 1' },
      { path: 'item.id', message: 'is required' },
      { path: '', message: 'has unknown field x' },
    ]);
    expect(
      words({
        name: 'a',
        code: 'abc',
        count: 1,
        tags: [],
        kind: 'a',
        flag: true,
        item: 5,
        apiToken: 'a@b.co',
      }),
    ).toEqual([{ path: 'item', message: 'must be an object' }]);
  });

  it("leaves zod's own words for the checks it does not word, and names a field failing two checks once", () => {
    const other = z.object({
      list: z.array(z.string()).min(2),
      step: z.number().multipleOf(5),
      big: z.bigint().max(5n),
      code: z.string().min(5).regex(/^x/),
    });
    const input = { list: ['a'], step: 7, big: 6n, code: 'ab' };
    const parsed = other.safeParse(input);
    if (parsed.success) throw new Error('expected a failed parse');
    expect(parsed.error.issues.filter((i) => i.path[0] === 'code')).toHaveLength(2);
    expect(issuesOf(parsed.error, input)).toEqual([
      { path: 'list', message: 'Too small: expected array to have >=2 items' },
      { path: 'step', message: 'Invalid number: must be a multiple of 5' },
      { path: 'big', message: 'Too big: expected bigint to be <=5' },
      { path: 'code', message: 'must be at least 5 characters', value: 'ab' },
    ]);
  });

  it('a long or secret-looking value is not echoed', () => {
    const long = 'x'.repeat(101);
    const parsed = z.object({ a: z.number(), secretKey: z.number(), webhookUrl: z.number() }).safeParse({
      a: long,
      secretKey: 's',
      webhookUrl: 'w',
    });
    if (parsed.success) throw new Error('expected a failed parse');
    expect(issuesOf(parsed.error, { a: long, secretKey: 's', webhookUrl: 'w' })).toEqual([
      { path: 'a', message: 'must be a number' },
      { path: 'secretKey', message: 'must be a number' },
      { path: 'webhookUrl', message: 'must be a number' },
    ]);
    const hundred = z.object({ a: z.number() }).safeParse({ a: 'y'.repeat(100) });
    if (hundred.success) throw new Error('expected a failed parse');
    expect(issuesOf(hundred.error, { a: 'y'.repeat(100) })[0]?.value).toBe('y'.repeat(100));
    // Without the input there is nothing to echo.
    expect(issuesOf(hundred.error)[0]).toEqual({ path: 'a', message: 'must be a number' });
  });

  it('finds values by path and only inside objects', () => {
    expect(valueAt({ a: [{ b: 'x' }] }, ['a', 0, 'b'])).toBe('x');
    expect(valueAt({ a: 'text' }, ['a', 'length', 'z'])).toBeUndefined();
    expect(valueAt(null, ['a'])).toBeUndefined();
    expect(valueAt({ a: null }, ['a', 'b'])).toBeUndefined();
    expect(valueAt('top', [])).toBe('top');
  });

  it('says it all in one sentence, and as a 400 with the issues', () => {
    expect(
      describeIssues([
        { path: 'emails.1', message: 'is not a well-formed email address', value: 'bob@' },
        { path: 'token', message: 'must not be empty' },
        { path: '', message: 'has unknown field x' },
        { path: '', message: 'must be one of: a', value: 'q' },
      ]),
    ).toBe(
      'emails.1 "bob@" is not a well-formed email address; token must not be empty; has unknown field x; "q" must be one of: a',
    );
    const parsed = z
      .object({ emails: z.array(z.string().email()) })
      .safeParse({ emails: ['ok@a.co', 'bob@'] });
    if (parsed.success) throw new Error('expected a failed parse');
    const error = invalidInput('bad_emails', parsed.error, { emails: ['ok@a.co', 'bob@'] });
    expect(error.kind).toBe('invalid_input');
    expect(error.code).toBe('bad_emails');
    expect(error.message).toBe('emails.1 "bob@" Invalid email address');
    expect(error.details).toEqual({
      issues: [{ path: 'emails.1', message: 'Invalid email address', value: 'bob@' }],
    });
    const list = z.array(z.number()).safeParse([1, 'b']);
    if (list.success) throw new Error('expected a failed parse');
    expect(issuesOf(prefixed(list.error, 'ids'), { ids: [1, 'b'] })).toEqual([
      { path: 'ids.1', message: 'must be a number', value: 'b' },
    ]);
  });
});

describe("a person's role in Seatwise", () => {
  it.each([
    // assigned, provider, default → role, source
    ['admin', 'viewer', null, 'viewer', 'both'],
    ['reviewer', 'operator', null, 'reviewer', 'both'],
    ['operator', null, 'viewer', 'operator', 'seatwise'],
    [null, 'operator', 'viewer', 'operator', 'provider'],
    [null, null, 'viewer', 'viewer', 'default'],
    [null, null, null, null, 'none'],
  ] as const)(
    'assigned %s, from groups %s, default %s: %s (%s)',
    (assigned, provider, fallback, role, source) => {
      expect(effectiveRole({ assigned_role: assigned, provider_role: provider }, fallback)).toEqual({
        role,
        source,
      });
    },
  );

  it("the groups give the highest role any of them maps to, and nothing for groups it doesn't know", () => {
    const mapping = new Map<string, SeatwiseRole>([
      ['it', 'admin'],
      ['ops', 'operator'],
      ['staff', 'viewer'],
      ['audit', 'reviewer'],
    ]);
    expect(roleFromGroups(['staff', 'it', 'ops'], mapping)).toBe('admin');
    expect(roleFromGroups(['audit', 'ops', 'staff'], mapping)).toBe('operator');
    expect(roleFromGroups(['staff', 'audit'], mapping)).toBe('viewer');
    expect(roleFromGroups(['audit'], mapping)).toBe('reviewer');
    expect(roleFromGroups(['sales'], mapping)).toBeNull();
    expect(roleFromGroups([], mapping)).toBeNull();
  });
});

describe('when a scheduled sync runs', () => {
  it('at the next cron time in UTC, or never when off', () => {
    const after = new Date('2026-12-07T05:59:59Z');
    expect(nextRun('0 */6 * * *', after)).toBe('2026-12-07T06:00:00.000Z');
    expect(nextRun('0 */6 * * *', new Date('2026-12-07T06:00:00Z'))).toBe('2026-12-07T12:00:00.000Z');
    expect(nextRun('off', after)).toBeNull();
  });

  it('says why a schedule is not one', () => {
    expect(scheduleProblem('off')).toBeNull();
    expect(scheduleProblem('0 */6 * * *')).toBeNull();
    expect(scheduleProblem(' 0  3 * * 1 ')).toBeNull();
    expect(scheduleProblem('0 * * *')).toBe(
      'must be a cron expression of five fields, such as 0 */6 * * *, or off',
    );
    expect(scheduleProblem('0 0 * * * *')).toBe(
      'must be a cron expression of five fields, such as 0 */6 * * *, or off',
    );
    expect(scheduleProblem('hourly')).toMatch(/^must be a cron expression of five fields/);
    expect(scheduleProblem('99 * * * *')).toMatch(/^is not a cron expression \(.+\)$/);
  });
});

describe('what a policy proposes', () => {
  const user = (over: Partial<PolicyUser> = {}): PolicyUser => ({
    remoteUserId: over.email ?? 'pat@acme.example',
    email: 'pat@acme.example',
    name: 'Pat',
    role: 'member',
    status: 'active',
    license: 'member',
    lastActivityAt: daysAgo(100),
    createdAt: daysAgo(400),
    scimLinked: false,
    ...over,
  });
  const rule = (
    kind: PolicyRule['kind'],
    params: PolicyRule['params'] = {},
    exceptions = { emails: [] as string[], domains: [] as string[] },
  ): PolicyRule => ({
    kind,
    params,
    exceptions,
  });

  it('is described in words', () => {
    expect(describeRule({ kind: 'inactive_members_to_viewer', params: { days: 90 } })).toBe(
      'members inactive for 90 days → change role to viewer',
    );
    expect(describeRule({ kind: 'stale_invites_report', params: { days: 14 } })).toBe(
      'pending invites older than 14 days → report',
    );
    expect(describeRule({ kind: 'hr_leavers_deactivate', params: { emails: ['a@x', 'b@x'] } })).toBe(
      'people on the HR leavers list (2) → deactivate',
    );
    expect(describeRule({ kind: 'hr_leavers_deactivate', params: {} })).toBe(
      'people on the HR leavers list (0) → deactivate',
    );
    expect(describeRule({ kind: 'right_size_to_bucket', params: {} })).toBe(
      'inactive members → viewer, longest inactive first, to reach the smallest seat bucket',
    );
  });

  it('never touches an exception, by email or by domain, whatever the case', () => {
    const r = rule(
      'hr_leavers_deactivate',
      {},
      { emails: ['Keep@Acme.example'], domains: ['Partner.Example'] },
    );
    expect(isExcepted(r, 'keep@acme.example')).toBe(true);
    expect(isExcepted(r, 'ann@partner.example')).toBe(true);
    expect(isExcepted(r, 'ann@sub.partner.example')).toBe(false);
    expect(isExcepted(r, 'keeper@acme.example')).toBe(false);
    expect(isExcepted(r, 'ann@acme.example')).toBe(false);
  });

  it('inactive paid members → viewer, with the reason in dates', () => {
    const users = [
      user({ email: 'old@acme.example', lastActivityAt: '2026-08-01T10:00:00Z' }),
      user({ email: 'never@acme.example', lastActivityAt: null, createdAt: '2026-01-02T00:00:00Z' }),
      user({ email: 'recent@acme.example', lastActivityAt: daysAgo(89) }),
      user({ email: 'viewer@acme.example', role: 'viewer', license: 'viewer' }),
      user({ email: 'admin@acme.example', role: 'admin' }),
      user({ email: 'gone@acme.example', status: 'deactivated' }),
      user({ email: 'pending@acme.example', status: 'pending' }),
      user({ email: 'nolicense@acme.example', license: null }),
      user({ email: 'OWNER@acme.example', remoteUserId: 'owner' }),
      user({ email: 'kept@partner.example' }),
    ];
    const r = rule('inactive_members_to_viewer', { days: 90 }, { emails: [], domains: ['partner.example'] });
    expect(draftProposals(r, users, NOW, 'owner')).toEqual([
      {
        remoteUserId: 'old@acme.example',
        email: 'old@acme.example',
        action: 'set_role',
        params: { role: 'viewer' },
        reason: 'holds a paid seat and was last active 2026-08-01, over 90 days ago',
      },
      {
        remoteUserId: 'never@acme.example',
        email: 'never@acme.example',
        action: 'set_role',
        params: { role: 'viewer' },
        reason: 'holds a paid seat and was never active since joining 2026-01-02 (inactive 90+ days rule)',
      },
    ]);
  });

  it('stale invitations → a report, with the days pending', () => {
    const users = [
      user({ email: 'stale@acme.example', status: 'pending', createdAt: '2026-11-01T12:00:00Z' }),
      user({ email: 'fresh@acme.example', status: 'pending', createdAt: daysAgo(14) }),
      user({
        email: 'edge@acme.example',
        status: 'pending',
        createdAt: new Date(Date.parse(daysAgo(14)) - 1).toISOString(),
      }),
      user({ email: 'undated@acme.example', status: 'pending', createdAt: null }),
      user({ email: 'active@acme.example', createdAt: daysAgo(100) }),
    ];
    expect(draftProposals(rule('stale_invites_report', { days: 14 }), users, NOW, 'owner')).toEqual([
      {
        remoteUserId: 'stale@acme.example',
        email: 'stale@acme.example',
        action: 'report',
        params: {},
        reason: 'invited 2026-11-01 and pending for 36 days',
      },
      expect.objectContaining({
        email: 'edge@acme.example',
        reason: expect.stringMatching(/pending for 14 days$/),
      }),
    ]);
  });

  it('leavers on the HR list → deactivate, by SCIM where SCIM provisioned them', () => {
    const users = [
      user({ email: 'Leaver@Acme.example', remoteUserId: 'u1', scimLinked: true }),
      user({ email: 'pending.leaver@acme.example', remoteUserId: 'u2', status: 'pending' }),
      user({ email: 'gone.leaver@acme.example', remoteUserId: 'u3', status: 'deactivated' }),
      user({ email: 'stays@acme.example', remoteUserId: 'u4' }),
    ];
    const r = rule('hr_leavers_deactivate', {
      emails: ['leaver@acme.example', 'PENDING.leaver@acme.example', 'gone.leaver@acme.example'],
    });
    expect(draftProposals(r, users, NOW, 'owner')).toEqual([
      {
        remoteUserId: 'u1',
        email: 'leaver@acme.example',
        action: 'deactivate',
        params: { via: 'scim' },
        reason: 'is on the HR leavers list',
      },
      {
        remoteUserId: 'u2',
        email: 'pending.leaver@acme.example',
        action: 'deactivate',
        params: { via: 'graphql' },
        reason: 'is on the HR leavers list',
      },
    ]);
    expect(draftProposals(rule('hr_leavers_deactivate', {}), users, NOW, 'owner')).toEqual([]);
  });

  it('right-sizing drafts nothing here: its proposals come from the seat plan', () => {
    expect(draftProposals(rule('right_size_to_bucket'), [user()], NOW, 'owner')).toEqual([]);
  });
});
