import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccountInsights,
  computeInsights,
  groupUsers,
  type InsightGroup,
  type InsightUser,
  toCents,
  totalInsights,
} from '../src/domain/insights.ts';
import { daysAgo, NOW } from './helpers/scopedUser.ts';

/**
 * The dashboard's figures from a small account counted by hand (README, "Insights"): each figure's definition
 * checked at its edges (the mutation run, `npm run mutate`, judges src/domain/insights.ts by these).
 */

const person = (over: Partial<InsightUser> = {}): InsightUser => ({
  role: 'member',
  status: 'active',
  license: 'member',
  lastActivityAt: daysAgo(1),
  createdAt: daysAgo(400),
  ...over,
});

/** 12 people and 4 that are not: counted by hand in the comments. */
const account: InsightUser[] = [
  person(), // active member
  person({ lastActivityAt: daysAgo(91) }), // inactive member (idle)
  person({ lastActivityAt: null, createdAt: daysAgo(100) }), // inactive member (never active)
  person({ lastActivityAt: null, createdAt: daysAgo(10) }), // joined recently: not inactive
  person({ role: 'admin', lastActivityAt: daysAgo(200) }), // inactive admin
  person({ role: 'admin' }), // active admin
  person({ role: 'viewer', license: 'viewer', lastActivityAt: daysAgo(300) }), // idle viewer: not a paid seat
  person({ role: 'guest', license: 'guest' }),
  person({ role: 'guest', license: 'guest' }),
  person({ role: 'member', status: 'pending', license: null, lastActivityAt: null }), // pending invite
  person({ role: 'member', status: 'deactivated', license: null, lastActivityAt: daysAgo(500) }),
  person({ role: 'guest', status: 'pending', license: null, lastActivityAt: null }),
  {
    role: 'other',
    kind: 'service_user',
    status: 'active',
    license: null,
    lastActivityAt: null,
    createdAt: null,
  },
  { role: 'other', kind: 'portal', status: 'active', license: null, lastActivityAt: null, createdAt: null },
  {
    role: 'other',
    kind: 'vibe_user',
    status: 'active',
    license: null,
    lastActivityAt: null,
    createdAt: null,
  },
  {
    role: 'other',
    kind: 'Vibe_User',
    status: 'active',
    license: null,
    lastActivityAt: null,
    createdAt: null,
  },
  {
    role: 'other',
    kind: 'builder',
    status: 'active',
    license: null,
    lastActivityAt: daysAgo(400),
    createdAt: null,
  },
];

