import { Random } from './random.ts';

/** Faults a test can switch on; rates are probabilities in [0, 1], decided by a seeded PRNG so runs repeat. */
export interface FaultSettings {
  /** Delay before every answer. */
  latencyMs: number;
  /** Delay after a mutation was carried out and before its answer is sent (monday acted; the answer is late). */
  answerDelayMs: number;
  /** Share of requests answered with a 5xx. */
  serverErrorRate: number;
  /** The status used for those answers (500, 502, 503 or 504). */
  serverErrorStatus: number;
  /** Share of requests that never get an answer (the connection is held, then dropped). */
  timeoutRate: number;
  /** How long a timed-out request is held before the socket is dropped. */
  timeoutHoldMs: number;
  /** Share of requests answered 200 with a truncated JSON body. */
  malformedRate: number;
  /** After this many authenticated requests a token stops working (401), as if revoked. */
  revokeTokenAfter: number | null;
  /** Pages of users hold at most this many, whatever limit was asked (monday applying its own page size). */
  pageCap: number | null;
  /**
   * Where a capped page starts: at (page - 1) × the cap (`follows`), or where the limit asked for puts it,
   * (page - 1) × limit (`unchanged`), so the rows between the cap and the limit are never on any page.
   */
  pageCapOffset: 'follows' | 'unchanged';
  /** Answers of `users(ids:)` and `users(emails:)` hold at most this many users (offset unchanged). */
  lookupCap: number | null;
  /** How `users(emails:)` matches: whatever the case (`insensitive`) or only the exact spelling (`exact`). */
  emailMatch: 'insensitive' | 'exact';
  /** Answers the next `realErrorTimes` GraphQL requests with one of monday's real error bodies. */
  realError: RealErrorShape | null;
  realErrorTimes: number;
  /** Which surfaces the faults apply to. */
  surfaces: ('graphql' | 'scim')[];
}

export const noFaults: FaultSettings = {
  latencyMs: 0,
  answerDelayMs: 0,
  serverErrorRate: 0,
  serverErrorStatus: 500,
  timeoutRate: 0,
  timeoutHoldMs: 30_000,
  malformedRate: 0,
  revokeTokenAfter: null,
  pageCap: null,
  pageCapOffset: 'follows',
  lookupCap: null,
  emailMatch: 'insensitive',
  realError: null,
  realErrorTimes: 1,
  surfaces: ['graphql', 'scim'],
};

export type FaultDecision = 'none' | 'serverError' | 'timeout' | 'malformed';

/**
 * Error bodies monday is known to send, kept exactly as documented or seen (status, body), so the client is
 * tested against each real shape rather than the emulator's usual ones.
 */
export const realErrorBodies = {
  /** Legacy budget refusal, HTTP 429, the wait only in the message. */
  legacyComplexity: {
    status: 429,
    body: {
      error_code: 'complexityBudgetExhausted',
      status_code: 429,
      error_message:
        'Complexity budget exhausted, query cost 30001 budget remaining 10 out of 10000000 reset in 16 seconds',
      error_data: {},
    },
  },
  /** A budget refusal with no message and no reset time, HTTP 200, 429 only in the body. */
  complexityNoReset: { status: 200, body: { error_code: 'ComplexityException', status_code: 429 } },
  /** The minute limit, documented by message only. */
  minuteLimit: { status: 200, body: { errors: [{ message: 'Minute limit rate exceeded' }] } },
  /** The concurrency limit, documented by message only. */
  concurrencyLimit: { status: 200, body: { errors: [{ message: 'Concurrency limit exceeded' }] } },
  /** A rejected token inside an HTTP 200. */
  notAuthenticated: { status: 200, body: { errors: ['Not Authenticated'] } },
  /** A server failure inside an HTTP 200. */
  internalError: {
    status: 200,
    body: { errors: [{ message: 'Internal Server Error', extensions: { status_code: 500 } }] },
  },
  /** A token owner without the rights, the pre-2025-07 code and no hint. */
  userUnauthorized: {
    status: 200,
    body: {
      errors: [
        {
          message: 'User unauthorized to perform action',
          extensions: { code: 'UserUnauthorizedException', status_code: 403 },
        },
      ],
    },
  },
} as const;
export type RealErrorShape = keyof typeof realErrorBodies;

/** Decides, request by request, which fault (if any) to inject. */
export class FaultInjector {
  settings: FaultSettings = { ...noFaults };
  private random: Random;
  private readonly tokenUses = new Map<string, number>();

  constructor(seed: number) {
    this.random = new Random(seed ^ 0x5eed);
  }

  private realErrorsServed = 0;

  configure(settings: Partial<FaultSettings>): void {
    this.settings = { ...noFaults, ...settings };
    this.tokenUses.clear();
    this.realErrorsServed = 0;
  }

  /** The real error body to send instead of an answer, while any are left to serve. */
  realError(surface: 'graphql' | 'scim'): (typeof realErrorBodies)[RealErrorShape] | null {
    const shape = this.settings.realError;
    if (!shape || surface !== 'graphql' || !this.applies(surface)) return null;
    if (this.realErrorsServed >= this.settings.realErrorTimes) return null;
    this.realErrorsServed++;
    return realErrorBodies[shape];
  }

  applies(surface: 'graphql' | 'scim'): boolean {
    return this.settings.surfaces.includes(surface);
  }

  decide(surface: 'graphql' | 'scim'): FaultDecision {
    if (!this.applies(surface)) return 'none';
    const s = this.settings;
    if (s.timeoutRate > 0 && this.random.chance(s.timeoutRate)) return 'timeout';
    if (s.serverErrorRate > 0 && this.random.chance(s.serverErrorRate)) return 'serverError';
    if (s.malformedRate > 0 && this.random.chance(s.malformedRate)) return 'malformed';
    return 'none';
  }

  /** Counts a use of a token; true once the token should be treated as revoked. */
  revoked(token: string, surface: 'graphql' | 'scim'): boolean {
    const limit = this.settings.revokeTokenAfter;
    if (limit === null || !this.applies(surface)) return false;
    const uses = (this.tokenUses.get(token) ?? 0) + 1;
    this.tokenUses.set(token, uses);
    return uses > limit;
  }
}
