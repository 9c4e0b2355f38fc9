import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  actionOutcome,
  type Drift,
  describeResultCounts,
  type PlanItem,
  planSummary,
  type ResultItem,
  recheckedResults,
  resultSummary,
  wasSkipped,
} from '../src/domain/actionResult.ts';
import { hashText } from '../src/domain/hash.ts';
import { newId } from '../src/domain/ids.ts';
import { inactivityCutoff, isInactive } from '../src/domain/inactivity.ts';
import { issuesOf } from '../src/domain/inputIssues.ts';
import { invitationMethodLabel } from '../src/domain/invitationMethods.ts';
import { mustHoldRemovals } from '../src/domain/removals.ts';
import {
  actionFor,
  decisionOutcome,
  keepNeedsComment,
  newCampaignSchema,
  nextLaunch,
  progressOf,
  raisesAccess,
  recommendationsFor,
  type ScopedUser,
} from '../src/domain/reviews.ts';
import {
  allows,
  isSeatwiseRole,
  roleMeaning,
  type SeatwiseRole,
  seatwiseRoles,
  stricter,
} from '../src/domain/roles.ts';
import { money } from '../src/domain/words.ts';
import { daysAgo, NOW, scopedUser } from './helpers/scopedUser.ts';

/**
 * The pure rules behind Seatwise's outcomes, each against a table written from the rule's own words (the
 * mutation run, `npm run mutate`, judges src/domain by these tests and the other domain files).
 */

describe('when a sync holds its removals for review', () => {
  const hold = { percent: 10, min: 5 };
  it.each([
    // count, stored, held: both "more than min people" and "more than percent of the stored users"
    [5, 10, false], // 5 is not more than 5 people
    [6, 100, false], // 6 % is not more than 10 %
    [10, 100, false], // exactly 10 % is not more than 10 %
    [11, 100, true],
    [6, 50, true],
    [6, 60, false], // exactly 10 %
    [300, 500, true],
    [0, 0, false],
  ])('removing %i of %i stored: held %s', (count, stored, held) => {
    expect(mustHoldRemovals(count, stored, hold)).toBe(held);
  });
});

describe('who counts as inactive', () => {
  it('is more than the days ago to the millisecond, from the last activity or else the joining', () => {
    const at = (ms: number) => new Date(NOW.getTime() - 30 * 86_400_000 - ms).toISOString();
    expect(isInactive({ lastActivityAt: at(0), createdAt: null }, NOW, 30)).toBe(false);
    expect(isInactive({ lastActivityAt: at(1), createdAt: null }, NOW, 30)).toBe(true);
    expect(isInactive({ lastActivityAt: null, createdAt: at(1) }, NOW, 30)).toBe(true);
    expect(isInactive({ lastActivityAt: at(-1), createdAt: at(1) }, NOW, 30)).toBe(false);
    // monday gave neither: nobody can say they are inactive.
    expect(isInactive({ lastActivityAt: null, createdAt: null }, NOW, 0)).toBe(false);
    expect(inactivityCutoff(NOW, 30)).toBe(at(0));
  });
});

describe("Seatwise's roles", () => {
  const table: [SeatwiseRole, Record<'public' | 'signedIn' | 'viewer' | 'operator' | 'admin', boolean>][] = [
    ['reviewer', { public: true, signedIn: true, viewer: false, operator: false, admin: false }],
    ['viewer', { public: true, signedIn: true, viewer: true, operator: false, admin: false }],
    ['operator', { public: true, signedIn: true, viewer: true, operator: true, admin: false }],
    ['admin', { public: true, signedIn: true, viewer: true, operator: true, admin: true }],
  ];
  it.each(table)('%s may use', (role, access) => {
    for (const [what, allowed] of Object.entries(access))
      expect(allows(role, what as keyof typeof access), `${role} on ${what}`).toBe(allowed);
  });
  it('the stricter of two roles is the lower one, whichever comes first', () => {
    for (const [i, a] of seatwiseRoles.entries())
      for (const [j, b] of seatwiseRoles.entries())
        expect(stricter(a, b)).toBe(seatwiseRoles[Math.min(i, j)]);
  });
  it('knows its roles and nothing else', () => {
    for (const r of seatwiseRoles) expect(isSeatwiseRole(r)).toBe(true);
    for (const v of ['Admin', 'owner', '', null, undefined, 3, ['admin']])
      expect(isSeatwiseRole(v)).toBe(false);
  });
});