describe("an account's insights", () => {
  // Computed in the tests' setup, not while they are collected: a broken rule fails them.
  let groups: InsightGroup[] = [];
  beforeAll(() => {
    groups = groupUsers(account, NOW, 90);
  });

  it('groups users by role, status, license and (for those not people) kind, with the inactive counted', () => {
    const member = groups.find((g) => g.role === 'member' && g.status === 'active');
    expect(member).toEqual({
      role: 'member',
      kind: null,
      status: 'active',
      license: 'member',
      count: 4,
      never: 1,
      idle: 1,
    });
    expect(groups.find((g) => g.role === 'admin')).toMatchObject({ count: 2, never: 0, idle: 1 });
    expect(groups.find((g) => g.role === 'viewer')).toMatchObject({ count: 1, idle: 1, never: 0 });
    // A person's kind does not split their group; a kind that is not a person's does.
    expect(groupUsers([person({ kind: 'member' }), person({ kind: 'admin' })], NOW, 90)).toHaveLength(1);
    expect(groups.filter((g) => g.role === 'other').map((g) => g.kind)).toEqual([
      'service_user',
      'portal',
      'vibe_user',
      'Vibe_User',
      'builder',
    ]);
    expect(groups.reduce((n, g) => n + g.count, 0)).toBe(account.length);
  });

  it('counts seats, inactivity, invites, guests and viewers by their definitions', () => {
    const insights = computeInsights(groups, {
      tier: 'standard',
      maxUsers: 10,
      inactiveDays: 90,
      seatPrice: 12.5,
      currency: 'EUR',
      pendingOldest: '2026-10-01T12:00:00Z',
      pendingOver30Days: 2,
      now: NOW,
    });
    expect(insights).toEqual({
      users: 12,
      notPeople: 2,
      unclassified: [
        { kind: 'builder', count: 1 },
        { kind: 'vibe_user', count: 1 },
        { kind: 'Vibe_User', count: 1 },
      ],
      byStatus: { active: 9, pending: 2, deactivated: 1 },
      byRole: { admin: 2, member: 6, viewer: 1, guest: 3 },
      byLicense: { member: 6, viewer: 1, guest: 2, none: 3 },
      seats: {
        paid: 6,
        memberSeats: 6,
        billedGuests: 0, // Standard bills one guest in four
        planMax: 10,
        available: 4,
        utilization: 0.6,
        viewer: 1,
        guest: 2,
        freeGuests: 2,
      },
      pendingInvites: 2,
      pendingInviteAge: { oldestDays: 67, over30Days: 2 },
      inactiveDays: 90,
      inactivePaidSeats: 3,
      inactiveNeverActive: 1,
      inactiveAdmins: 1,
      cost: { seatPrice: 12.5, currency: 'EUR', monthlyWaste: 37.5, yearlyWaste: 450 },
      monthlyWaste: 37.5,
    });
  });

  it('bills guests by plan, says nothing of the plan when monday gave no size, and prices only when told', () => {
    const basic = computeInsights(groups, { tier: 'basic', maxUsers: 7, inactiveDays: 90, now: NOW });
    expect(basic.seats).toMatchObject({
      paid: 8,
      billedGuests: 2,
      freeGuests: 0,
      available: -1,
      utilization: 1.143,
    });
    expect(basic.cost).toBeNull();
    expect(basic.monthlyWaste).toBeNull();
    expect(basic.pendingInviteAge).toEqual({ oldestDays: null, over30Days: 0 });
    const unknown = computeInsights(groups, {
      tier: null,
      maxUsers: null,
      inactiveDays: 90,
      seatPrice: null,
    });
    expect(unknown.seats).toMatchObject({
      planMax: null,
      available: null,
      utilization: null,
      billedGuests: 2,
    });
    expect(computeInsights(groups, { tier: 'pro', maxUsers: 0, inactiveDays: 90 }).seats).toMatchObject({
      planMax: 0,
      available: null,
      utilization: null,
      billedGuests: 0,
    });
    // A free price still prices: nothing is wasted, in US dollars unless told.
    expect(
      computeInsights(groups, { tier: 'pro', maxUsers: 10, inactiveDays: 90, seatPrice: 0 }).cost,
    ).toEqual({
      seatPrice: 0,
      currency: 'USD',
      monthlyWaste: 0,
      yearlyWaste: 0,
    });
  });

  it('adds up one unknown kind over its groups, and ages invitations by the clock it is given', () => {
    const other = (kind: string, status: InsightUser['status']): InsightUser => ({
      role: 'other',
      kind,
      status,
      license: null,
      lastActivityAt: null,
      createdAt: null,
    });
    const insights = computeInsights(
      groupUsers(
        [other('vibe_user', 'active'), other('vibe_user', 'pending'), other('vibe_user', 'active')],
        NOW,
        90,
      ),
      {
        tier: 'pro',
        maxUsers: 5,
        inactiveDays: 90,
        pendingOldest: '2025-12-01T00:00:00Z',
        now: new Date('2026-01-01T00:00:00Z'),
      },
    );
    expect(insights.unclassified).toEqual([{ kind: 'vibe_user', count: 3 }]);
    expect(insights.users).toBe(0);
    expect(insights.pendingInviteAge.oldestDays).toBe(31);
  });

  it('amounts are to the cent', () => {
    expect(toCents(1.005 * 1000)).toBe(1005);
    expect(toCents(0.125)).toBe(0.13);
    expect(toCents(19.999)).toBe(20);
    const third = computeInsights(
      groupUsers([person({ lastActivityAt: null, createdAt: daysAgo(100) })], NOW, 90),
      {
        tier: 'pro',
        maxUsers: 3,
        inactiveDays: 90,
        seatPrice: 10 / 3,
      },
    );
    expect(third.cost).toMatchObject({ monthlyWaste: 3.33, yearlyWaste: 39.96 });
    expect(third.seats.utilization).toBe(0.333);
  });
});

