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
  surfaces: ['graphql', 'scim'],
};

export type FaultDecision = 'none' | 'serverError' | 'timeout' | 'malformed';

/** Decides, request by request, which fault (if any) to inject. */
export class FaultInjector {
  settings: FaultSettings = { ...noFaults };
  private random: Random;
  private readonly tokenUses = new Map<string, number>();

  constructor(seed: number) {
    this.random = new Random(seed ^ 0x5eed);
  }

  configure(settings: Partial<FaultSettings>): void {
    this.settings = { ...noFaults, ...settings };
    this.tokenUses.clear();
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
