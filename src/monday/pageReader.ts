/**
 * Whether a page ends a read at this page size: any page with fewer rows than asked. Whether that short page
 * is really the end (or monday applied a smaller page size of its own) is settled by `readAllPages`.
 */
export function isLastPage(rows: number, limit: number): boolean {
  return rows < limit;
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

export interface FullRead {
  /** Rows known to exist (the last complete count, or active members): pages below it are read ahead. */
  expectedRows: number;
  /** Most pages in flight at once. */
  window: number;
}

/**
 * Reads every row of an offset-paged list whose server may apply a smaller page size than asked, with the
 * offset either following that size or staying at (page - 1) × limit. A page with fewer rows than asked ends
 * the read only once the row right after it is proven absent: one request of limit 1 at that offset (the one
 * extra request a read to an empty page costs anyway), which both readings of a capped page answer alike. If
 * a row is there, the short page's size is what the server honours: the read goes on at that size from the
 * first row not yet seen, and so on until the end is proven. Rows may come twice (read again after a cap);
 * callers key them. Each change of size is smaller than the last, so the read always ends.
 */
export async function* readAllPages<T>(
  fetchPage: (page: number, limit: number) => Promise<T[]>,
  limit: number,
  options: FullRead,
): AsyncGenerator<T[]> {
  let size = limit;
  // Rows before this offset were all seen on full pages (or on the short page before a cap was found).
  let from = 0;
  for (;;) {
    const firstPage = Math.floor(from / size) + 1;
    let lastPage = firstPage - 1;
    let lastRows = size;
    for await (const rows of readPages((page) => fetchPage(firstPage + page - 1, size), size, {
      surePages: Math.max(0, Math.floor(options.expectedRows / size) - firstPage + 1),
      window: options.window,
    })) {
      lastPage++;
      lastRows = rows.length;
      yield rows;
    }
    // An empty page after full ones ends the list whatever page size the server applies.
    if (lastRows === 0) return;
    const end = (lastPage - 1) * size + lastRows;
    const after = await fetchPage(end + 1, 1);
    if (after.length === 0) return;
    yield after;
    size = lastRows;
    from = end;
  }
}
