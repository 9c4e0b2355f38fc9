import { describe, expect, it } from 'vitest';
import { isInactive } from '../src/domain/inactivity.ts';
import { computeInsights, groupUsers } from '../src/domain/insights.ts';
import { draftProposals, type PolicyUser } from '../src/domain/policies.ts';

const now = new Date('2026-12-04T12:00:00.000Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();
const member = (id: string, lastActivityAt: string | null, createdAt: string | null): PolicyUser => ({
  remoteUserId: id,
  email: `${id}@acme.com`,
  name: id,
  role: 'member',
  status: 'active',
  license: 'member',
  lastActivityAt,
  createdAt,
  scimLinked: false,
});

describe('inactivity from evidence', () => {
  const hiredToday = member('new', null, daysAgo(0));
  const neverSinceLongAgo = member('never', null, daysAgo(200));
  const idle = member('idle', daysAgo(45), daysAgo(400));
  const busy = member('busy', daysAgo(1), daysAgo(400));
  const unknown = member('unknown', null, null);
  const users = [hiredToday, neverSinceLongAgo, idle, busy, unknown];

  it('counts a person inactive only when their last activity, or their joining if never active, is older', () => {
    expect(users.filter((u) => isInactive(u, now, 30)).map((u) => u.remoteUserId)).toEqual(['never', 'idle']);
    expect(users.filter((u) => isInactive(u, now, 60)).map((u) => u.remoteUserId)).toEqual(['never']);
  });

  it('proposes no downgrade for a new hire who has not signed in yet', () => {
    const rule = {
      kind: 'inactive_members_to_viewer' as const,
      params: { days: 30 },
      exceptions: { emails: [], domains: [] },
    };
    const drafts = draftProposals(rule, users, now, 'owner');
    expect(drafts.map((d) => d.remoteUserId)).toEqual(['never', 'idle']);
    expect(drafts[0]!.reason).toContain('never active since joining');
  });

  it('gives insights the same inactive paid seats as policies', () => {
    const insights = computeInsights(groupUsers(users, now, 30), {
      tier: 'pro',
      maxUsers: 10,
      inactiveDays: 30,
      seatPrice: 10,
      currency: 'USD',
      now,
    });
    expect(insights).toMatchObject({ inactivePaidSeats: 2, inactiveNeverActive: 1, monthlyWaste: 20 });
  });
});
