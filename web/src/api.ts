/** The one way the web UI talks to Seatwise: the HTTP API, with the session cookie and its CSRF token. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> | undefined,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
let onSignedOut: ((message: string) => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when the API says the session is gone (expired, signed out elsewhere, key revoked). */
export function whenSignedOut(handler: (message: string) => void): void {
  onSignedOut = handler;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(
      0,
      'network_error',
      'Seatwise could not be reached. Is the server running?',
      undefined,
    );
  }
  if (response.status === 204) return undefined as T;
  const data = (await response.json().catch(() => null)) as
    | (T & { error?: { code: string; message: string; details?: Record<string, unknown> } })
    | null;
  if (!response.ok) {
    const error = new ApiError(
      response.status,
      data?.error?.code ?? 'http_error',
      data?.error?.message ?? `Seatwise answered HTTP ${response.status}`,
      data?.error?.details,
    );
    if (response.status === 401 && path !== '/api/session') onSignedOut?.(error.message);
    throw error;
  }
  return data as T;
}

/** A query string from the set values only. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
