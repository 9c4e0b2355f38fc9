import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSeatwise, type Seatwise } from '../src/compose.ts';
import { AppError } from '../src/domain/appError.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from './helpers/databases.ts';

describeEachDialect('API keys (%s)', (dialect) => {
  let db: TestDatabase;
  let app: Seatwise;
  const clock = { t: Date.parse('2026-11-29T10:00:00.000Z') };

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    app = await createSeatwise(db.config, { now: () => new Date(clock.t) });
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
  });

  const refusal = async (id: string) => {
    const error = await app.keys.revoke(id).then(
      () => null,
      (e: unknown) => e,
    );
    return error instanceof AppError ? { kind: error.kind, code: error.code, message: error.message } : error;
  };

  it('never revokes the last active admin key, and says what to do instead', async () => {
    const first = await app.keys.create('admin', 'first');
    const viewer = await app.keys.create('viewer', 'reader');
    await app.keys.revoke(viewer.id);
    expect(await refusal(first.id)).toMatchObject({
      kind: 'conflict',
      code: 'last_admin_key',
      message: expect.stringContaining('create another admin key first'),
    });
    expect(await app.keys.authenticate(first.key)).toMatchObject({ role: 'admin' });
    const second = await app.keys.create('admin', 'second');
    await app.keys.revoke(first.id);
    expect(await app.keys.authenticate(first.key)).toBeNull();
    expect(await refusal(second.id)).toMatchObject({ code: 'last_admin_key' });
    // Of two revocations racing for the last two admin keys, at most one succeeds.
    const third = await app.keys.create('admin', 'third');
    const outcomes = await Promise.all([refusal(second.id), refusal(third.id)]);
    expect(outcomes.filter((o) => o === null)).toHaveLength(1);
    const active = (await app.keys.list()).filter((k) => k.role === 'admin' && k.revokedAt === null);
    expect(active).toHaveLength(1);
  });

  it('refuses a wrong key when opening a session as unauthorized', async () => {
    await expect(app.keys.openSession('sw_not_a_key')).rejects.toMatchObject({
      kind: 'unauthorized',
      code: 'invalid_key',
    });
  });

  it('deletes expired sessions when someone signs in', async () => {
    const admin = await app.keys.create('admin', 'sessions');
    const old = await app.keys.openSession(admin.key);
    expect(await app.keys.session(old.sessionId)).toMatchObject({ role: 'admin', via: 'session' });
    clock.t += 13 * 3600_000;
    expect(await app.keys.session(old.sessionId)).toBeNull();
    const fresh = await app.keys.openSession(admin.key);
    const stored = await app.store.db.selectFrom('sessions').select('expires_at').execute();
    expect(stored).toEqual([{ expires_at: fresh.expiresAt }]);
  });
});
