import type { Kysely } from 'kysely';
import type { ActionRequestsTable, Database } from './schema.ts';

export type ClaimResult =
  | { kind: 'claimed' }
  | { kind: 'running' }
  | { kind: 'done'; result: string }
  | { kind: 'mismatch' };

/** Idempotency records for actions: one key, one effect, one stored result. */
export class ActionRequestsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Claims a key for a request, or reports that it is running, finished, or used for another request. */
  async claim(
    connectionId: string,
    key: string,
    fingerprint: string,
    now: Date,
    ttlMs: number,
  ): Promise<ClaimResult> {
    const existing = await this.find(connectionId, key);
    if (existing && Date.parse(existing.expires_at) > now.getTime()) {
      if (existing.fingerprint !== fingerprint) return { kind: 'mismatch' };
      return existing.status === 'done' && existing.result
        ? { kind: 'done', result: existing.result }
        : { kind: 'running' };
    }
    if (existing) {
      await this.db
        .deleteFrom('action_requests')
        .where('connection_id', '=', connectionId)
        .where('idempotency_key', '=', key)
        .execute();
    }
    try {
      await this.db
        .insertInto('action_requests')
        .values({
          connection_id: connectionId,
          idempotency_key: key,
          fingerprint,
          status: 'running',
          result: null,
          created_at: now.toISOString(),
          expires_at: new Date(now.getTime() + ttlMs).toISOString(),
        })
        .execute();
      return { kind: 'claimed' };
    } catch {
      // Another request claimed it between our read and our insert.
      return { kind: 'running' };
    }
  }

  async finish(connectionId: string, key: string, result: string): Promise<void> {
    await this.db
      .updateTable('action_requests')
      .set({ status: 'done', result })
      .where('connection_id', '=', connectionId)
      .where('idempotency_key', '=', key)
      .execute();
  }

  /** Frees a key whose request stopped before doing anything (refused, failed validation). */
  async release(connectionId: string, key: string): Promise<void> {
    await this.db
      .deleteFrom('action_requests')
      .where('connection_id', '=', connectionId)
      .where('idempotency_key', '=', key)
      .execute();
  }

  private find(connectionId: string, key: string): Promise<ActionRequestsTable | undefined> {
    return this.db
      .selectFrom('action_requests')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
  }
}
