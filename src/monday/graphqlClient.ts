import { z } from 'zod';
import { fetchText } from './fetchText.ts';
import { errorFromBody, isRateLimitCode, MondayError, parseRetryAfter, restOfMinute } from './mondayError.ts';
import { RequestBudget } from './requestBudget.ts';
import { defaultRetryOptions, type RetryOptions, withRetries } from './retryPolicy.ts';

export const MONDAY_API_URL = 'https://api.monday.com/v2';
/** A connection that follows monday's calendar sends no `API-Version`: monday serves its current version. */
export const CURRENT_API_VERSION = 'current';
export const DEFAULT_API_VERSION = CURRENT_API_VERSION;
/** The newest version Seatwise's documents are written for: assumed until monday says what it serves. */
export const NEWEST_KNOWN_VERSION = '2026-10';

/** A document, or the document to send for the version monday serves. */
export type Document = string | ((servedVersion: string) => string);

export interface GraphqlClientOptions {
  token: string;
  apiUrl?: string;
  /** `current` (no header: monday's current version) or a pinned `YYYY-MM`. */
  apiVersion?: string;
  /** The version monday served this connection last time, until an answer says otherwise. */
  servedVersion?: string | null;
  /** Told when monday serves another version than the one last known. */
  onServedVersion?: (version: string) => void;
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
  /** The version monday says it served (its `API-Version` response header); null before the first answer. */
  servedVersion: string | null;
  readonly budget: RequestBudget;
  private readonly onServedVersion?: (version: string) => void;
  readonly stats: ClientStats = { requests: 0, retries: 0, rateLimited: 0 };
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly retry: RetryOptions;
  private readonly fetchImpl: typeof fetch;

  constructor(options: GraphqlClientOptions) {
    this.token = options.token;
    this.apiUrl = options.apiUrl ?? MONDAY_API_URL;
    this.apiVersion = options.apiVersion ?? DEFAULT_API_VERSION;
    this.servedVersion = options.servedVersion ?? null;
    this.onServedVersion = options.onServedVersion;
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
    document: Document,
    variables: Record<string, unknown> = {},
    options: { idempotencyKey?: string } = {},
  ): Promise<GraphqlResult<T>> {
    if (typeof document === 'string') return this.send<T>(document, variables, options);
    const sent = document(this.documentVersion());
    try {
      return await this.send<T>(sent, variables, options);
    } catch (error) {
      // monday served another version than the document was chosen for (a deprecated pin, a new current
      // version): the document for the version it served, once.
      const again = document(this.documentVersion());
      if (again === sent || !(error instanceof MondayError)) throw error;
      return this.send<T>(again, variables, options);
    }
  }

  /** The version documents are chosen for: the one monday served, else the pin, else the newest known. */
  documentVersion(): string {
    return (
      this.servedVersion ?? (this.apiVersion === CURRENT_API_VERSION ? NEWEST_KNOWN_VERSION : this.apiVersion)
    );
  }

  private async send<T>(
    document: string,
    variables: Record<string, unknown>,
    options: { idempotencyKey?: string },
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
      };
      if (this.apiVersion !== CURRENT_API_VERSION) headers['api-version'] = this.apiVersion;
      if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
      const { response, text } = await fetchText(
        this.apiUrl,
        { method: 'POST', headers, body: JSON.stringify({ query: document, variables }) },
        this.timeoutMs,
        `monday at ${this.apiUrl}`,
        this.fetchImpl,
      );
      const requestId = response.headers.get('x-request-id');
      this.noteServed(response.headers.get('api-version'));
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

  private noteServed(header: string | null): void {
    const served = header?.trim();
    if (!served || !/^\d{4}-(0[1-9]|1[0-2])$/.test(served) || served === this.servedVersion) return;
    this.servedVersion = served;
    this.onServedVersion?.(served);
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
