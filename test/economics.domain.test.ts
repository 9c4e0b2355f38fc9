import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeInsights, groupUsers, type InsightUser } from '../src/domain/insights.ts';
import { billedGuests, licenseFor } from '../src/domain/licenseRules.ts';
import {
  bucketFor,
  DEFAULT_SEAT_BUCKETS,
  nextSmallerBucket,
  type RightSizingInput,
  rightSize,
  type SeatCandidate,
  seatTrendPerDay,
} from '../src/domain/seatEconomics.ts';

const DAY = 86_400_000;
const now = new Date('2026-12-01T00:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * DAY).toISOString();

function candidate(n: number, inactiveDays: number, extra: Partial<SeatCandidate> = {}): SeatCandidate {
  return {
    userId: `u${n}`,
    email: `person${n}@acme.test`,
    name: `Person ${n}`,
    role: 'member',
    lastActivityAt: daysAgo(inactiveDays),
    createdAt: daysAgo(900),
    ...extra,
  };
}

function input(over: Partial<RightSizingInput> = {}): RightSizingInput {
  return {
    currentBucket: 100,
    buckets: DEFAULT_SEAT_BUCKETS,
    seats: { memberSeats: 52, billedGuests: 0, pendingMembers: 0 },
    candidates: [],
    activeAdmins: 2,
    protectedPeople: { emails: [], domains: [] },
    tokenOwnerId: 'owner',
    pricing: { currency: 'EUR', seatPrice: 12, bucketPrices: {} },
    now,
    ...over,
  };
}

describe('seat buckets', () => {
  it('picks the smallest bucket that holds the seats, at every edge of the default list', () => {
    const sorted = [...DEFAULT_SEAT_BUCKETS];
    expect(bucketFor(0, sorted)).toBe(3);
    expect(bucketFor(1, sorted)).toBe(3);
    sorted.forEach((size, i) => {
      expect(bucketFor(size, sorted)).toBe(size);
      expect(bucketFor(size - 1, sorted)).toBe(size - 1 <= (sorted[i - 1] ?? 0) ? sorted[i - 1] : size);
      expect(bucketFor(size + 1, sorted)).toBe(sorted[i + 1] ?? null);
      expect(nextSmallerBucket(size, sorted)).toBe(sorted[i - 1] ?? null);
    });
    // Above the published sizes plans are quoted: no listed bucket holds them.
    expect(bucketFor(201, sorted)).toBeNull();
    // A list in any order, with an operator's own sizes.
    expect(bucketFor(11, [50, 12, 10])).toBe(12);
  });

  it("bills guests by monday's rules: every fourth on Standard, none on Pro and Enterprise", () => {
    expect([0, 1, 3, 4, 7, 8, 11, 12].map((g) => billedGuests('standard', g))).toEqual([
      0, 0, 0, 1, 1, 2, 2, 3,
    ]);
    expect(billedGuests('pro', 40)).toBe(0);
    expect(billedGuests('enterprise', 40)).toBe(0);
    expect(billedGuests('Standard', 9)).toBe(2);
  });

  it('counts only member seats and billed guests as paid: viewers, pending, deactivated and non-people hold none', () => {
    const user = (role: InsightUser['role'], status: InsightUser['status']): InsightUser => ({
      role,
      status,
      license: licenseFor(role, status).license,
      lastActivityAt: daysAgo(1),
      createdAt: daysAgo(100),
    });
    const users = [
      ...Array.from({ length: 10 }, () => user('member', 'active')),
      user('admin', 'active'),
      ...Array.from({ length: 6 }, () => user('viewer', 'active')),
      ...Array.from({ length: 9 }, () => user('guest', 'active')),
      user('member', 'pending'),
      user('member', 'deactivated'),
      user('admin', 'deactivated'),
      user('other', 'active'),
    ];
    const insights = computeInsights(groupUsers(users, now, 90), {
      tier: 'standard',
      maxUsers: 15,
      inactiveDays: 90,
    });
    expect(insights.seats).toMatchObject({ memberSeats: 11, billedGuests: 2, paid: 13, viewer: 6, guest: 9 });
    // The same seats in a right-sizing: 13 used, the pending member reserved, the 15 bucket fits 14.
    const plan = rightSize(
      input({
        currentBucket: 15,
        seats: { memberSeats: 11, billedGuests: billedGuests('standard', 9), pendingMembers: 1 },
      }),
    );
    expect(plan).toMatchObject({
      seatsUsed: 13,
      seatsNeeded: 14,
      fitsBucket: 15,
      targetBucket: 15,
      changes: [],
    });
  });
});

describe('right-sizing', () => {
  const five = [
    candidate(1, 200),
    candidate(2, 400),
    candidate(3, 250),
    candidate(4, 350),
    candidate(5, 300),
  ];

  it('52 paid seats with 5 long-inactive members on a 100 bucket: the 2 longest inactive reach 50', () => {
    const plan = rightSize(input({ candidates: five }));
    expect(plan.currentBucket).toBe(100);
    expect(plan.seatsUsed).toBe(52);
    expect(plan.targetBucket).toBe(50);
    expect(plan.nextSmallerBucket).toBe(50);
    expect(plan.changes.map((c) => c.userId)).toEqual(['u2', 'u4']);
    expect(plan.changes.map((c) => c.inactiveDays)).toEqual([400, 350]);
    expect(plan.changes.every((c) => c.action === 'set_role' && c.toRole === 'viewer')).toBe(true);
    // One bucket step: 50 seats at 12 a month, for a year.
    expect(plan.monthlySaving).toBe(600);
    expect(plan.yearlySaving).toBe(7200);
    expect(plan.kept.map((k) => k.userId).sort()).toEqual(['u1', 'u3', 'u5']);
    expect(plan.summary).toBe('2 changes move 52 seats from the 100 bucket to 50, saving €7,200.00 a year');
  });

  it('prices buckets from the table when one is set, and says nothing is saved without a price', () => {
    const table = rightSize(
      input({
        candidates: five,
        pricing: { currency: 'USD', seatPrice: null, bucketPrices: { 100: 1500, 50: 900 } },
      }),
    );
    expect(table.yearlySaving).toBe(7200);
    const unpriced = rightSize(
      input({ candidates: five, pricing: { currency: 'USD', seatPrice: null, bucketPrices: {} } }),
    );
    expect(unpriced.targetBucket).toBe(50);
    expect(unpriced.yearlySaving).toBeNull();
  });

  it('a bucket that fits as it is needs no change; a plan already too small is not right-sized down', () => {
    const fits = rightSize(input({ seats: { memberSeats: 45, billedGuests: 0, pendingMembers: 0 } }));
    expect(fits).toMatchObject({ targetBucket: 50, changes: [], yearlySaving: 7200 });
    expect(fits.summary).toBe('45 seats fit the 50 bucket as they are, saving €7,200.00 a year');
    // With 5 members to free, 45 reach the 40 bucket.
    const deeper = rightSize(
      input({ seats: { memberSeats: 45, billedGuests: 0, pendingMembers: 0 }, candidates: five }),
    );
    expect(deeper).toMatchObject({ targetBucket: 40, yearlySaving: 8640 });
    expect(deeper.changes).toHaveLength(5);
    const over = rightSize(
      input({ seats: { memberSeats: 120, billedGuests: 0, pendingMembers: 0 }, candidates: five }),
    );
    expect(over).toMatchObject({ targetBucket: 200, changes: [], yearlySaving: 0 });
    expect(over.summary).toContain('over the plan');
    const unknown = rightSize(input({ currentBucket: null, candidates: five }));
    expect(unknown).toMatchObject({ targetBucket: 100, changes: [], yearlySaving: null });
  });

  it('pending member invitations are reserved: 48 used and 3 invited need one change for 50', () => {
    const plan = rightSize(
      input({ seats: { memberSeats: 48, billedGuests: 0, pendingMembers: 3 }, candidates: five }),
    );
    expect(plan.seatsNeeded).toBe(51);
    expect(plan.changes.map((c) => c.userId)).toEqual(['u2']);
  });

  it('never changes a protected person or domain, the token owner, or the last active admin', () => {
    const plan = rightSize(
      input({
        activeAdmins: 1,
        candidates: [
          candidate(1, 900, { email: 'ceo@acme.test' }),
          candidate(2, 800, { email: 'x@board.acme.test' }),
          candidate(3, 700, { userId: 'owner' }),
          candidate(4, 600, { role: 'admin' }),
          candidate(5, 100),
          candidate(6, 95),
        ],
        protectedPeople: { emails: ['CEO@acme.test'], domains: ['board.acme.test'] },
      }),
    );
    expect(plan.changes.map((c) => c.userId)).toEqual(['u5', 'u6']);
    expect(Object.fromEntries(plan.kept.map((k) => [k.userId, k.reason]))).toEqual({
      u1: 'protected (person or domain)',
      u2: 'protected (person or domain)',
      owner: "owns the connection's API token (monday does not let a token change its own user)",
      u4: 'the last active admin',
    });
    // With a second active admin, one admin may go.
    const two = rightSize(
      input({
        seats: { memberSeats: 51, billedGuests: 0, pendingMembers: 0 },
        activeAdmins: 2,
        candidates: [candidate(4, 600, { role: 'admin' }), candidate(7, 500, { role: 'admin' })],
      }),
    );
    expect(two.changes.map((c) => c.userId)).toEqual(['u4']);
    expect(two.kept).toEqual([{ userId: 'u7', email: 'person7@acme.test', reason: 'the last active admin' }]);
  });

  it('never-active members count from when they joined', () => {
    const plan = rightSize(
      input({
        candidates: [candidate(1, 300), candidate(2, 0, { lastActivityAt: null, createdAt: daysAgo(500) })],
      }),
    );
    expect(plan.changes.map((c) => [c.userId, c.inactiveDays])).toEqual([
      ['u2', 500],
      ['u1', 300],
    ]);
    expect(plan.changes[0]!.reason).toContain('never active since joining');
  });

  it('holds for any account: the fewest changes, longest inactive first, to the smallest reachable bucket', () => {
    const arb = fc.record({
      memberSeats: fc.nat(260),
      billedGuests: fc.nat(10),
      pendingMembers: fc.nat(5),
      current: fc.constantFrom(...DEFAULT_SEAT_BUCKETS),
      activeAdmins: fc.integer({ min: 1, max: 4 }),
      people: fc.array(
        fc.record({
          days: fc.integer({ min: 91, max: 2000 }),
          admin: fc.boolean(),
          isProtected: fc.boolean(),
        }),
        { maxLength: 60 },
      ),
    });
    fc.assert(
      fc.property(arb, (a) => {
        const candidates = a.people.map((p, i) =>
          candidate(i, p.days, {
            role: p.admin ? 'admin' : 'member',
            email: p.isProtected ? `p${i}@vip.test` : `m${i}@acme.test`,
          }),
        );
        const plan = rightSize(
          input({
            currentBucket: a.current,
            seats: {
              memberSeats: a.memberSeats,
              billedGuests: a.billedGuests,
              pendingMembers: a.pendingMembers,
            },
            candidates,
            activeAdmins: a.activeAdmins,
            protectedPeople: { emails: [], domains: ['vip.test'] },
          }),
        );
        const need = plan.seatsNeeded;
        expect(need).toBe(a.memberSeats + a.billedGuests + a.pendingMembers);
        if (need > a.current) {
          expect(plan.changes).toEqual([]);
          return;
        }
        const target = plan.targetBucket!;
        expect(target).toBeLessThanOrEqual(a.current);
        // The changes reach the target, and one fewer would not.
        expect(need - plan.changes.length).toBeLessThanOrEqual(target);
        if (plan.changes.length > 0) expect(need - plan.changes.length + 1).toBeGreaterThan(target);
        // Nobody protected; an admin left active.
        expect(plan.changes.some((c) => c.email.endsWith('@vip.test'))).toBe(false);
        const adminsChanged = plan.changes.filter((c) => c.role === 'admin').length;
        expect(a.activeAdmins - adminsChanged).toBeGreaterThanOrEqual(1);
        // Longest inactive first among those that could change.
        const days = plan.changes.map((c) => c.inactiveDays!);
        expect([...days].sort((x, y) => y - x)).toEqual(days);
        const eligibleLeft = plan.kept.filter((k) => k.reason === 'not needed to reach the target bucket');
        const leftDays = eligibleLeft.map((k) => a.people[Number(k.userId.slice(1))]!.days);
        if (days.length && leftDays.length)
          expect(Math.min(...days)).toBeGreaterThanOrEqual(Math.max(...leftDays));
        // No smaller bucket is reachable with every eligible change.
        const eligible = plan.changes.length + eligibleLeft.length;
        const smaller = nextSmallerBucket(target, DEFAULT_SEAT_BUCKETS);
        if (smaller !== null) expect(need - eligible).toBeGreaterThan(smaller);
      }),
      { numRuns: 500 },
    );
  });
});

describe('a right-sizing plan, whole', () => {
  const people = [
    candidate(10, 700, { email: 'p@partner.test' }), // protected domain
    candidate(11, 600, { userId: 'owner' }), // the token's owner
    candidate(12, 0, { lastActivityAt: null, createdAt: daysAgo(500), email: 'never@acme.test' }),
    candidate(13, 400),
    candidate(14, 300, { role: 'admin' }),
    candidate(15, 250, { role: 'admin' }), // the last active admin by then
    candidate(16, 200, { email: 'zed@acme.test' }),
    candidate(17, 200, { email: 'amy@acme.test' }), // same day as zed: by email
    candidate(18, 900, { role: 'guest' }),
    candidate(19, 0, { lastActivityAt: null, createdAt: null }),
  ];
  const plan = (over: Partial<RightSizingInput>) =>
    rightSize(
      input({
        buckets: [50, 10, 100, 50, 200, 25],
        seats: { memberSeats: 52, billedGuests: 1, pendingMembers: 0 },
        candidates: people,
        protectedPeople: { emails: [], domains: ['partner.test'] },
        pricing: { currency: 'USD', seatPrice: 10, bucketPrices: { 50: 400 } },
        ...over,
      }),
    );

  it('takes the longest inactive it may change, to the smallest bucket, and says why it left each other one', () => {
    expect(plan({})).toEqual({
      currentBucket: 100,
      seatsUsed: 53,
      memberSeats: 52,
      billedGuests: 1,
      pendingMembers: 0,
      seatsNeeded: 53,
      fitsBucket: 100,
      nextSmallerBucket: 50,
      targetBucket: 50,
      changes: [
        {
          userId: 'u12',
          email: 'never@acme.test',
          name: 'Person 12',
          role: 'member',
          action: 'set_role',
          toRole: 'viewer',
          inactiveSince: daysAgo(500),
          inactiveDays: 500,
          reason: 'never active since joining 2025-07-19 (500 days)',
        },
        expect.objectContaining({
          userId: 'u13',
          inactiveDays: 400,
          reason: 'last active 2025-10-27 (400 days ago)',
        }),
        expect.objectContaining({ userId: 'u14', role: 'admin', inactiveDays: 300 }),
      ],
      kept: [
        { userId: 'u18', email: 'person18@acme.test', reason: 'holds no member seat' },
        { userId: 'u10', email: 'p@partner.test', reason: 'protected (person or domain)' },
        {
          userId: 'owner',
          email: 'person11@acme.test',
          reason: "owns the connection's API token (monday does not let a token change its own user)",
        },
        { userId: 'u15', email: 'person15@acme.test', reason: 'the last active admin' },
        {
          userId: 'u19',
          email: 'person19@acme.test',
          reason: 'monday gave no activity or join date: inactivity cannot be shown',
        },
        { userId: 'u17', email: 'amy@acme.test', reason: 'not needed to reach the target bucket' },
        { userId: 'u16', email: 'zed@acme.test', reason: 'not needed to reach the target bucket' },
      ],
      currency: 'USD',
      // 100 seats at 10 a month, against the 50 bucket's listed 400.
      monthlySaving: 600,
      yearlySaving: 7200,
      summary: '3 changes move 53 seats from the 100 bucket to 50, saving $7,200.00 a year',
    });
  });

  it('says in words where the account stands', () => {
    const summary = (over: Partial<RightSizingInput>) => plan(over).summary;
    const seats = (memberSeats: number) => ({ memberSeats, billedGuests: 0, pendingMembers: 0 });
    expect(summary({ seats: seats(51) })).toBe(
      '1 change move 51 seats from the 100 bucket to 50, saving $7,200.00 a year',
    );
    expect(summary({ currentBucket: 50, seats: seats(55) })).toBe(
      '55 seats needed on a 50-seat plan: over the plan, the 100 bucket holds them',
    );
    expect(summary({ currentBucket: 50, seats: seats(300) })).toBe(
      '300 seats needed on a 50-seat plan: over the plan',
    );
    expect(summary({ currentBucket: 50, seats: seats(50), candidates: [] })).toBe(
      '50 of 50 seats needed: no smaller bucket can be reached',
    );
    expect(summary({ currentBucket: null, seats: seats(55) })).toBe(
      "monday did not give the plan's size; 55 seats are needed",
    );
    expect(
      summary({ seats: seats(20), pricing: { currency: 'USD', seatPrice: null, bucketPrices: {} } }),
    ).toBe('20 seats fit the 25 bucket as they are');
  });

  it('stays on a plan size that is not a bucket when nothing smaller is reachable, and prices only what is priced', () => {
    const odd = plan({
      currentBucket: 60,
      seats: { memberSeats: 55, billedGuests: 0, pendingMembers: 0 },
      candidates: [],
    });
    expect(odd).toMatchObject({ targetBucket: 60, changes: [], nextSmallerBucket: 50 });
    expect(odd.summary).toBe('55 of 60 seats needed: no smaller bucket can be reached');
    // The current bucket priced, the target not: no saving can be said.
    const half = plan({ pricing: { currency: 'USD', seatPrice: null, bucketPrices: { 100: 1000 } } });
    expect(half).toMatchObject({ targetBucket: 50, monthlySaving: null, yearlySaving: null });
    // Over the plan, a bigger bucket saves nothing.
    expect(
      plan({ currentBucket: 50, seats: { memberSeats: 55, billedGuests: 0, pendingMembers: 0 } }),
    ).toMatchObject({
      targetBucket: 100,
      changes: [],
      monthlySaving: 0,
    });
    expect(plan({ currentBucket: null })).toMatchObject({
      targetBucket: 100,
      nextSmallerBucket: null,
      monthlySaving: null,
    });
    // A plan size that is not a bucket, exactly full: it stays, not "moved" to a bigger bucket.
    const full = plan({
      currentBucket: 60,
      seats: { memberSeats: 60, billedGuests: 0, pendingMembers: 0 },
      candidates: [],
    });
    expect(full).toMatchObject({ targetBucket: 60, changes: [] });
    expect(full.summary).toBe('60 of 60 seats needed: no smaller bucket can be reached');
    // Nothing needed and no plan size: the smallest bucket holds it.
    expect(
      plan({
        currentBucket: null,
        seats: { memberSeats: 0, billedGuests: 0, pendingMembers: 0 },
        candidates: [],
      }),
    ).toMatchObject({ targetBucket: 10, fitsBucket: 10 });
  });
});

describe('seat trend', () => {
  it('is the slope of two days too', () => {
    expect(
      seatTrendPerDay([
        { at: daysAgo(10), seats: 40 },
        { at: daysAgo(0), seats: 45 },
      ]),
    ).toBeCloseTo(0.5, 6);
  });

  it('is the least-squares slope in seats a day, and flat without two days of history', () => {
    expect(seatTrendPerDay([])).toBe(0);
    expect(seatTrendPerDay([{ at: daysAgo(3), seats: 10 }])).toBe(0);
    expect(
      seatTrendPerDay([
        { at: daysAgo(30), seats: 40 },
        { at: daysAgo(20), seats: 42 },
        { at: daysAgo(10), seats: 44 },
        { at: daysAgo(0), seats: 46 },
      ]),
    ).toBeCloseTo(0.2, 6);
  });
});
