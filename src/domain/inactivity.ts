const DAY = 86_400_000;

/** What inactivity is judged by: a user's last activity, and when they joined or were invited. */
export interface ActivityEvidence {
  lastActivityAt: string | null;
  createdAt: string | null;
}

/**
 * The moment a user's inactivity runs from: their last activity, or, if they never had any, when they joined
 * or were invited. Null when monday gave neither (then nobody can say they are inactive).
 */
export function inactiveSince(user: ActivityEvidence): string | null {
  return user.lastActivityAt ?? user.createdAt;
}

/** Inactive for `days` days: the evidence above is more than that long ago. Insights, policies and filters share it. */
export function isInactive(user: ActivityEvidence, now: Date, days: number): boolean {
  const since = inactiveSince(user);
  return since !== null && Date.parse(since) < now.getTime() - days * DAY;
}

/** The cutoff `isInactive` compares against, as stored timestamps are written (UTC ISO-8601). */
export function inactivityCutoff(now: Date, days: number): string {
  return new Date(now.getTime() - days * DAY).toISOString();
}
