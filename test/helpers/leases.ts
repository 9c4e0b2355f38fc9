import type { Store } from '../../src/store/database.ts';

/**
 * The lease a killed process left, moved by the test instead of waited for: held (as if the dead process had
 * just renewed it) while a test checks that another process is refused, then lapsed (as if its length had
 * passed) for the take-over. A cold CLI start on a busy machine can take longer than a lease, so a window the
 * test means to be inside is made a fact, not a race.
 */
type Leased = 'actions' | 'sync' | 'offboardings';

async function setLeases(store: Store, what: Leased, until: string): Promise<number> {
  const db = store.db;
  const result =
    what === 'actions'
      ? await db
          .updateTable('action_requests')
          .set({ lease_expires_at: until })
          .where('status', '=', 'running')
          .executeTakeFirst()
      : what === 'sync'
        ? await db.updateTable('connection_leases').set({ expires_at: until }).executeTakeFirst()
        : await db
            .updateTable('offboardings')
            .set({ lease_until: until })
            .where('status', '=', 'running')
            .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Holds the dead process's leases for an hour; fails unless there was one to hold. */
export async function holdDeadLeases(store: Store, what: Leased): Promise<void> {
  const held = await setLeases(store, what, new Date(Date.now() + 3_600_000).toISOString());
  if (held === 0) throw new Error(`no ${what} lease to hold: the killed process left none`);
}

/** Lapses them: they ended a second ago. */
export async function lapseDeadLeases(store: Store, what: Leased): Promise<void> {
  await setLeases(store, what, new Date(Date.now() - 1_000).toISOString());
}
