import type { Kysely } from 'kysely';
import type { ActionRequestsTable, Database } from './schema.ts';

export type ActionRequestRow = ActionRequestsTable;

/** One execution asking for a key. */
export interface ClaimRequest {
  connectionId: string;
  key: string;
  /** Hash of the request, so one key cannot be reused for a different request. */
  fingerprint: string;
  executionId: string;
  holder: string;
  now: Date;
  /** How long the key's record (and its result) is kept. */
  ttlMs: number;
  /** How long the execution holds the key without a heartbeat. */
  leaseMs: number;
}

export type ClaimResult =
  /** This execution holds the key; `previousAuditId` is the audit entry of an execution that stopped. */
  | { kind: 'claimed'; attempt: number; previousAuditId: number | null }
  | { kind: 'running'; holder: string | null; leaseExpiresAt: string | null }
  | { kind: 'done'; result: string }
  | { kind: 'mismatch' };

/** Idempotency records for actions: one key, one execution at a time, one stored result. */
export class ActionRequestsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Claims a key in one statement: a new key, an expired one, one left retryable, or one whose execution
   * stopped heartbeating (same request only) goes to this execution; anything else is reported as it is.
   */
  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const now = request.now.toISOString();
    const claimed = await this.db
      .insertInto('action_requests')
      .values({
        connection_id: request.connectionId,
        idempotency_key: request.key,
        fingerprint: request.fingerprint,
        status: 'running',
        result: null,
        created_at: now,
        expires_at: new Date(request.now.getTime() + request.ttlMs).toISOString(),
        execution_id: request.executionId,
        holder: request.holder,
        lease_expires_at: new Date(request.now.getTime() + request.leaseMs).toISOString(),
        attempt: 1,
        audit_id: null,
        previous_audit_id: null,
      })
      .onConflict((oc) =>
        oc
          .columns(['connection_id', 'idempotency_key'])
          .doUpdateSet((eb) => {
            const expired = eb('action_requests.expires_at', '<=', now);
            const pick = <T extends 'created_at' | 'expires_at'>(column: T) =>
              eb
                .case()
                .when(expired)
                .then(eb.ref(`excluded.${column}`))
                .else(eb.ref(`action_requests.${column}`))
                .end();
            return {
              fingerprint: eb.ref('excluded.fingerprint'),
              status: 'running',
              result: null,
              created_at: pick('created_at'),
              expires_at: pick('expires_at'),
              execution_id: eb.ref('excluded.execution_id'),
              holder: eb.ref('excluded.holder'),
              lease_expires_at: eb.ref('excluded.lease_expires_at'),
              attempt: eb
                .case()
                .when(expired)
                .then(1)
                .else(eb(eb.ref('action_requests.attempt'), '+', 1))
                .end(),
              // An execution that was still running when it stopped has an open audit entry to close.
              previous_audit_id: eb
                .case()
                .when('action_requests.status', '=', 'running')
                .then(eb.ref('action_requests.audit_id'))
                .else(null)
                .end(),
              audit_id: null,
            };
          })
          .where((eb) =>
            eb.or([
              eb('action_requests.expires_at', '<=', now),
              eb.and([
                eb('action_requests.fingerprint', '=', eb.ref('excluded.fingerprint')),
                eb.or([
                  eb('action_requests.status', '=', 'retryable'),
                  eb.and([
                    eb('action_requests.status', '=', 'running'),
                    eb('action_requests.lease_expires_at', '<=', now),
                  ]),
                ]),
              ]),
            ]),
          ),
      )
      .returning(['execution_id', 'attempt', 'previous_audit_id'])
      .executeTakeFirst();
    if (claimed && claimed.execution_id === request.executionId) {
      return {
        kind: 'claimed',
        attempt: Number(claimed.attempt),
        previousAuditId: claimed.previous_audit_id === null ? null : Number(claimed.previous_audit_id),
      };
    }
    const existing = await this.get(request.connectionId, request.key);
    if (!existing) return this.claim(request);
    if (existing.fingerprint !== request.fingerprint) return { kind: 'mismatch' };
    if (existing.status === 'done' && existing.result) return { kind: 'done', result: existing.result };
    return { kind: 'running', holder: existing.holder, leaseExpiresAt: existing.lease_expires_at };
  }

  /** Links the execution's open audit entry to its key, so a later attempt can close it if this one stops. */
  async setAudit(connectionId: string, key: string, executionId: string, auditId: number): Promise<void> {
    await this.mine(connectionId, key, executionId).set({ audit_id: auditId }).execute();
  }

  /** Extends the execution's hold on the key; false when another execution took it over. */
  async heartbeat(
    connectionId: string,
    key: string,
    executionId: string,
    now: Date,
    leaseMs: number,
  ): Promise<boolean> {
    const result = await this.mine(connectionId, key, executionId)
      .set({ lease_expires_at: new Date(now.getTime() + leaseMs).toISOString() })
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Ends the execution: `done` keeps its result for replay, `retryable` lets the next request run again. */
  async finish(
    connectionId: string,
    key: string,
    executionId: string,
    status: 'done' | 'retryable',
    result: string | null,
  ): Promise<void> {
    await this.mine(connectionId, key, executionId).set({ status, result, lease_expires_at: null }).execute();
  }

  get(connectionId: string, key: string): Promise<ActionRequestRow | undefined> {
    return this.db
      .selectFrom('action_requests')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
  }

  private mine(connectionId: string, key: string, executionId: string) {
    return this.db
      .updateTable('action_requests')
      .where('connection_id', '=', connectionId)
      .where('idempotency_key', '=', key)
      .where('execution_id', '=', executionId);
  }
}
