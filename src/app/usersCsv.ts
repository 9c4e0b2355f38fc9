import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { type UserView, userExportColumns } from './usersService.ts';

/**
 * A cell as a spreadsheet will not run it: monday users set their own names and titles, so a value starting
 * with =, +, -, @ (or a tab or carriage return) is prefixed with an apostrophe (OWASP's CSV injection rule).
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/**
 * Users as CSV, header first, streamed row by row as they are read (no export is held in memory). The first
 * column names each user's monday account, as a spreadsheet reader knows it.
 */
export function usersCsv(
  users: AsyncIterable<UserView>,
  accountNames: ReadonlyMap<string, string>,
): Readable {
  async function* lines() {
    yield stringify([['account', ...userExportColumns]]);
    let batch: string[][] = [];
    for await (const user of users) {
      batch.push([
        csvCell(accountNames.get(user.connectionId) ?? ''),
        ...userExportColumns.map((c) => csvCell(user[c])),
      ]);
      if (batch.length === 500) {
        yield stringify(batch);
        batch = [];
      }
    }
    if (batch.length > 0) yield stringify(batch);
  }
  return Readable.from(lines());
}
