import type { Kysely } from 'kysely';
import type { Jobs } from '../jobs/jobs.ts';
import type { Database } from '../store/schema.ts';
import type { SyncResult } from '../sync/syncEngine.ts';
import type { ConnectionsService } from './connections.ts';

/** What Seatwise tells a connection's webhook about. */
export type NotificationEvent =
  | 'proposals'
  | 'sync_failed'
  | 'token_invalid'
  | 'review_reminder'
  | 'renewal_reminder';

/** Waits before each retry of a delivery that failed; after the last, the delivery is given up as failed. */
export const RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000, 600_000];

/**
 * Delivers notifications to connections' webhooks as JSON with a Slack-compatible `text` field. Each is stored
 * first; a `webhooks` job of the connection (run by a worker: the one in `seatwise serve` or `seatwise worker`)
 * sends what is due, one job per connection at a time so no notification goes out twice, and a refused or
 * unanswered delivery is tried again with growing waits (RETRY_DELAYS_MS). A receiver's answer is never stored
 * or shown.
 */
export class Notifier {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly connections: ConnectionsService,
    private readonly jobs: Pick<Jobs, 'enqueue'>,
    private readonly now: () => Date = () => new Date(),
    private readonly retryDelaysMs: readonly number[] = RETRY_DELAYS_MS,
  ) {}

  /** Stores a notification for the connection's webhook (none set: nothing happens) and queues its delivery. */
  async notify(
    connectionId: string,
    event: NotificationEvent,
    text: string,
    data: Record<string, unknown> = {},
  ): Promise<void> {
    if (!(await this.connections.webhookUrl(connectionId))) return;
    await this.store(this.db, connectionId, event, text, data);
    await this.jobs.enqueue('webhooks', connectionId);
  }

  /**
   * Like `notify`, but only the first time for `key`, in every process: the key is claimed and the
   * notification stored in one transaction, so it is never sent twice nor lost to a crash (a stored one is
   * queued again by `resume`). True when this call stored it.
   */
  async notifyOnce(
    key: string,
    connectionId: string,
    event: NotificationEvent,
    text: string,
    data: Record<string, unknown> = {},
  ): Promise<boolean> {
    if (!(await this.connections.webhookUrl(connectionId))) return false;
    const stored = await this.db.transaction().execute(async (trx) => {
      const claimed = await trx
        .insertInto('settings')
        .values({ key: `notified:${key}`, value: JSON.stringify(this.now().toISOString()) })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      if (Number(claimed.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      await this.store(trx, connectionId, event, text, data);
      return true;
    });
    if (stored) await this.jobs.enqueue('webhooks', connectionId);
    return stored;
  }

  private async store(
    db: Kysely<Database>,
    connectionId: string,
    event: NotificationEvent,
    text: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    const at = this.now().toISOString();
    await db
      .insertInto('webhook_deliveries')
      .values({
        connection_id: connectionId,
        event,
        payload: JSON.stringify({ text, event, connectionId, at, ...data }),
        status: 'pending',
        attempts: 0,
        next_attempt_at: at,
        last_error: null,
        created_at: at,
      })
      .execute();
  }

  /** Queues the delivery of every connection that has notifications waiting. */
  async resume(): Promise<void> {
    const waiting = await this.db
      .selectFrom('webhook_deliveries')
      .select('connection_id')
      .distinct()
      .where('status', '=', 'pending')
      .execute();
    for (const row of waiting) if (row.connection_id) await this.jobs.enqueue('webhooks', row.connection_id);
  }

  /**
   * Sends the connection's due notifications once each (the `webhooks` job). What is left to retry is queued
   * again for when it is due.
   */
  async deliverDue(connectionId: string): Promise<{ delivered: number; failed: number; pending: number }> {
    const due = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', this.now().toISOString())
      .orderBy('id')
      .limit(100)
      .execute();
    const counts = { delivered: 0, failed: 0, pending: 0 };
    // One connection's deliveries all go to its webhook: look it up once for the round.
    const receiver = due.length > 0 ? await this.receiver(connectionId) : 'nothing to send';
    for (const delivery of due) {
      const attempts = Number(delivery.attempts) + 1;
      const error = await this.send(receiver, delivery.payload);
      const gaveUp = error !== null && attempts > this.retryDelaysMs.length;
      const status = error === null ? 'delivered' : gaveUp ? 'failed' : 'pending';
      counts[status]++;
      await this.db
        .updateTable('webhook_deliveries')
        .set({
          attempts,
          status,
          last_error: error,
          next_attempt_at:
            error === null || gaveUp
              ? this.now().toISOString()
              : new Date(this.now().getTime() + this.retryDelaysMs[attempts - 1]!).toISOString(),
        })
        .where('id', '=', delivery.id)
        .execute();
    }
    const next = await this.db
      .selectFrom('webhook_deliveries')
      .select('next_attempt_at')
      .where('connection_id', '=', connectionId)
      .where('status', '=', 'pending')
      .orderBy('next_attempt_at')
      .limit(1)
      .executeTakeFirst();
    if (next)
      await this.jobs.enqueue('webhooks', connectionId, {}, { runAfter: new Date(next.next_attempt_at) });
    return counts;
  }

  /** Where a connection's notifications go now, or why they cannot go (never the receiver's answer). */
  private async receiver(connectionId: string): Promise<{ url: string; fetch: typeof fetch } | string> {
    const url = await this.connections.webhookUrl(connectionId).catch(() => null);
    if (!url) return 'the connection has no webhook any more';
    try {
      return { url, fetch: this.connections.webhookFetch(url) };
    } catch (error) {
      return (error as Error).message;
    }
  }

  /** One attempt: null when the receiver accepted it (2xx), else why not. */
  private async send(
    receiver: { url: string; fetch: typeof fetch } | string,
    payload: string,
  ): Promise<string | null> {
    if (typeof receiver === 'string') return receiver;
    const { url, fetch: fetchImpl } = receiver;
    try {
      const response = await fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Seatwise' },
        body: payload,
        signal: AbortSignal.timeout(5_000),
      });
      await response.body?.cancel().catch(() => {});
      return response.ok ? null : `the receiver answered HTTP ${response.status}`;
    } catch {
      return 'the receiver could not be reached';
    }
  }
}

/** A failed sync is worth a word; one that failed because monday refused the token, a more urgent one. */
export async function notifyFailure(
  notifier: Notifier,
  connections: ConnectionsService,
  result: SyncResult,
): Promise<void> {
  if (result.status !== 'failed' || !result.error) return;
  const connection = await connections.get(result.connectionId);
  const tokenRefused = /unauthori[sz]ed|not.?authenticated|access.?denied|invalid.?token/i.test(
    `${result.error.code} ${result.error.message}`,
  );
  await notifier.notify(
    result.connectionId,
    tokenRefused ? 'token_invalid' : 'sync_failed',
    tokenRefused
      ? `Seatwise: monday no longer accepts the API token of ${connection.accountName}; enter a current one in the connection's settings (${result.error.message}).`
      : `Seatwise: the sync of ${connection.accountName} failed and the stored users are unchanged: ${result.error.message}`,
    { runId: result.runId, error: { code: result.error.code, message: result.error.message } },
  );
}
