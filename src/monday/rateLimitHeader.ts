/** One entry of monday's `RateLimit` header: `"minuteRate";r=4999;t=45`. */
export interface RateLimitEntry {
  remaining: number;
  resetSeconds: number | null;
}

/** Parses the structured `RateLimit` header into entries by policy name (minuteRate, concurrency, complexityMinute). */
export function parseRateLimitHeader(value: string | null): Record<string, RateLimitEntry> {
  const out: Record<string, RateLimitEntry> = {};
  if (!value) return out;
  for (const part of value.split(',')) {
    const [rawName, ...params] = part.trim().split(';');
    const name = rawName?.trim().replace(/^"|"$/g, '');
    if (!name) continue;
    let remaining: number | null = null;
    let reset: number | null = null;
    for (const param of params) {
      const [key, raw] = param.split('=');
      const n = Number(raw);
      if (!Number.isFinite(n)) continue;
      if (key?.trim() === 'r') remaining = n;
      if (key?.trim() === 't') reset = n;
    }
    if (remaining !== null) out[name] = { remaining, resetSeconds: reset };
  }
  return out;
}
