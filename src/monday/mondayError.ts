/** Every failure talking to monday (GraphQL or SCIM) becomes this one error; retrying is the caller's policy. */
export class MondayError extends Error {
  override readonly name = 'MondayError';
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    /** How long monday asked us to wait before trying again (retry_in_seconds / Retry-After), if it said. */
    readonly waitMs: number | null,
    readonly requestId: string | null,
    /** The HTTP status, or null when no answer arrived. */
    readonly httpStatus: number | null,
  ) {
    super(message);
  }

  toJSON() {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      waitMs: this.waitMs,
      requestId: this.requestId,
      httpStatus: this.httpStatus,
    };
  }
}

/** Codes that mean "slow down and try again". */
const rateLimitCodes = new Set([
  'COMPLEXITY_BUDGET_EXHAUSTED',
  'ComplexityException',
  'RATE_LIMIT_EXCEEDED',
  'Rate Limit Exceeded',
  'maxConcurrencyExceeded',
  'IP_RATE_LIMIT_EXCEEDED',
  'FIELD_LIMIT_EXCEEDED',
  'API_TEMPORARILY_BLOCKED',
  'IDEMPOTENCY_CONFLICT',
  'COMPLEXITY_EXCEPTION',
]);

/** Codes worth retrying after a short pause (the server's fault, not ours). */
const transientCodes = new Set([
  'INTERNAL_SERVER_ERROR',
  'Internal Server Error',
  'http_5xx',
  'timeout',
  'network_error',
  'malformed_response',
]);

/** Daily limits are retryable in principle but the wait is hours: callers should not sit on it. */
export function isRetryableCode(code: string): boolean {
  return rateLimitCodes.has(code) || transientCodes.has(code);
}

export function isRateLimitCode(code: string): boolean {
  return rateLimitCodes.has(code) || code === 'DAILY_LIMIT_EXCEEDED';
}

/**
 * An upstream's own words, kept short: monday's error messages are worth showing, but no endpoint can make
 * Seatwise carry a long text (a page, a file) back to the caller.
 */
