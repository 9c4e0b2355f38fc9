import { type RawBuilder, sql } from 'kysely';

/** The columns the users list sorts by, each with its index (migration 005). */
export const userSortColumns = [
  'name',
  'email',
  'role',
  'status',
  'license',
  'last_activity_at',
  'remote_created_at',
] as const;
export type UserSortColumn = (typeof userSortColumns)[number];

/**
 * The expression a users list sorts by: never null, in byte order on both dialects (PostgreSQL's default
 * collation is locale-aware), so pages are the same everywhere. Indexes are built on this very expression.
 */
export function sortKey(column: UserSortColumn, dialect: 'sqlite' | 'postgres'): RawBuilder<string> {
  const ref = sql.ref(column);
  return dialect === 'postgres'
    ? sql<string>`(coalesce(${ref}, '') collate "C")`
    : sql<string>`coalesce(${ref}, '')`;
}
