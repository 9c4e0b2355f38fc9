import { describe, expect, it } from 'vitest';
import { ago as cliAgo } from '../src/cli/output.ts';
import { recommendationsFor } from '../src/domain/reviews.ts';
import { ago } from '../web/src/format.ts';
import { scopedUser } from './helpers/scopedUser.ts';

describe('days since, as people read them', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');
  const at = (days: number) => new Date(now - days * 86_400_000).toISOString();

  it('counts whole days gone by, the same as "inactive for N days" beside it', () => {
    for (const days of [2.5, 36.5, 144.6, 144.99, 200]) {
      const [inactive] = recommendationsFor(scopedUser({ role: 'admin', lastActivityAt: at(days) }), {
        now: new Date(now),
        inactiveDays: 1,
        orgDomains: [],
        leavers: new Set(),
      });
      const whole = Math.floor(days);
      expect(inactive!.reason).toBe(`admin inactive for ${whole} days`);
      expect(ago(at(days), now)).toBe(`${whole} ${whole === 1 ? 'day' : 'days'} ago`);
      expect(cliAgo(at(days), now)).toBe(`${whole}d ago`);
    }
  });
});
