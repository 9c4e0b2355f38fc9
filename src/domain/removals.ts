/** When a sync holds its removals for review: more than `percent` of the stored users and more than `min` people. */
export interface RemovalHold {
  percent: number;
  min: number;
}

/** Whether removing `count` of `stored` users at once needs an admin's confirmation first. */
export function mustHoldRemovals(count: number, stored: number, hold: RemovalHold): boolean {
  return count > hold.min && count * 100 > stored * hold.percent;
}

/** Someone a sync held for review instead of removing (monday no longer shows them): who, and which run held them. */
export interface HeldRemoval {
  userId: string;
  name: string | null;
  email: string | null;
  runId: string;
  heldAt: string;
}