describe('insights of several accounts added up', () => {
  const one = (
    over: Partial<{
      name: string;
      tier: string;
      max: number | null;
      price: number | null;
      currency: string;
      days: number;
      oldest: string | null;
      over30: number;
    }>,
    users: InsightUser[],
  ): AccountInsights => ({
    ...computeInsights(groupUsers(users, NOW, over.days ?? 90), {
      tier: over.tier ?? 'pro',
      maxUsers: over.max === undefined ? 10 : over.max,
      inactiveDays: over.days ?? 90,
      seatPrice: over.price ?? null,
      currency: over.currency ?? 'USD',
      pendingOldest: over.oldest ?? null,
      pendingOver30Days: over.over30 ?? 0,
      now: NOW,
    }),
    connectionId: `con_${over.name}`,
    accountName: over.name ?? 'A',
  });
  let a: AccountInsights;
  let b: AccountInsights;
  let c: AccountInsights;
  let d: AccountInsights;
  beforeAll(() => {
    a = one({ name: 'A', price: 10, oldest: daysAgo(40), over30: 1 }, account);
    b = one({ name: 'B', price: 20, currency: 'EUR', days: 30, max: 5, oldest: daysAgo(50), over30: 3 }, [
      person({ lastActivityAt: daysAgo(45) }),
      person({ role: 'guest', license: 'guest' }),
      {
        role: 'other',
        kind: 'vibe_user',
        status: 'active',
        license: null,
        lastActivityAt: null,
        createdAt: null,
      },
    ]);
    c = one({ name: 'C', price: 5, max: null }, [person({ lastActivityAt: daysAgo(100) })]);
    d = one({ name: 'D', price: null, days: 30 }, [person()]);
  });

  it('adds every figure, lists thresholds and currencies apart, and names the unpriced accounts', () => {
    const total = totalInsights([a, b, d]);
    expect(total).toEqual({
      accounts: 3,
      users: 12 + 2 + 1,
      notPeople: 2,
      unclassified: [
        { kind: 'builder', count: 1 },
        { kind: 'vibe_user', count: 2 },
        { kind: 'Vibe_User', count: 1 },
      ],
      byStatus: { active: 9 + 2 + 1, pending: 2, deactivated: 1 },
      byRole: { admin: 2, member: 6 + 1 + 1, viewer: 1, guest: 3 + 1 },
      byLicense: { member: 6 + 1 + 1, viewer: 1, guest: 2 + 1, none: 3 },
      seats: {
        paid: 6 + 1 + 1,
        memberSeats: 8,
        billedGuests: 0,
        viewer: 1,
        guest: 3,
        freeGuests: 3,
        planMax: 25,
        utilization: 8 / 25,
      },
      pendingInvites: 2,
      pendingInviteAge: { oldestDays: 50, over30Days: 4 },
      inactivePaidSeats: 3 + 1,
      inactiveDays: [30, 90],
      costs: [
        { currency: 'EUR', monthlyWaste: 20, yearlyWaste: 240, accounts: 1 },
        { currency: 'USD', monthlyWaste: 30, yearlyWaste: 360, accounts: 1 },
      ],
      unpriced: ['D'],
    });
  });

  it('adds amounts of one currency; a plan size unknown in one account leaves the total unknown', () => {
    const total = totalInsights([a, c]);
    expect(total.costs).toEqual([{ currency: 'USD', monthlyWaste: 35, yearlyWaste: 420, accounts: 2 }]);
    expect(total.seats.planMax).toBeNull();
    expect(total.seats.utilization).toBeNull();
    expect(total.inactiveDays).toEqual([90]);
    expect(total.pendingInviteAge).toEqual({ oldestDays: 40, over30Days: 1 });
    expect(totalInsights([c]).pendingInviteAge.oldestDays).toBeNull();
  });

  it("lists the unknown kinds by name whatever the accounts' order", () => {
    const odd = (name: string, kind: string) =>
      one({ name }, [
        { role: 'other', kind, status: 'active', license: null, lastActivityAt: null, createdAt: null },
      ]);
    expect(
      totalInsights([odd('A', 'zeta_user'), odd('B', 'alpha_user'), odd('C', 'zeta_user')]).unclassified,
    ).toEqual([
      { kind: 'alpha_user', count: 1 },
      { kind: 'zeta_user', count: 2 },
    ]);
  });

  it('of no account, is nothing', () => {
    expect(totalInsights([])).toMatchObject({
      accounts: 0,
      users: 0,
      unclassified: [],
      byStatus: {},
      seats: { paid: 0, planMax: null, utilization: null },
      pendingInviteAge: { oldestDays: null, over30Days: 0 },
      inactiveDays: [],
      costs: [],
      unpriced: [],
    });
  });
});
