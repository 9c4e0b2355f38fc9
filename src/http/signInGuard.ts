import { HttpError } from './errorEnvelope.ts';

/** How many wrong keys one address may send in a window before it must wait. */
export interface SignInLimits {
  maxFailures: number;
  windowMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { maxFailures: 10, windowMs: 15 * 60_000 };

/**
 * Slows down guessing keys: wrong keys (bearer or sign-in) are counted per address, and once an address has sent
 * `maxFailures` within `windowMs`, each further wrong key is answered 429 with Retry-After (instead of 401) until
 * the oldest failure leaves the window. Only failures count and only failures are refused: a valid key is always
 * accepted, so nobody is locked out by someone else guessing from the same address (a proxy, an office). Kept in
 * memory per process.
 */
export class SignInGuard {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a wrong key; throws 429 when the address has now sent too many. */
  failed(address: string): void {
    const recent = this.recent(address);
    recent.push(this.now());
    this.failures.set(address, recent);
    // Addresses whose failures all left the window are forgotten, so the map stays small.
    if (this.failures.size > 10_000)
      for (const key of this.failures.keys()) if (this.recent(key).length === 0) this.failures.delete(key);
    if (recent.length <= this.limits.maxFailures) return;
    const retryAfterS = Math.max(1, Math.ceil((recent[0]! + this.limits.windowMs - this.now()) / 1000));
    throw new HttpError(
      429,
      'too_many_sign_in_attempts',
      `too many wrong API keys from this address: wait ${retryAfterS} s before trying another (a valid key works at any time)`,
      { retryAfterSeconds: retryAfterS },
    );
  }

  private recent(address: string): number[] {
    const since = this.now() - this.limits.windowMs;
    return (this.failures.get(address) ?? []).filter((t) => t > since);
  }
}