export function brief(message: string, max = 200): string {
  const flat = message.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

interface ErrorEntry {
  message?: unknown;
  extensions?: {
    code?: unknown;
    retry_in_seconds?: unknown;
    request_id?: unknown;
    status_code?: unknown;
    error_data?: { retry_in_seconds?: unknown } | null;
  };
}

/** What an answer says, whichever of monday's two error formats (or a bare string list) it uses. */
interface ErrorFacts {
  code: string | null;
  message: string;
  waitSeconds: unknown;
  statusInBody: unknown;
  requestId: string | null;
}

function readFacts(body: unknown): ErrorFacts | null {
  if (!body || typeof body !== 'object') return null;
  const record = body as {
    errors?: unknown;
    error_code?: unknown;
    error_message?: unknown;
    error_data?: { retry_in_seconds?: unknown } | null;
    status_code?: unknown;
    extensions?: { request_id?: unknown };
  };
  const bodyRequestId =
    typeof record.extensions?.request_id === 'string' ? record.extensions.request_id : null;
  const entries = Array.isArray(record.errors) ? (record.errors as (ErrorEntry | string)[]) : [];
  const messages = entries
    .slice(0, 3)
    .map((e) => brief(typeof e === 'string' ? e : typeof e?.message === 'string' ? e.message : ''))
    .filter(Boolean);
  if (typeof record.error_code === 'string') {
    return {
      code: record.error_code,
      message: typeof record.error_message === 'string' ? brief(record.error_message) : messages.join('; '),
      waitSeconds: record.error_data?.retry_in_seconds,
      statusInBody: record.status_code,
      requestId: bodyRequestId,
    };
  }
  if (entries.length === 0) return null;
  const first = entries.find((e): e is ErrorEntry => typeof e === 'object' && e !== null);
  const extensions = first?.extensions;
  return {
    code: typeof extensions?.code === 'string' ? extensions.code : null,
    message: messages.join('; '),
    waitSeconds: extensions?.retry_in_seconds ?? extensions?.error_data?.retry_in_seconds,
    statusInBody: extensions?.status_code ?? record.status_code,
    requestId: (typeof extensions?.request_id === 'string' ? extensions.request_id : null) ?? bodyRequestId,
  };
}

const notAuthenticated = /not authenticated/i;
const rateLimitMessage =
  /rate limit|limit rate exceeded|concurrency limit|complexity budget|budget exhausted|too many requests/i;
const internalErrorMessage = /internal server error/i;

/**
 * Classifies monday's answer into one MondayError, or null when it holds no error. The HTTP status decides
 * first (401 is always the token, 429 always a rate limit, 5xx always transient), then the code, then the
 * message, since monday documents some refusals by message only. A rate limit always carries a wait: monday's
 * own, else the rest of the current minute window.
 */
export function errorFromBody(
  body: unknown,
  httpStatus: number,
  headers: { retryAfter: string | null; requestId: string | null },
  now: number = Date.now(),
): MondayError | null {
  const facts = readFacts(body);
  if (!facts) return null;
  const requestId = facts.requestId ?? headers.requestId;
  const headerWait = parseRetryAfter(headers.retryAfter);
  const said = facts.message || facts.code || `HTTP ${httpStatus}`;
  if (httpStatus === 401 || facts.code === 'Unauthorized' || notAuthenticated.test(facts.message)) {
    return new MondayError(
      'Unauthorized',
      `monday did not accept the API token (${said}): it is wrong, expired or was revoked`,
      false,
      null,
      requestId,
      httpStatus,
    );
  }
  const code = facts.code ?? (httpStatus >= 500 ? 'INTERNAL_SERVER_ERROR' : 'GRAPHQL_ERROR');
  const rateLimited =
    httpStatus === 429 ||
    Number(facts.statusInBody) === 429 ||
    isRateLimitCode(code) ||
    rateLimitMessage.test(facts.message);
  if (rateLimited) {
    const rateCode = facts.code ?? 'RATE_LIMIT_EXCEEDED';
    const wait =
      secondsToMs(facts.waitSeconds) ??
      headerWait ??
      waitFromLegacyMessage(facts.message) ??
      restOfMinute(now);
    if (rateCode === 'DAILY_LIMIT_EXCEEDED')
      return new MondayError(
        rateCode,
        dailyLimitMessage(facts.message, wait, now),
        false,
        wait,
        requestId,
        httpStatus,
      );
    return new MondayError(
      rateCode,
      facts.message || describeRateLimit(rateCode),
      rateCode !== 'DAILY_LIMIT_EXCEEDED',
      wait,
      requestId,
      httpStatus,
    );
  }
  if (httpStatus >= 500 || code === 'INTERNAL_SERVER_ERROR' || internalErrorMessage.test(facts.message)) {
    return new MondayError(code, said, true, headerWait, requestId, httpStatus);
  }
  return new MondayError(code, said, isRetryableCode(code), headerWait, requestId, httpStatus);
}

/**
 * A daily limit names when it ends: monday's day resets at 00:00 UTC. Not retried: the wait is hours, and
 * every refused call still counts against the account.
 */
export function dailyLimitMessage(said: string, waitMs: number | null, now: number): string {
  const reset = new Date(Math.floor(now / 86_400_000 + 1) * 86_400_000);
  const left = waitMs ?? reset.getTime() - now;
  const hours = Math.floor(left / 3_600_000);
  const minutes = Math.ceil((left % 3_600_000) / 60_000);
  return `monday's daily API call limit for this account is used up${said ? ` (${said})` : ''}: it resets at 00:00 UTC (${reset.toISOString().slice(0, 16).replace('T', ' ')} UTC, in ${hours} h ${minutes} min); every integration of the account shares it`;
}

/** What a rate-limit refusal without a message means, for people. */
export function describeRateLimit(code: string): string {
  if (/complexity/i.test(code)) return "monday's complexity budget is exhausted";
  if (/concurrency|FIELD_LIMIT/i.test(code)) return "monday's concurrency limit was reached";
  if (/DAILY/i.test(code)) return "monday's daily call limit was reached";
  return "monday's per-minute request limit was reached";
}

/** Until the next minute boundary (plus a second), for a refusal that names no wait. */
export function restOfMinute(now: number): number {
  return 60_000 - (now % 60_000) + 1000;
}

/** Retry-After is either seconds or an HTTP date. */
export function parseRetryAfter(value: string | null): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function secondsToMs(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 1000) : null;
}

/** Legacy ComplexityException messages end "... reset in N seconds". */
function waitFromLegacyMessage(message: unknown): number | null {
  if (typeof message !== 'string') return null;
  const match = /reset in (\d+) seconds?/i.exec(message);
  return match ? Number(match[1]) * 1000 : null;
}

/**
 * Reads an answer with the shape Seatwise expects, or fails with one clear, final error naming what and where:
 * monday data of an unexpected shape is never half-used.
 */
export function parseAnswer<T>(
  schema: {
    safeParse(
      data: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  data: unknown,
  what: string,
  requestId: string | null = null,
): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.map(String).join('.') || 'the answer';
  throw new MondayError(
    'unexpected_response',
    `monday's ${what} answer did not have the expected shape (${where}: ${brief(issue?.message ?? 'invalid', 120)})`,
    false,
    null,
    requestId,
    200,
  );
}
