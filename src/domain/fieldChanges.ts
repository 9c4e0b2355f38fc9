/** One setting as it was and as it is now; a secret's values are never written, only that it changed. */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

/** What a secret field shows in a change: whether it was set, never its value. */
export const SECRET_SET = 'set (secret)';
export const SECRET_CHANGED = 'changed (secret)';
export const SECRET_REMOVED = 'removed';

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The fields that differ between two states of a thing (either may be null: created, deleted), in the order of
 * `after`'s keys then `before`'s; fields named in `secrets` are written as set, changed or removed.
 */
export function fieldChanges(
  before: Readonly<Record<string, unknown>> | null,
  after: Readonly<Record<string, unknown>> | null,
  secrets: ReadonlySet<string> = new Set(),
): FieldChange[] {
  const fields = [...new Set([...Object.keys(after ?? {}), ...Object.keys(before ?? {})])];
  const out: FieldChange[] = [];
  for (const field of fields) {
    const was = before?.[field] ?? null;
    const now = after?.[field] ?? null;
    if (same(was, now)) continue;
    out.push(
      secrets.has(field)
        ? {
            field,
            before: was === null ? null : SECRET_SET,
            after: now === null ? SECRET_REMOVED : was === null ? SECRET_SET : SECRET_CHANGED,
          }
        : { field, before: was, after: now },
    );
  }
  return out;
}
