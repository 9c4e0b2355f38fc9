import type { Kysely } from 'kysely';
import { nextRun } from '../domain/syncSchedule.ts';
import type { Jobs } from '../jobs/jobs.ts';
import type { Database } from '../store/schema.ts';

/**
 * Turns due schedules into sync jobs. The next run is computed from now, so a schedule missed while nothing ran
 * (a stopped server) runs once, not once per missed slot; moving a connection's next run is a conditional
 * update, so schedulers in several processes enqueue it once.
 */
export class Scheduler {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly queue: Jobs,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Enqueues every due connection's sync; the ids of the connections enqueued. */
  async tick(): Promise<string[]> {
    const now = this.now();
    const at = now.toISOString();
    const rows = await this.db
      .selectFrom('connections')
      .select(['id', 'sync_schedule', 'next_sync_at'])
      .where((eb) => eb.or([eb('next_sync_at', 'is', null), eb('next_sync_at', '<=', at)]))
      .where('sync_schedule', '!=', 'off')
      .execute();
    const enqueued: string[] = [];
    for (const row of rows) {
      let next: string | null;
      try {
        next = nextRun(row.sync_schedule, now);
      } catch {
        continue;
      }
      const moved = await this.db
        .updateTable('connections')
        .set({ next_sync_at: next })
        .where('id', '=', row.id)
        .where('next_sync_at', row.next_sync_at === null ? 'is' : '=', row.next_sync_at)
        .executeTakeFirst();
      // First seen: only its next run is set. Due: synced now, once.
      if (Number(moved.numUpdatedRows) === 1 && row.next_sync_at !== null) {
        await this.queue.enqueue('sync', row.id, { trigger: 'schedule' });
        enqueued.push(row.id);
      }
    }
    return enqueued;
  }
}
