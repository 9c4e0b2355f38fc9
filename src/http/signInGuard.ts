import { HttpError } from './errorEnvelope.ts';

/** How many wrong keys one address may send in a window before it must wait. */
export interface SignInLimits {
  maxFailures: number;
  windowMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { maxFailures: 10, windowMs: 15 * 60_000 };

/**
 * Slows down guessing keys: after `maxFailures` wrong keys (bearer or sign-in) from one address within
 * `windowMs`, every further attempt from that address is answered 429 with Retry-After until the oldest
 * failure leaves the window. A right key resets the address's count. Kept in memory per process.
 */
export class SignInGuard {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws 429 while the address has used up its wrong attempts. */
  check(address: string): void {
    const recent = this.recent(address);
    if (recent.length < this.limits.maxFailures) return;
    const retryAfterS = Math.max(1, Math.ceil((recent[0]! + this.limits.windowMs - this.now()) / 1000));
    throw new HttpError(
      429,
      'too_many_sign_in_attempts',
      `too many wrong API keys from this address: try again in ${retryAfterS} s`,
      { retryAfterSeconds: retryAfterS },
    );
  }

  failed(address: string): void {
    const recent = this.recent(address);
    recent.push(this.now());
    this.failures.set(address, recent);
    // Addresses whose failures all left the window are forgotten, so the map stays small.
    if (this.failures.size > 10_000)
      for (const key of this.failures.keys()) if (this.recent(key).length === 0) this.failures.delete(key);
  }

  succeeded(address: string): void {
    this.failures.delete(address);
  }

  private recent(address: string): number[] {
    const since = this.now() - this.limits.windowMs;
    return (this.failures.get(address) ?? []).filter((t) => t > since);
  }
}
