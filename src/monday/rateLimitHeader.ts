/** One entry of monday's `RateLimit` header (`"minuteRate";r=4999;t=45`) or `RateLimit-Policy` (`q=5000;w=60`). */
export interface RateLimitEntry {
  remaining: number | null;
  resetSeconds: number | null;
  /** The limit itself (`q`, in `RateLimit-Policy`). */
  quota: number | null;
}

/**
 * Parses monday's structured `RateLimit` or `RateLimit-Policy` header into entries by policy name
 * (minuteRate, concurrency, complexityMinute).
 */
export function parseRateLimitHeader(value: string | null): Record<string, RateLimitEntry> {
  const out: Record<string, RateLimitEntry> = {};
  if (!value) return out;
  for (const part of value.split(',')) {
    const [rawName, ...params] = part.trim().split(';');
    const name = rawName?.trim().replace(/^"|"$/g, '');
    if (!name) continue;
    const entry: RateLimitEntry = { remaining: null, resetSeconds: null, quota: null };
    for (const param of params) {
      const [key, raw] = param.split('=');
      const n = Number(raw);
      if (raw === undefined || raw.trim() === '' || !Number.isFinite(n)) continue;
      if (key?.trim() === 'r') entry.remaining = n;
      if (key?.trim() === 't') entry.resetSeconds = n;
      if (key?.trim() === 'q') entry.quota = n;
    }
    if (entry.remaining !== null || entry.quota !== null) out[name] = entry;
  }
  return out;
}
