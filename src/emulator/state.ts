import { buildSchema, type GraphQLSchema } from 'graphql';
import { FaultInjector } from './faults.ts';
import { AccountLimiter, defaultLimits, type LimitSettings } from './limits.ts';
import type { EmuAccount, TokenRole } from './model.ts';
import { emulatorSdl, type SchemaVersion } from './schemaSdl.ts';

export interface TokenGrant {
  account: EmuAccount;
  role: TokenRole;
}

interface IdempotentEntry {
  status: number;
  body: string;
  expiresAt: number;
  done: boolean;
}

const IDEMPOTENCY_TTL_MS = 30 * 60_000;

/** Everything the emulator knows: accounts, token look-ups, per-account limiters, faults and idempotency replays. */
export class EmulatorState {
  readonly schemas: Record<SchemaVersion, GraphQLSchema>;
  readonly faults: FaultInjector;
  private readonly apiTokens = new Map<string, TokenGrant>();
  private readonly scimTokens = new Map<string, EmuAccount>();
  private readonly limiters = new Map<string, AccountLimiter>();
  private readonly idempotency = new Map<string, IdempotentEntry>();
  /** Hung requests in flight (this emulator's only), so closing it can drop them at once. */
  readonly heldSockets = new Set<{ destroy(): void }>();
  /** Every mutation request carried out (replays excluded), so tests can tell how often monday acted. */
  readonly mutationsExecuted: { accountId: string; operationName: string | null }[] = [];
  /**
   * Called after every change monday carried out, before its answer is sent (the demo stores the account
   * then, so what monday answered is what a restarted demo shows).
   */
  onChange: ((account: EmuAccount) => Promise<void> | void) | null = null;
  /** A fixed day for monday's version calendar (tests of a coming version change); else the clock's. */
  calendarDate: Date | null = null;

  /** The instant the version calendar is read at. */
  calendarNow(): number {
    return this.calendarDate?.getTime() ?? this.now();
  }

  constructor(
    readonly accounts: EmuAccount[],
    readonly now: () => number,
    seed: number,
    limitOverrides: Partial<LimitSettings> = {},
  ) {
    this.schemas = {
      '2026-07': buildSchema(emulatorSdl['2026-07']),
      '2026-10': buildSchema(emulatorSdl['2026-10']),
    };
    this.faults = new FaultInjector(seed);
    for (const account of accounts) {
      for (const role of ['admin', 'member', 'viewer'] as const)
        this.apiTokens.set(account.tokens[role], { account, role });
      if (account.scimToken) this.scimTokens.set(account.scimToken, account);
      this.limiters.set(
        account.id,
        new AccountLimiter({ ...defaultLimits(account.tier), ...limitOverrides }, now),
      );
    }
  }

  /** Records a change monday carried out and tells the listener. */
  async changed(account: EmuAccount, operationName: string | null): Promise<void> {
    this.mutationsExecuted.push({ accountId: account.id, operationName });
    await this.onChange?.(account);
  }

  apiToken(token: string): TokenGrant | undefined {
    return this.apiTokens.get(token);
  }

  /**
   * The token stops working, as when its owner regenerates it in monday: every call with it is "Not
   * Authenticated". Returns what gives it back (tests).
   */
  revokeApiToken(token: string): () => void {
    const grant = this.apiTokens.get(token);
    this.apiTokens.delete(token);
    return () => {
      if (grant) this.apiTokens.set(token, grant);
    };
  }

  scimAccount(token: string): EmuAccount | undefined {
    return this.scimTokens.get(token);
  }

  limiter(account: EmuAccount): AccountLimiter {
    return this.limiters.get(account.id)!;
  }

  /** Requests refused by a rate limit, across every account. */
  rateLimitRefusals(): number {
    let total = 0;
    for (const limiter of this.limiters.values()) {
      const r = limiter.refused;
      total += r.daily + r.minute + r.concurrency + r.complexityBudget;
    }
    return total;
  }

  /** Changes the limits of every account (tests use small limits to reach them quickly). */
  setLimits(overrides: Partial<LimitSettings>): void {
    for (const account of this.accounts) {
      this.limiter(account).settings = { ...defaultLimits(account.tier), ...overrides };
    }
  }

  /** Starts an idempotent request: a finished one replays, a running one conflicts, a new one proceeds. */
  beginIdempotent(
    accountId: string,
    key: string,
  ): { kind: 'new' } | { kind: 'running' } | { kind: 'replay'; status: number; body: string } {
    const now = this.now();
    const id = `${accountId}:${key}`;
    const entry = this.idempotency.get(id);
    if (entry && entry.expiresAt > now) {
      return entry.done ? { kind: 'replay', status: entry.status, body: entry.body } : { kind: 'running' };
    }
    this.idempotency.set(id, { status: 0, body: '', expiresAt: now + IDEMPOTENCY_TTL_MS, done: false });
    return { kind: 'new' };
  }

  finishIdempotent(accountId: string, key: string, status: number, body: string): void {
    const id = `${accountId}:${key}`;
    // Responses over 1 MB are not kept for replay, as monday documents.
    if (body.length > 1_000_000) this.idempotency.delete(id);
    else this.idempotency.set(id, { status, body, expiresAt: this.now() + IDEMPOTENCY_TTL_MS, done: true });
  }

  abandonIdempotent(accountId: string, key: string): void {
    this.idempotency.delete(`${accountId}:${key}`);
  }
}
