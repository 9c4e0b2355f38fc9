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

interface ErrorEntry {
  message?: unknown;
  extensions?: {
    code?: unknown;
    retry_in_seconds?: unknown;
    request_id?: unknown;
    status_code?: unknown;
    error_data?: unknown;
  };
}

/**
 * Reads monday's error body in either format — unified `errors[].extensions.code` or the legacy top-level
 * `error_code` — and returns one MondayError, or null when the body holds no error.
 */
export function errorFromBody(
  body: unknown,
  httpStatus: number,
  headers: { retryAfter: string | null; requestId: string | null },
): MondayError | null {
  if (!body || typeof body !== 'object') return null;
  const record = body as {
    errors?: unknown;
    error_code?: unknown;
    error_message?: unknown;
    error_data?: unknown;
    status_code?: unknown;
    extensions?: { request_id?: unknown };
  };
  const headerWait = parseRetryAfter(headers.retryAfter);
  if (typeof record.error_code === 'string') {
    const data = (record.error_data ?? {}) as { retry_in_seconds?: unknown };
    const wait =
      secondsToMs(data.retry_in_seconds) ?? headerWait ?? waitFromLegacyMessage(record.error_message);
    return new MondayError(
      record.error_code,
      typeof record.error_message === 'string' ? record.error_message : record.error_code,
      isRetryableCode(record.error_code),
      wait,
      headers.requestId,
      httpStatus,
    );
  }
  if (!Array.isArray(record.errors) || record.errors.length === 0) return null;
  const first = record.errors[0] as ErrorEntry | string;
  if (typeof first === 'string') {
    const code = httpStatus === 401 ? 'Unauthorized' : 'GRAPHQL_ERROR';
    return new MondayError(code, first, false, headerWait, headers.requestId, httpStatus);
  }
  const code =
    typeof first.extensions?.code === 'string'
      ? first.extensions.code
      : httpStatus === 401
        ? 'Unauthorized'
        : 'GRAPHQL_ERROR';
  const requestId =
    (typeof first.extensions?.request_id === 'string' ? first.extensions.request_id : null) ??
    (typeof record.extensions?.request_id === 'string' ? record.extensions.request_id : null) ??
    headers.requestId;
  const messages = (record.errors as ErrorEntry[])
    .map((e) => (typeof e?.message === 'string' ? e.message : ''))
    .filter(Boolean);
  return new MondayError(
    code,
    messages.join('; ') || code,
    isRetryableCode(code),
    secondsToMs(first.extensions?.retry_in_seconds) ?? headerWait,
    requestId,
    httpStatus,
  );
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