const plan = (outcome: PlanItem['outcome'], target: string): PlanItem => ({
  target,
  userId: target,
  email: `${target}@acme.example`,
  name: null,
  before: null,
  outcome,
  code: null,
  reason: '',
});
const result = (outcome: ResultItem['outcome'], target: string): ResultItem => ({
  target,
  userId: target,
  email: `${target}@acme.example`,
  outcome,
  code: null,
  reason: 'as monday answered',
});

describe("an action's counts and outcome", () => {
  it('counts plan rows and result rows as they are, and a dry run as its plan', () => {
    const p = [
      plan('change', 'a'),
      plan('change', 'b'),
      plan('change', 'e'),
      plan('noop', 'c'),
      plan('fail', 'd'),
    ];
    expect(planSummary(p)).toEqual({ change: 3, noop: 1, fail: 1 });
    expect(resultSummary([], p, true)).toEqual({ changed: 0, already: 1, failed: 1, planned: 3 });
    const r = [result('changed', 'a'), result('failed', 'b'), result('already', 'c'), result('drifted', 'd')];
    expect(resultSummary(r, p)).toEqual({ changed: 1, already: 1, failed: 1, planned: 3 });
    expect(resultSummary(r, p, false)).toEqual(resultSummary(r, p));
  });

  it('rechecks a repeat: drifted targets say what monday shows, an unchecked repeat claims none', () => {
    const r = [result('changed', 'a'), result('already', 'b'), result('failed', 'c')];
    const drifted: Drift[] = [{ target: 'b', userId: 'b', now: 'member, active' }];
    expect(recheckedResults(r, drifted, null)).toEqual([
      r[0],
      { ...r[1], outcome: 'drifted', code: 'drifted', reason: 'earlier done; now member, active' },
      r[2],
    ]);
    expect(recheckedResults(r, [], 'monday did not answer')).toEqual([
      { ...r[0], outcome: 'unverified', code: 'unverified', reason: 'monday did not answer' },
      { ...r[1], outcome: 'unverified', code: 'unverified', reason: 'monday did not answer' },
      r[2],
    ]);
    expect(recheckedResults(r, [], null)).toEqual(r);
  });

  it('is succeeded only when no target failed and a repeat was checked and did not drift', () => {
    const outcomes = fc.constantFrom<ResultItem['outcome']>('changed', 'already', 'failed');
    fc.assert(
      fc.property(
        fc.array(outcomes, { maxLength: 6 }),
        fc.boolean(),
        fc.option(fc.record({ drifts: fc.nat({ max: 2 }), checkError: fc.option(fc.constant('down')) })),
        (kinds, dryRun, replay) => {
          const results = kinds.map((k, i) => result(k, `u${i}`));
          const answer = actionOutcome({
            dryRun,
            results,
            replay: replay && {
              drifted: Array.from({ length: replay.drifts }, (_, i) => ({
                target: `u${i}`,
                userId: `u${i}`,
                now: 'x',
              })),
              checkError: replay.checkError,
            },
          });
          const failed = kinds.filter((k) => k === 'failed').length;
          let expected: string;
          if (dryRun) expected = 'planned';
          else if (failed > 0) expected = failed === kinds.length ? 'failed' : 'partial';
          else if (replay?.checkError) expected = 'unverified';
          else if (replay && replay.drifts > 0) expected = 'drifted';
          else expected = 'succeeded';
          expect(answer).toEqual({ outcome: expected, inTargetState: expected === 'succeeded' });
        },
      ),
      { numRuns: 300 },
    );
  });
});

const scoped = (over: Partial<ScopedUser>) => scopedUser({ userId: '1', name: 'Pat', ...over });

