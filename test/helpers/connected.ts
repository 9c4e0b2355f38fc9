import { expect } from 'vitest';
import { createSeatwise, type Seatwise } from '../../src/compose.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/server.ts';
import type { Store } from '../../src/store/database.ts';
import { createTestDatabase, type TestDatabase } from './databases.ts';
import { expectedAccess } from './expectedAccess.ts';

/** Seatwise on a test database with one read_and_act connection to the emulator's first account, synced. */
export async function connectedSeatwise(
  emulator: RunningEmulator,
  db: TestDatabase,
  options: Parameters<typeof createSeatwise>[1] = {},
): Promise<{ app: Seatwise; connectionId: string }> {
  const app = await createSeatwise(db.config, { remote: { baseDelayMs: 1 }, ...options });
  const { id: connectionId } = await app.connections.add({
    token: emulator.accounts[0]!.tokens.admin,
    apiUrl: emulator.graphqlUrl,
    permission: 'read_and_act',
  });
  expect((await app.sync.sync(connectionId)).status).toBe('succeeded');
  return { app, connectionId };
}

/** The stored copy of a connection equals monday: every user, with the role and status monday shows. */
export async function expectCopyEqualsMonday(
  store: Store,
  connectionId: string,
  emulator: RunningEmulator,
): Promise<void> {
  const rows = await store.db
    .selectFrom('directory_users')
    .select(['remote_id', 'role', 'status'])
    .where('connection_id', '=', connectionId)
    .where('removed_at', 'is', null)
    .execute();
  const copy = new Map(rows.map((r) => [r.remote_id, `${r.role}/${r.status}`]));
  const monday = new Map(
    emulator.accounts[0]!.users.map((u) => {
      const { role, status } = expectedAccess(u);
      return [u.id, `${role}/${status}`];
    }),
  );
  expect(copy).toEqual(monday);
}

/** A connection's sync run that is running now, if any (with how many pages it has read so far). */
export function runningSync(
  store: Store,
  connectionId: string,
): Promise<{ id: string; pages_read: number } | undefined> {
  return store.db
    .selectFrom('sync_runs')
    .select(['id', 'pages_read'])
    .where('connection_id', '=', connectionId)
    .where('status', '=', 'running')
    .executeTakeFirst();
}

/** An emulator, a fresh test database and Seatwise on it, pointed at the emulator; `close` ends all three. */
export async function seatwiseWithEmulator(
  dialect: 'sqlite' | 'postgres',
  emulatorOptions: Parameters<typeof startEmulator>[0],
  remote: NonNullable<Parameters<typeof createSeatwise>[1]>['remote'] = {},
): Promise<{ emulator: RunningEmulator; db: TestDatabase; app: Seatwise; close: () => Promise<void> }> {
  const emulator = await startEmulator(emulatorOptions);
  const db = await createTestDatabase(dialect);
  const app = await createSeatwise(db.config, { remote: { defaultApiUrl: emulator.graphqlUrl, ...remote } });
  return {
    emulator,
    db,
    app,
    async close() {
      await app.close();
      await db.cleanup();
      await emulator.close();
    },
  };
}
