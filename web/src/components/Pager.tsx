/** Previous and next page buttons with "Page N of M" between; a missing handler disables its button. */
export function Pager({
  label,
  current,
  of,
  onPrevious,
  onNext,
}: {
  label: string;
  current: number;
  of?: number;
  onPrevious: (() => void) | null;
  onNext: (() => void) | null;
}) {
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" disabled={!onPrevious} onClick={() => onPrevious?.()}>
        ← Previous
      </button>
      <span>
        Page {current}
        {of !== undefined ? ` of ${Math.max(1, of)}` : ''}
      </span>
      <button type="button" disabled={!onNext} onClick={() => onNext?.()}>
        Next →
      </button>
    </nav>
  );
}

/** Keyset pages: the cursors of the pages before this one, to go back. */
export function cursorHandlers(
  cursors: (string | undefined)[],
  setCursors: (next: (string | undefined)[]) => void,
  nextCursor: string | null | undefined,
): { onPrevious: (() => void) | null; onNext: (() => void) | null } {
  return {
    onPrevious: cursors.length > 1 ? () => setCursors(cursors.slice(0, -1)) : null,
    onNext: nextCursor ? () => setCursors([...cursors, nextCursor]) : null,
  };
}