describe("what a review's evidence recommends", () => {
  const facts = {
    now: NOW,
    inactiveDays: 90,
    orgDomains: ['acme.example'],
    leavers: new Set(['leaver@acme.example']),
  };
  const codes = (over: Partial<ScopedUser>) =>
    recommendationsFor(scoped(over), facts).map((r) => `${r.code}: ${r.reason} (${r.suggests})`);
  it.each([
    [{}, []],
    [{ status: 'deactivated', email: 'Leaver@acme.example', lastActivityAt: null }, []],
    [{ email: 'Leaver@Acme.example' }, ['leaver: on the HR leavers list (revoke)']],
    [{ lastActivityAt: null }, ['never_active: never active in monday (revoke)']],
    [{ status: 'pending', lastActivityAt: null }, []],
    [{ lastActivityAt: daysAgo(90) }, []],
    [{ lastActivityAt: daysAgo(91.5) }, ['inactive: inactive for 91 days (revoke)']],
    [
      { role: 'admin', lastActivityAt: daysAgo(200) },
      ['inactive_admin: admin inactive for 200 days (revoke)'],
    ],
    [{ status: 'pending', lastActivityAt: daysAgo(200) }, []],
    [
      { role: 'guest', email: 'gus@acme.example' },
      ["guest_on_org_domain: a guest on the organisation's own domain acme.example (revoke)"],
    ],
    [{ role: 'guest', email: 'gus@partner.example' }, []],
    [{ role: 'member', email: 'pat@acme.example' }, []],
    [
      { role: 'guest', email: 'leaver@acme.example', lastActivityAt: null },
      [
        'leaver: on the HR leavers list (revoke)',
        'never_active: never active in monday (revoke)',
        "guest_on_org_domain: a guest on the organisation's own domain acme.example (revoke)",
      ],
    ],
  ] as [Partial<ScopedUser>, string[]][])('%j → %j', (over, expected) => {
    expect(codes(over)).toEqual(expected);
  });
  it('a keep needs a comment exactly when something recommends a revoke', () => {
    expect(keepNeedsComment([])).toBe(false);
    expect(keepNeedsComment(recommendationsFor(scoped({ lastActivityAt: null }), facts))).toBe(true);
  });
});

describe('how a review decision is carried out and judged', () => {
  it.each([
    ['revoke', null, 'scim', { action: 'deactivate', via: 'scim' }],
    ['revoke', null, 'graphql', { action: 'deactivate', via: 'graphql' }],
    ['downgrade', null, 'scim', { action: 'set_role', role: 'viewer' }],
    ['change_role', 'guest', 'scim', { action: 'set_role', role: 'guest' }],
    ['keep', null, 'scim', null],
  ] as const)('%s (%s) via %s → %j', (decision, role, via, expected) => {
    expect(actionFor(decision, role, via)).toEqual(expected);
  });

  const shown = (role: string, status: string) => ({ role, status, license: null });
  it.each([
    ['keep', null, null, null, 'kept', 'kept as it was'],
    [
      'revoke',
      null,
      null,
      null,
      'failed',
      'monday did not return this user when asked afterwards, so it is not counted as done',
    ],
    [
      'revoke',
      null,
      null,
      'refused: no SCIM',
      'failed',
      'monday did not return this user when asked afterwards, so it is not counted as done (refused: no SCIM)',
    ],
    [
      'revoke',
      null,
      shown('member', 'deactivated'),
      null,
      'done',
      'deactivated: monday shows them deactivated',
    ],
    [
      'revoke',
      null,
      shown('member', 'deactivated'),
      'refused: rate limited',
      'failed',
      'refused: rate limited; monday shows member, deactivated',
    ],
    [
      'revoke',
      null,
      shown('member', 'active'),
      null,
      'failed',
      'not deactivated: monday shows member, active',
    ],
    ['downgrade', null, shown('viewer', 'active'), null, 'done', 'role viewer: monday shows them as viewer'],
    [
      'downgrade',
      null,
      shown('viewer', 'deactivated'),
      null,
      'failed',
      'not viewer: monday shows viewer, deactivated',
    ],
    ['downgrade', null, shown('member', 'active'), null, 'failed', 'not viewer: monday shows member, active'],
    [
      'change_role',
      'guest',
      shown('guest', 'pending'),
      null,
      'done',
      'role guest: monday shows them as guest',
    ],
    [
      'change_role',
      'guest',
      shown('viewer', 'active'),
      null,
      'failed',
      'not guest: monday shows viewer, active',
    ],
  ] as const)('%s %s after %j, refusal %s → %s', (decision, role, after, refusal, status, reason) => {
    expect(decisionOutcome(decision, role, after, refusal)).toEqual({ status, reason });
  });
  it('a refusal defaults to none', () => {
    expect(decisionOutcome('revoke', null, shown('admin', 'deactivated'))).toMatchObject({ status: 'done' });
  });

  it.each([
    ['keep', null, 'viewer', false],
    ['keep', 'admin', 'viewer', false],
    ['revoke', null, 'guest', false],
    ['revoke', 'admin', 'member', false],
    ['downgrade', null, 'member', false],
    ['downgrade', null, 'viewer', false],
    ['downgrade', null, 'guest', true], // a guest made viewer sees every public board
    ['change_role', 'admin', 'member', true],
    ['change_role', 'member', 'member', false],
    ['change_role', 'guest', 'admin', false],
    ['change_role', 'member', 'viewer', true],
    ['change_role', 'viewer', 'agent', true], // a role Seatwise does not rank: never promoted on a guess
    ['change_role', 'wizard', 'member', true],
    ['change_role', null, 'member', false],
  ] as const)('%s to %s from %s raises access: %s', (decision, role, from, raises) => {
    expect(raisesAccess(decision, role, from)).toBe(raises);
  });
});

