/**
 * Figures computed from a connection's synced copy, kept per connection while the copy's version
 * (`copyVersionOf`) stays the same and, when the figures also move with the clock, at most `maxAgeMs` old.
 */
export class CopyMemo<T> {
  private readonly entries = new Map<string, { version: string; at: number; value: T }>();

  constructor(private readonly maxAgeMs = Number.POSITIVE_INFINITY) {}

  async get(connectionId: string, version: string, now: number, compute: () => Promise<T>): Promise<T> {
    const cached = this.entries.get(connectionId);
    if (cached && cached.version === version && now - cached.at < this.maxAgeMs) return cached.value;
    const value = await compute();
    this.entries.set(connectionId, { version, at: now, value });
    return value;
  }
}
