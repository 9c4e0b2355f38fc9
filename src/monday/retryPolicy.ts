import pRetry from 'p-retry';
import { MondayError } from './mondayError.ts';
import type { RequestBudget } from './requestBudget.ts';

export interface RetryOptions {
  /** Retries after the first attempt, for transient faults and rate limits alike. */
  maxRetries: number;
  /** Longest wait monday may ask for that we will sit through; longer (a daily limit) fails at once. */
  maxWaitMs: number;
  /** Base of the exponential back-off with jitter for faults that carry no wait time. */
  baseDelayMs: number;
}

export const defaultRetryOptions: RetryOptions = { maxRetries: 5, maxWaitMs: 120_000, baseDelayMs: 250 };

/**
 * Runs `attempt` with bounded retries: only MondayErrors marked retryable are retried, waiting as monday asked
 * (the whole account's budget pauses) or backing off with jitter. `retryable` narrows what this call may retry.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  options: RetryOptions,
  budget: RequestBudget,
  retryable: (error: MondayError) => boolean = (e) => e.retryable,
  onRetry?: (error: MondayError) => void,
): Promise<T> {
  let waitedMs = 0;
  let waits = 0;
  try {
    return await retry();
  } catch (error) {
    // A refusal that outlasted every wait says so, rather than looking like a one-off failure.
    if (error instanceof MondayError && waits > 0 && error.waitMs !== null) {
      throw new MondayError(
        error.code,
        `${error.message} (monday still refused after ${waits} ${waits === 1 ? 'wait' : 'waits'} totalling ${Math.round(waitedMs / 1000)} s)`,
        error.retryable,
        error.waitMs,
        error.requestId,
        error.httpStatus,
      );
    }
    throw error;
  }

  function retry(): Promise<T> {
    return pRetry(attempt, {
      retries: options.maxRetries,
      minTimeout: options.baseDelayMs,
      factor: 2,
      randomize: true,
      maxTimeout: 10_000,
      shouldRetry: ({ error }) =>
        error instanceof MondayError &&
        retryable(error) &&
        (error.waitMs === null || error.waitMs <= options.maxWaitMs),
      onFailedAttempt: ({ error, retriesLeft }) => {
        if (!(error instanceof MondayError) || retriesLeft === 0) return;
        if (error.waitMs !== null && error.waitMs <= options.maxWaitMs) {
          budget.pauseFor(error.waitMs);
          waitedMs += error.waitMs;
          waits++;
        }
        if (retryable(error)) onRetry?.(error);
      },
    });
  }
}