describe('a campaign over time', () => {
  it('launches again three or six months on, or never', () => {
    const from = new Date('2026-11-30T09:00:00Z');
    expect(nextLaunch('off', from)).toBeNull();
    expect(nextLaunch('quarterly', from)).toBe('2027-03-02T09:00:00.000Z');
    expect(nextLaunch('half_yearly', from)).toBe('2027-05-30T09:00:00.000Z');
    expect(from.toISOString()).toBe('2026-11-30T09:00:00.000Z');
  });

  it('counts progress from the item counts, overdue only while open and past due', () => {
    const counts = [
      { status: 'open', n: 3 },
      { status: 'decided', n: '2' },
      { status: 'awaiting_approval', n: 1 },
      { status: 'submitted', n: 4 },
      { status: 'applying', n: 1 },
      { status: 'done', n: 5 },
      { status: 'kept', n: 6 },
      { status: 'failed', n: 7 },
      { status: 'not_reviewed', n: 8 },
      { status: 'drifted', n: 9 },
    ];
    const expected = {
      total: 46,
      open: 3,
      decided: 2,
      awaitingApproval: 1,
      submitted: 5,
      done: 5,
      kept: 6,
      failed: 7,
      notReviewed: 8,
      drifted: 9,
      overdue: 5,
    };
    expect(progressOf(counts, true)).toEqual(expected);
    expect(progressOf(counts, false)).toEqual({ ...expected, overdue: 0 });
    expect(progressOf([], true)).toMatchObject({ total: 0, overdue: 0 });
  });

  it('takes a due date as a calendar day or a full ISO time, and nothing else', () => {
    const base = {
      name: 'Q1',
      scope: { connectionIds: ['con_a'] },
      reviewers: { kind: 'people', personIds: ['per_ana'] },
      closeDefault: 'none',
    };
    for (const dueAt of ['2027-01-31', '2027-01-31T10:00:00Z', ' 2027-01-31 '])
      expect(newCampaignSchema.safeParse({ ...base, dueAt }).success, dueAt).toBe(true);
    for (const dueAt of [
      '31/01/2027',
      'Jan 31 2027',
      '2027-1-31',
      '27-01-31',
      'x2027-01-31',
      '2027-13-45',
      '2027-01-3',
      'Mon 2027-01-31',
      '',
    ])
      expect(newCampaignSchema.safeParse({ ...base, dueAt }).success, dueAt).toBe(false);
  });
});

