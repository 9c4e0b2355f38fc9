import { z } from 'zod';
import { fetchText } from './fetchText.ts';
import { errorFromBody, isRateLimitCode, MondayError, parseRetryAfter, restOfMinute } from './mondayError.ts';
import { RequestBudget } from './requestBudget.ts';
import { defaultRetryOptions, type RetryOptions, withRetries } from './retryPolicy.ts';

export const MONDAY_API_URL = 'https://api.monday.com/v2';
export const DEFAULT_API_VERSION = '2026-07';

export interface GraphqlClientOptions {
  token: string;
  apiUrl?: string;
  apiVersion?: string;
  /** Shared by every client of the same account. */
  budget?: RequestBudget;
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  fetch?: typeof fetch;
}

export interface GraphqlResult<T> {
  data: T;
  requestId: string | null;
}

export interface ClientStats {
  requests: number;
  retries: number;
  rateLimited: number;
}

/** Talks to monday's GraphQL API: one error type, paced by the account's budget, bounded retries. */
export class GraphqlClient {
  readonly apiUrl: string;
  readonly apiVersion: string;
  readonly budget: RequestBudget;
  readonly stats: ClientStats = { requests: 0, retries: 0, rateLimited: 0 };
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly retry: RetryOptions;
  private readonly fetchImpl: typeof fetch;

  constructor(options: GraphqlClientOptions) {
    this.token = options.token;
    this.apiUrl = options.apiUrl ?? MONDAY_API_URL;
    this.apiVersion = options.apiVersion ?? DEFAULT_API_VERSION;
    this.budget = options.budget ?? new RequestBudget();
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retry = { ...defaultRetryOptions, ...options.retry };
    this.fetchImpl = options.fetch ?? fetch;
  }

  /**
   * Sends one operation. Queries are retried on any transient failure; a mutation only when monday refused it
   * before running it (rate limits) or when it carries an idempotency key.
   */
  async request<T>(
    document: string,
    variables: Record<string, unknown> = {},
    options: { idempotencyKey?: string } = {},
  ): Promise<GraphqlResult<T>> {
    const isMutation = /^\s*mutation\b/.test(document);
    const safe = !isMutation || Boolean(options.idempotencyKey);
    return withRetries(
      () => this.once<T>(document, variables, options.idempotencyKey),
      this.retry,
      this.budget,
      (error) => error.retryable && (safe || isRateLimitCode(error.code)),
      (error) => {
        this.stats.retries++;
        if (isRateLimitCode(error.code)) this.stats.rateLimited++;
      },
    );
  }

  private async once<T>(
    document: string,
    variables: Record<string, unknown>,
    idempotencyKey?: string,
  ): Promise<GraphqlResult<T>> {
    const release = await this.budget.acquire();
    this.stats.requests++;
    try {
      const headers: Record<string, string> = {
        authorization: this.token,
        'content-type': 'application/json',
        'api-version': this.apiVersion,
      };
      if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
      const { response, text } = await fetchText(
        this.apiUrl,
        { method: 'POST', headers, body: JSON.stringify({ query: document, variables }) },
        this.timeoutMs,
        `monday at ${this.apiUrl}`,
        this.fetchImpl,
      );
      const requestId = response.headers.get('x-request-id');
      const retryAfter = response.headers.get('retry-after');
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw statusError(response.status, requestId, retryAfter);
      }
      const error = errorFromBody(body, response.status, { retryAfter, requestId }, this.budget.now());
      await this.budget.observe({
        rateLimitHeader: response.headers.get('ratelimit'),
        rateLimitPolicyHeader: response.headers.get('ratelimit-policy'),
        complexity: complexityOf(body),
      });
      if (error) throw explainFor(error, document);
      if (!response.ok) throw statusError(response.status, requestId, retryAfter);
      const data = (body as { data?: T }).data;
      if (data === undefined || data === null) {
        throw new MondayError(
          'malformed_response',
          'monday answered without data or errors',
          true,
          null,
          requestId,
          response.status,
        );
      }
      return { data, requestId: requestId ?? extractRequestId(body) };
    } finally {
      await release();
    }
  }
}

/** monday's codes for "the token's owner may not do this" (not: the token is wrong). */
const permissionCodes = new Set(['USER_UNAUTHORIZED', 'UserUnauthorizedException', 'UNAUTHORIZED']);

/** A refusal of the token owner's rights names the operation it was refused for. */
function explainFor(error: MondayError, document: string): MondayError {
  if (!permissionCodes.has(error.code)) return error;
  const operation = /\{\s*(\w+)/.exec(document)?.[1] ?? 'this operation';
  return new MondayError(
    error.code,
    `monday refused ${operation}: the API token's owner lacks the rights for it (${error.message}); an admin's token is needed`,
    false,
    null,
    error.requestId,
    error.httpStatus,
  );
}

function extractRequestId(body: unknown): string | null {
  const id = (body as { extensions?: { request_id?: unknown } })?.extensions?.request_id;
  return typeof id === 'string' ? id : null;
}

/** An error from the HTTP status alone, for bodies that are not monday JSON (gateway pages, cut-off bodies). */
function statusError(status: number, requestId: string | null, retryAfter: string | null): MondayError {
  const wait = parseRetryAfter(retryAfter);
  if (status === 401)
    return new MondayError(
      'Unauthorized',
      'monday rejected the API token (401)',
      false,
      null,
      requestId,
      status,
    );
  if (status === 429)
    return new MondayError(
      'RATE_LIMIT_EXCEEDED',
      'monday rate limit (429)',
      true,
      wait ?? restOfMinute(Date.now()),
      requestId,
      status,
    );
  if (status >= 500)
    return new MondayError('http_5xx', `monday answered HTTP ${status}`, true, wait, requestId, status);
  // The body itself is never repeated: an endpoint's content does not travel back to the caller.
  return new MondayError(
    'malformed_response',
    `monday answered HTTP ${status} with a body that is not monday's JSON`,
    true,
    null,
    requestId,
    status,
  );
}

const budgetNumber = z.number().finite().min(0);
const complexitySchema = z.object({
  after: budgetNumber,
  query: budgetNumber,
  reset_in_x_seconds: budgetNumber,
});

/**
 * What an answer says of the complexity budget, only when it is well formed: a missing or broken figure (null,
 * a string) tells nothing and must not pause the account's requests.
 */
function complexityOf(body: unknown): z.infer<typeof complexitySchema> | null {
  const parsed = complexitySchema.safeParse((body as { data?: { complexity?: unknown } })?.data?.complexity);
  return parsed.success ? parsed.data : null;
}
