import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Database, OffboardingStepsTable, OffboardingsTable } from './schema.ts';

export type OffboardingRow = Selectable<OffboardingsTable>;
export type OffboardingStepRow = Selectable<OffboardingStepsTable>;

/** Offboardings and their per-account steps. */
export class OffboardingsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Stores a new offboarding with its steps, or finds the one already stored under the same idempotency key
   * (two processes asking at once get the same one).
   */
  async createOrFind(
    offboarding: OffboardingRow,
    steps: OffboardingStepRow[],
  ): Promise<{ created: boolean; row: OffboardingRow }> {
    const created = await this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('offboardings')
        .values(offboarding)
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      if (steps.length > 0) await trx.insertInto('offboarding_steps').values(steps).execute();
      return true;
    });
    const row = await this.db
      .selectFrom('offboardings')
      .selectAll()
      .where('idempotency_key', '=', offboarding.idempotency_key)
      .executeTakeFirstOrThrow();
    return { created, row };
  }

  get(id: string): Promise<OffboardingRow | undefined> {
    return this.db.selectFrom('offboardings').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(limit: number): Promise<OffboardingRow[]> {
    return this.db
      .selectFrom('offboardings')
      .selectAll()
      .orderBy('requested_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  steps(offboardingId: string): Promise<OffboardingStepRow[]> {
    return this.db
      .selectFrom('offboarding_steps')
      .selectAll()
      .where('offboarding_id', '=', offboardingId)
      .orderBy('account_name')
      .orderBy('connection_id')
      .execute();
  }

  /** Writes a step for the run holding the offboarding (`holder`); false when another run took it over. */
  async updateStep(
    offboardingId: string,
    connectionId: string,
    holder: string,
    changes: Updateable<OffboardingStepsTable>,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('offboarding_steps')
      .set(changes)
      .where('offboarding_id', '=', offboardingId)
      .where('connection_id', '=', connectionId)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('offboardings')
            .select('id')
            .where('id', '=', offboardingId)
            .where('holder', '=', holder),
        ),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Takes a running offboarding for `holder` unless another holds it with a live lease. */
  async claim(id: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
    const at = now.toISOString();
    const result = await this.db
      .updateTable('offboardings')
      .set({ holder, lease_until: new Date(now.getTime() + ttlMs).toISOString() })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .where((eb) =>
        eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', at), eb('holder', '=', holder)]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Extends the run's lease; false when another run holds the offboarding now. */
  async heartbeat(id: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('offboardings')
      .set({ lease_until: new Date(now.getTime() + ttlMs).toISOString() })
      .where('id', '=', id)
      .where('holder', '=', holder)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async finish(id: string, holder: string, status: OffboardingRow['status'], at: string): Promise<void> {
    await this.db
      .updateTable('offboardings')
      .set({ status, finished_at: status === 'running' ? null : at, holder: null, lease_until: null })
      .where('id', '=', id)
      .where('holder', '=', holder)
      .execute();
  }

  /** Puts a finished offboarding back to running, to run its failed steps again. */
  async reopen(id: string): Promise<void> {
    await this.db
      .updateTable('offboardings')
      .set({ status: 'running', finished_at: null })
      .where('id', '=', id)
      .where('status', 'in', ['partial', 'failed'])
      .execute();
  }
}