describe("what a new campaign's settings may be", () => {
  const base = {
    name: ' Q1 access review ',
    scope: { connectionIds: ['con_a'] },
    reviewers: { kind: 'people', personIds: [' per_ana '] },
    dueAt: '2027-01-31',
    closeDefault: 'none',
  };
  const problems = (over: Record<string, unknown>) => {
    const parsed = newCampaignSchema.safeParse({ ...base, ...over });
    return parsed.success ? [] : issuesOf(parsed.error).map((i) => `${i.path}: ${i.message}`);
  };

  it('fills what is left out with the documented defaults, trimmed', () => {
    expect(newCampaignSchema.parse(base)).toEqual({
      name: 'Q1 access review',
      scope: { connectionIds: ['con_a'] },
      reviewers: { kind: 'people', personIds: ['per_ana'] },
      dueAt: '2027-01-31',
      closeDefault: 'none',
      decisions: ['keep', 'revoke', 'downgrade', 'change_role'],
      revokeVia: 'graphql',
      applyMode: 'on_submit',
      allowReassign: true,
      reminderDays: 3,
      recurrence: 'off',
      leavers: [],
    });
  });

  it('takes every allowed value at its limits', () => {
    const full = newCampaignSchema.parse({
      ...base,
      scope: {
        connectionIds: ['con_a', 'con_b'],
        roles: ['admin', 'member', 'viewer', 'guest'],
        licenses: ['member', 'viewer', 'guest'],
        statuses: ['active', 'pending', 'deactivated'],
        guestsOnly: false,
        adminsOnly: true,
        teamIds: ['1', '9'.repeat(20)],
        inactiveDays: 3650,
      },
      reviewers: { kind: 'connection', byConnection: { con_a: 'per_ana' }, fallbackPersonId: 'per_bo' },
      revokeVia: 'scim',
      applyMode: 'at_close',
      allowReassign: false,
      reminderDays: 90,
      recurrence: 'half_yearly',
      leavers: [' Leaver@Acme.example ', 'x'.repeat(320)],
      inactiveDays: 1,
      endsAt: '2027-02-28',
    });
    expect(full).toMatchObject({
      revokeVia: 'scim',
      applyMode: 'at_close',
      allowReassign: false,
      reminderDays: 90,
      recurrence: 'half_yearly',
      inactiveDays: 1,
      endsAt: '2027-02-28',
    });
    expect(full.leavers).toEqual(['leaver@acme.example', 'x'.repeat(320)]);
    expect(
      problems({ reminderDays: 0, inactiveDays: 3650, scope: { connectionIds: ['c'], inactiveDays: 1 } }),
    ).toEqual([]);
    expect(problems({ reviewers: { kind: 'team_owner', fallbackPersonId: 'per_bo' } })).toEqual([]);
    expect(problems({ applyMode: 'on_submit', revokeVia: 'graphql', recurrence: 'quarterly' })).toEqual([]);
    expect(
      problems({ scope: { connectionIds: ['c'], licenses: ['member'], statuses: ['pending'] } }),
    ).toEqual([]);
    expect(
      problems({
        scope: { connectionIds: ['c'], licenses: ['viewer', 'guest'], statuses: ['active', 'deactivated'] },
      }),
    ).toEqual([]);
  });

  it.each([
    [{ name: '   ' }, 'name: must not be empty'],
    [{ name: 'n'.repeat(201) }, 'name: must be at most 200 characters'],
    [{ scope: { connectionIds: [] } }, 'scope.connectionIds: name at least one connection'],
    [{ scope: { connectionIds: [''] } }, 'scope.connectionIds.0: must not be empty'],
    [
      { scope: { connectionIds: ['c'], roles: ['owner'] } },
      'scope.roles.0: must be one of: admin, member, viewer, guest',
    ],
    [
      { scope: { connectionIds: ['c'], teamIds: ['12a'] } },
      'scope.teamIds.0: must be a monday team id (digits)',
    ],
    [
      { scope: { connectionIds: ['c'], teamIds: ['x12'] } },
      'scope.teamIds.0: must be a monday team id (digits)',
    ],
    [{ scope: { connectionIds: ['c'], teamIds: ['12'] } }, null],
    [
      { scope: { connectionIds: ['c'], teamIds: ['1'.repeat(21)] } },
      'scope.teamIds.0: must be a monday team id (digits)',
    ],
    [{ scope: { connectionIds: ['c'], inactiveDays: 0 } }, 'scope.inactiveDays: must be at least 1'],
    [{ scope: { connectionIds: ['c'], inactiveDays: 3651 } }, 'scope.inactiveDays: must be at most 3650'],
    [{ scope: { connectionIds: ['c'], other: 1 } }, 'scope: has unknown field other'],
    [{ reviewers: { kind: 'people', personIds: [] } }, 'reviewers.personIds: name at least one reviewer'],
    [
      { reviewers: { kind: 'connection', byConnection: { '': 'per_ana' } } },
      'reviewers.byConnection.: key must not be empty',
    ],
    [
      { reviewers: { kind: 'connection', byConnection: { ['c'.repeat(101)]: 'per_ana' } } },
      `reviewers.byConnection.${'c'.repeat(101)}: key must be at most 100 characters`,
    ],
    [{ reviewers: { kind: 'team_owner' } }, 'reviewers.fallbackPersonId: is required'],
    [
      { closeDefault: undefined },
      'closeDefault: say what happens to items undecided at the close: revoke, downgrade, keep or none',
    ],
    [{ revokeVia: 'email' }, 'revokeVia: must be one of: scim, graphql'],
    [{ applyMode: 'later' }, 'applyMode: must be one of: on_submit, at_close'],
    [{ reminderDays: -1 }, 'reminderDays: must be at least 0'],
    [{ reminderDays: 91 }, 'reminderDays: must be at most 90'],
    [{ inactiveDays: 0 }, 'inactiveDays: must be at least 1'],
    [{ inactiveDays: 3651 }, 'inactiveDays: must be at most 3650'],
    [{ leavers: ['x'.repeat(321)] }, 'leavers.0: must be at most 320 characters'],
    [{ dueAt: 'soon' }, 'dueAt: must be a date such as 2027-01-31 (or a full ISO time)'],
  ])('%j is refused: %s', (over, problem) => {
    expect(problems(over)).toEqual(problem === null ? [] : [problem]);
  });
});

