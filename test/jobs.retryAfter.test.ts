import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSeatwise, type Seatwise } from '../src/compose.ts';
import type { JobOutcome } from '../src/jobs/jobs.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from './helpers/databases.ts';

/** Longer than either queue's own first backoff, so only the job's own wait can explain the gap. */
const WAIT_MS = 12_000;

describeEachDialect('a job told when to come back (%s)', (dialect) => {
  let db: TestDatabase;
  let app: Seatwise;

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    app = await createSeatwise(db.config);
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
  });

  it('waits as long as it was told (another process holds what it needs), not the queue backoff', async () => {
    const attempts: number[] = [];
    const working = app.jobs.work(
      'test-worker',
      { concurrency: 1, leaseMs: 30_000, pollMs: 100 },
      async (): Promise<JobOutcome> => {
        attempts.push(Date.now());
        return attempts.length === 1
          ? { retry: 'the connection is busy', afterMs: WAIT_MS }
          : { done: 'ran' };
      },
    );
    try {
      await working.ready;
      const id = await app.jobs.enqueue('webhooks', null, {});
      working.poke();
      await expect
        .poll(async () => (await app.jobs.state(id))?.status, { timeout: WAIT_MS + 20_000, interval: 200 })
        .toBe('done');
      expect(attempts).toHaveLength(2);
      expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(WAIT_MS - 500);
    } finally {
      await working.stop();
    }
  }, 60_000);
});
