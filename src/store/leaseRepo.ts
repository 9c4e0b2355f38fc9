import { hostname } from 'node:os';
import type { Kysely, Transaction } from 'kysely';
import type { ConnectionLeasesTable, Database } from './schema.ts';

export type LeaseRow = ConnectionLeasesTable;

/** What a holder asks for: who it is and for how long the lease lasts without a heartbeat. */
export interface LeaseRequest {
  connectionId: string;
  holder: string;
  purpose: string;
  runId: string | null;
  now: Date;
  ttlMs: number;
}

export type AcquireResult =
  | { acquired: true; fence: number; previous: LeaseRow | null }
  | { acquired: false; current: LeaseRow };

/** Thrown by a fenced write when its holder no longer holds the connection's lease. */
export class LeaseLostError extends Error {
  constructor(readonly connectionId: string) {
    super(`this process no longer holds the lease of connection ${connectionId}; another one took over`);
  }
}

/**
 * The one lease per connection, kept in the database so every process sees it. Taking it is one atomic
 * statement that succeeds only when the lease is free or its holder stopped heartbeating.
 */
export class LeaseRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async acquire(request: LeaseRequest): Promise<AcquireResult> {
    const previous = (await this.get(request.connectionId)) ?? null;
    const now = request.now.toISOString();
    const row = {
      connection_id: request.connectionId,
      holder: request.holder,
      purpose: request.purpose,
      run_id: request.runId,
      fence: 1,
      acquired_at: now,
      heartbeat_at: now,
      expires_at: new Date(request.now.getTime() + request.ttlMs).toISOString(),
    };
    const taken = await this.db
      .insertInto('connection_leases')
      .values(row)
      .onConflict((oc) =>
        oc
          .column('connection_id')
          .doUpdateSet((eb) => ({
            holder: eb.ref('excluded.holder'),
            purpose: eb.ref('excluded.purpose'),
            run_id: eb.ref('excluded.run_id'),
            fence: eb(eb.ref('connection_leases.fence'), '+', 1),
            acquired_at: eb.ref('excluded.acquired_at'),
            heartbeat_at: eb.ref('excluded.heartbeat_at'),
            expires_at: eb.ref('excluded.expires_at'),
          }))
          .where('connection_leases.expires_at', '<=', now),
      )
      .returning(['fence', 'holder'])
      .executeTakeFirst();
    if (taken && taken.holder === request.holder) {
      const stillPrevious = previous && previous.expires_at <= now ? previous : null;
      return { acquired: true, fence: Number(taken.fence), previous: stillPrevious };
    }
    const current = await this.get(request.connectionId);
    if (!current) return this.acquire(request);
    return { acquired: false, current };
  }

  /** Extends the lease while its holder works; false when it was taken over (the holder must stop). */
  async heartbeat(connectionId: string, fence: number, now: Date, ttlMs: number): Promise<boolean> {
    return this.extend(this.db, connectionId, fence, now, ttlMs);
  }

  /**
   * Inside a write transaction: refuses to go on unless the fence still holds, and extends the lease. Run it
   * first, so the transaction takes its write lock before it reads anything.
   */
  async fence(
    trx: Transaction<Database>,
    connectionId: string,
    fence: number,
    now: Date,
    ttlMs: number,
  ): Promise<void> {
    if (!(await this.extend(trx, connectionId, fence, now, ttlMs))) throw new LeaseLostError(connectionId);
  }

  /** Gives the lease up at once (keeping the fence number, which only grows). */
  async release(connectionId: string, fence: number): Promise<void> {
    await this.db
      .updateTable('connection_leases')
      .set({ expires_at: new Date(0).toISOString() })
      .where('connection_id', '=', connectionId)
      .where('fence', '=', fence)
      .execute();
  }

  get(connectionId: string): Promise<LeaseRow | undefined> {
    return this.db
      .selectFrom('connection_leases')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .executeTakeFirst();
  }

  private async extend(
    db: Kysely<Database>,
    connectionId: string,
    fence: number,
    now: Date,
    ttlMs: number,
  ): Promise<boolean> {
    const result = await db
      .updateTable('connection_leases')
      .set({
        heartbeat_at: now.toISOString(),
        expires_at: new Date(now.getTime() + ttlMs).toISOString(),
      })
      .where('connection_id', '=', connectionId)
      .where('fence', '=', fence)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}

/** How a holder names itself in messages: what it does, in which process on which host. */
export function describeHolder(what: string): string {
  return `${what} (pid ${process.pid} on ${hostname()})`;
}