describe('what each role may do, in words', () => {
  it('is what the CLI reference says of every role', () => {
    const reference = readFileSync(new URL('../docs/cli-reference.md', import.meta.url), 'utf8');
    for (const role of seatwiseRoles) {
      expect(roleMeaning[role].length, role).toBeGreaterThan(10);
      expect(reference, role).toContain(`${role} (${roleMeaning[role]})`);
    }
  });
});

describe('a result in words', () => {
  const planRow = (target: string, outcome: PlanItem['outcome']): PlanItem => ({
    target,
    outcome,
    userId: target,
    email: `${target}@acme.example`,
    name: null,
    before: null,
    code: null,
    reason: '',
  });
  const resultRow = (target: string, outcome: ResultItem['outcome']) =>
    ({
      target,
      outcome,
      userId: target,
      email: `${target}@acme.example`,
      code: null,
      reason: '',
    }) satisfies ResultItem;
  const plan = [planRow('a', 'change'), planRow('b', 'fail'), planRow('c', 'noop'), planRow('d', 'change')];

  it('a failed target the plan already said cannot be done was skipped, not failed', () => {
    expect(wasSkipped(resultRow('b', 'failed'), plan)).toBe(true);
    expect(wasSkipped(resultRow('d', 'failed'), plan)).toBe(false); // planned, sent, and failed
    expect(wasSkipped(resultRow('b', 'changed'), plan)).toBe(false);
    expect(wasSkipped(resultRow('x', 'failed'), plan)).toBe(false);
    expect(wasSkipped(resultRow('b', 'failed'), [planRow('b', 'change')])).toBe(false);
  });

  it('counts changed, already there, failed and skipped', () => {
    const results = [
      resultRow('a', 'changed'),
      resultRow('b', 'failed'),
      resultRow('c', 'already'),
      resultRow('d', 'failed'),
    ];
    expect(
      describeResultCounts({ results, plan, summary: { changed: 1, already: 1, failed: 2, planned: 2 } }),
    ).toBe(
      '1 changed, 1 already in state, 1 failed, 1 skipped (the plan said they cannot be done: nothing was sent for them)',
    );
    expect(
      describeResultCounts({
        results: results.slice(0, 1),
        plan,
        summary: { changed: 1, already: 0, failed: 0, planned: 2 },
      }),
    ).toBe('1 changed, 0 already in state, 0 failed');
    // The web's dialog says "already there" with the same counts.
    expect(
      describeResultCounts(
        { results, plan, summary: { changed: 1, already: 1, failed: 2, planned: 2 } },
        { already: 'already there' },
      ),
    ).toMatch(/^1 changed, 1 already there, 1 failed, 1 skipped/);
  });

  it('money is in its currency with thousands separated, in English whatever the locale', () => {
    expect(money(14_400, 'USD')).toBe('$14,400.00');
    expect(money(7200, 'EUR')).toBe('€7,200.00');
    expect(money(0.5, 'GBP')).toBe('£0.50');
    // A code Intl does not know is written as it is.
    expect(money(1234.5, 'not-a-currency')).toBe('1234.50 not-a-currency');
  });

  it('hashes are SHA-256 in hex and ids are their prefix and 16 hex digits', () => {
    expect(hashText('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const ids = new Set(Array.from({ length: 50 }, () => newId('con')));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^con_[0-9a-f]{16}$/);
  });

  it('every way monday says a user came in has its own words', () => {
    const labels = Object.values(invitationMethodLabel);
    expect(labels.every((l) => l.length > 3)).toBe(true);
    expect(new Set(labels).size).toBe(labels.length);
    expect(invitationMethodLabel.SCIM).toBe('by SCIM (identity provider)');
  });
});
