import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { SyncResult } from '../sync/syncEngine.ts';
import type { ConnectionsService } from './connections.ts';

/** What Seatwise tells a connection's webhook about. */
export type NotificationEvent = 'proposals' | 'sync_failed' | 'token_invalid';

/** Waits before each retry of a delivery that failed; after the last, the delivery is given up as failed. */
export const RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000, 600_000];

/**
 * Delivers notifications to connections' webhooks as JSON with a Slack-compatible `text` field. Each is stored
 * first and then sent; a refused or unanswered delivery is retried with growing waits (RETRY_DELAYS_MS), while
 * this process runs and again when one starts. A receiver's answer is never stored or shown.
 */
export class Notifier {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly connections: ConnectionsService,
    private readonly now: () => Date = () => new Date(),
    private readonly retryDelaysMs: readonly number[] = RETRY_DELAYS_MS,
  ) {}

  /** Queues a notification for the connection's webhook (none set: nothing happens) and sends it soon. */
  async notify(
    connectionId: string,
    event: NotificationEvent,
    text: string,
    data: Record<string, unknown> = {},
  ): Promise<void> {
    if (!(await this.connections.webhookUrl(connectionId))) return;
    const at = this.now().toISOString();
    await this.db
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
    this.kick();
  }

  /** Sends what is due now, and plans the next round for what is left. */
  kick(): void {
    if (this.closed) return;
    this.running ??= this.deliverDue().finally(() => {
      this.running = null;
    });
  }

  /** Stops retrying in this process (pending deliveries stay stored) once the round in flight is done. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Delivers every due notification once; returns when this round is done. */
  async deliverDue(): Promise<void> {
    const due = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', this.now().toISOString())
      .orderBy('id')
      .limit(100)
      .execute();
    for (const delivery of due) {
      const attempts = Number(delivery.attempts) + 1;
      const error = await this.send(delivery.connection_id, delivery.payload);
      const gaveUp = error !== null && attempts > this.retryDelaysMs.length;
      await this.db
        .updateTable('webhook_deliveries')
        .set({
          attempts,
          status: error === null ? 'delivered' : gaveUp ? 'failed' : 'pending',
          last_error: error,
          next_attempt_at:
            error === null || gaveUp
              ? this.now().toISOString()
              : new Date(this.now().getTime() + this.retryDelaysMs[attempts - 1]!).toISOString(),
        })
        .where('id', '=', delivery.id)
        .execute();
    }
    await this.planNext();
  }

  private async planNext(): Promise<void> {
    if (this.closed) return;
    const next = await this.db
      .selectFrom('webhook_deliveries')
      .select('next_attempt_at')
      .where('status', '=', 'pending')
      .orderBy('next_attempt_at')
      .limit(1)
      .executeTakeFirst();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!next) return;
    const wait = Math.max(0, Date.parse(next.next_attempt_at) - this.now().getTime());
    this.timer = setTimeout(() => this.kick(), wait);
    this.timer.unref();
  }

  /** One attempt: null when the receiver accepted it (2xx), else why not (never its answer). */
  private async send(connectionId: string | null, payload: string): Promise<string | null> {
    const url = connectionId ? await this.connections.webhookUrl(connectionId).catch(() => null) : null;
    if (!url) return 'the connection has no webhook any more';
    let fetchImpl: typeof fetch;
    try {
      fetchImpl = this.connections.webhookFetch(url);
    } catch (error) {
      return (error as Error).message;
    }
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
