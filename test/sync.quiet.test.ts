import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Seatwise } from '../src/compose.ts';
import type { RunningEmulator } from '../src/emulator/server.ts';
import { seatwiseWithEmulator } from './helpers/connected.ts';
import { describeEachDialect } from './helpers/databases.ts';

/** Counts every row written to the users' copy, by a trigger in the database itself. */
async function countWrites(app: Seatwise): Promise<() => Promise<Record<string, number>>> {
  const db = app.store.db;
  await sql`create table copy_writes (op text not null)`.execute(db);
  if (app.store.dialect === 'sqlite') {
    for (const op of ['insert', 'update', 'delete'])
      await sql
        .raw(
          `create trigger copy_${op} after ${op} on directory_users begin insert into copy_writes values ('${op}'); end`,
        )
        .execute(db);
  } else {
    await sql
      .raw(
        `create function note_copy_write() returns trigger language plpgsql as $$ begin insert into copy_writes values (lower(tg_op)); return null; end $$`,
      )
      .execute(db);
    await sql
      .raw(
        'create trigger copy_writes after insert or update or delete on directory_users for each row execute function note_copy_write()',
      )
      .execute(db);
  }
  return async () => {
    const rows = (
      await sql<{ op: string; n: number }>`select op, count(*) as n from copy_writes group by op`.execute(db)
    ).rows;
    await sql`delete from copy_writes`.execute(db);
    return Object.fromEntries(rows.map((r) => [r.op, Number(r.n)]));
  };
}

describeEachDialect('a resync (%s)', (dialect) => {
  let world: Awaited<ReturnType<typeof seatwiseWithEmulator>>;
  let emulator: RunningEmulator;
  let connectionId: string;
  let writes: () => Promise<Record<string, number>>;

  beforeAll(async () => {
    world = await seatwiseWithEmulator(dialect, { users: 800, plan: 'enterprise', seed: 44 });
    emulator = world.emulator;
    ({ id: connectionId } = await world.app.connections.add({
      token: emulator.accounts[0]!.tokens.admin,
      apiUrl: emulator.graphqlUrl,
      permission: 'read',
    }));
    expect((await world.app.sync.sync(connectionId)).status).toBe('succeeded');
    writes = await countWrites(world.app);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('with nothing changed in monday writes no user row', async () => {
    const result = await world.app.sync.sync(connectionId);
    expect(result).toMatchObject({ status: 'succeeded', changes: 0, usersSeen: 800 });
    expect(await writes()).toEqual({});
  });

  it('writes exactly the rows of the users monday changed', async () => {
    const [a, b] = emulator.accounts[0]!.users.filter((u) => u.status === 'ACTIVE' && u.kind === 'member');
    a!.kind = 'view_only';
    b!.name = `${b!.name} Jr.`;
    const result = await world.app.sync.sync(connectionId);
    expect(result.status).toBe('succeeded');
    expect(result.changes).toBeGreaterThanOrEqual(2);
    expect(await writes()).toEqual({ update: 2 });
    expect((await world.app.sync.sync(connectionId)).changes).toBe(0);
    expect(await writes()).toEqual({});
  });
});
