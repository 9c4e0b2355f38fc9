import { randomUUID } from 'node:crypto';
import type { ActionRequestInput } from '../actions/actionInput.ts';
import type { ActionResult } from '../actions/actionRunner.ts';
import type { Seatwise } from '../compose.ts';

export interface QueuedAction {
  jobId: string;
  /** The key the worker runs it with: asking again with it repeats the result instead of acting twice. */
  idempotencyKey: string;
  /** The plan as of now (a dry run); the worker plans again from the copy when it runs. */
  plan: ActionResult['plan'];
}

/**
 * Queues an action batch for the workers. It is checked first, as a dry run, so a request that would be
 * refused (bad input, a read-only connection, unknown users) is refused now rather than in a worker; the
 * job carries an idempotency key, so however often it is tried, monday is acted on once.
 */
export async function queueAction(
  seatwise: Pick<Seatwise, 'actions' | 'jobs'>,
  input: ActionRequestInput,
  actor: string,
): Promise<QueuedAction> {
  const preview = await seatwise.actions.run({ ...input, dryRun: true }, actor);
  const idempotencyKey = input.idempotencyKey ?? `job-${randomUUID()}`;
  const request = { ...input, dryRun: false, idempotencyKey };
  const jobId = await seatwise.jobs.enqueue('action', null, { request, actor });
  return { jobId, idempotencyKey, plan: preview.plan };
}
