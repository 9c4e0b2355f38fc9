/** Page sizes monday applies on its own: 200 is its default, used when it does not take the limit asked for. */
const KNOWN_PAGE_CAPS = new Set([200]);

/**
 * Whether a page ends the read. A short page normally does; but a short page of a size monday caps pages at
 * may be that cap rather than the end, so one more page is read to be sure.
 */
export function isLastPage(rows: number, limit: number): boolean {
  if (rows === 0) return true;
  return rows < limit && !KNOWN_PAGE_CAPS.has(rows);
}

export interface ReadAhead {
  /** Pages known to exist (from the last complete sync's count or the account's active members). */
  surePages: number;
  /** Most pages in flight at once within the sure pages. */
  window: number;
}

/**
 * Yields pages 1, 2, 3… in order and stops after the first short page, fetching ahead while the caller stores
 * the current page: up to `window` pages at once among the pages known to exist, and past them the next page
 * as soon as the current one turns out full. Nothing is fetched that a sequential read would not fetch
 * (unless the known count was too high), so the requests stay at the minimum. Requests still in flight when
 * the read ends or fails are settled, never left dangling.
 */
export async function* readPages<T>(
  fetchPage: (page: number) => Promise<T[]>,
  limit: number,
  ahead: ReadAhead,
): AsyncGenerator<T[]> {
  const inFlight = new Map<number, Promise<T[]>>();
  let next = 1;
  const launch = () => {
    const request = fetchPage(next);
    // Handled here so a page dropped after a failure never becomes an unhandled rejection.
    request.catch(() => {});
    inFlight.set(next++, request);
  };
  try {
    for (let page = 1; ; page++) {
      while (next <= Math.min(ahead.surePages, page + ahead.window - 1)) launch();
      if (next === page) launch();
      const users = await inFlight.get(page)!;
      inFlight.delete(page);
      const last = isLastPage(users.length, limit);
      if (!last && next === page + 1) launch();
      yield users;
      if (last) return;
    }
  } finally {
    await Promise.allSettled(inFlight.values());
  }
}
