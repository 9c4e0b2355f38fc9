import { describe, expect, it } from 'vitest';
import { planTiers } from '../src/emulator/model.ts';
import { seedAccounts } from '../src/emulator/seed.ts';

const referenceDate = new Date('2026-11-01T00:00:00Z');
const plain = (seed: number, extra: Partial<Parameters<typeof seedAccounts>[0]> = {}) =>
  seedAccounts({ seed, accounts: 2, usersPerAccount: 2000, plan: 'enterprise', referenceDate, ...extra }).map(
    (a) => ({
      ...a,
      usersById: undefined,
      usersByEmail: undefined,
    }),
  );

describe('emulator seeded data', () => {
  it('is identical for the same seed: accounts, users and tokens', () => {
    expect(JSON.stringify(plain(42))).toBe(JSON.stringify(plain(42)));
  });

  it('differs for another seed', () => {
    const a = plain(42);
    const b = plain(43);
    expect(a[0]!.tokens.admin).not.toBe(b[0]!.tokens.admin);
    expect(a[0]!.id).not.toBe(b[0]!.id);
  });

  it('keeps ids, emails and tokens stable when only the reference date moves', () => {
    const later = plain(42, { referenceDate: new Date('2027-03-01T00:00:00Z') });
    const now = plain(42);
    expect(later[0]!.tokens).toEqual(now[0]!.tokens);
    expect(later[0]!.users.map((u) => u.email)).toEqual(now[0]!.users.map((u) => u.email));
  });

  it('gives each account its own id, slug, tokens and users', () => {
    const [a, b] = plain(5);
    expect(a!.id).not.toBe(b!.id);
    expect(a!.slug).not.toBe(b!.slug);
    expect(a!.tokens.admin).not.toBe(b!.tokens.admin);
    expect(a!.scimToken).not.toBe(b!.scimToken);
    const ids = new Set(a!.users.map((u) => u.id));
    expect(b!.users.some((u) => ids.has(u.id))).toBe(false);
  });

  it('produces a realistic mix of roles, statuses, activity and provisioning', () => {
    const [account] = seedAccounts({
      seed: 9,
      accounts: 1,
      usersPerAccount: 5000,
      plan: 'enterprise',
      referenceDate,
    });
    const users = account!.users;
    const share = (predicate: (u: (typeof users)[number]) => boolean) =>
      users.filter(predicate).length / users.length;
    expect(share((u) => u.kind === 'admin')).toBeGreaterThan(0.01);
    expect(share((u) => u.kind === 'member')).toBeGreaterThan(0.4);
    expect(share((u) => u.kind === 'view_only')).toBeGreaterThan(0.1);
    expect(share((u) => u.kind === 'guest')).toBeGreaterThan(0.05);
    expect(share((u) => u.status === 'PENDING')).toBeGreaterThan(0.04);
    expect(share((u) => u.status === 'INACTIVE')).toBeGreaterThan(0.04);
    expect(share((u) => u.status !== 'PENDING' && u.lastActivity === null)).toBeGreaterThan(0.02);
    expect(share((u) => u.invitationMethod === 'SCIM')).toBeGreaterThan(0.15);
    expect(users.every((u) => u.status !== 'PENDING' || u.lastActivity === null)).toBe(true);
    const ages = users
      .filter((u) => u.lastActivity)
      .map((u) => (referenceDate.getTime() - u.lastActivity!.getTime()) / 86_400_000);
    expect(Math.max(...ages)).toBeGreaterThan(300);
    expect(Math.min(...ages)).toBeLessThan(5);
    expect(Math.max(...ages)).toBeLessThanOrEqual(366);
    expect(new Set(users.map((u) => u.email)).size).toBe(users.length);
    expect(
      users.filter((u) => u.kind === 'guest').every((u) => !u.email.endsWith(`@${account!.slug}.com`)),
    ).toBe(true);
  });

  it('seeds every plan tier; only Enterprise gets a SCIM token and SCIM users', () => {
    for (const plan of planTiers) {
      const [account] = seedAccounts({ seed: 1, accounts: 1, usersPerAccount: 200, plan, referenceDate });
      expect(account!.tier).toBe(plan);
      expect(account!.scimToken !== null).toBe(plan === 'enterprise');
      expect(account!.users.some((u) => u.invitationMethod === 'SCIM')).toBe(plan === 'enterprise');
      expect(account!.maxUsers).toBeGreaterThan(0);
    }
  });
});
