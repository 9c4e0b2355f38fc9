import { Readable } from 'node:stream';
import { csvRows } from './csv.ts';
import { type UserView, userExportColumns } from './usersService.ts';

/**
 * Users as CSV, header first, streamed row by row as they are read (no export is held in memory). The first
 * column names each user's monday account, as a spreadsheet reader knows it.
 */
export function usersCsv(
  users: AsyncIterable<UserView>,
  accountNames: ReadonlyMap<string, string>,
): Readable {
  async function* lines() {
    yield csvRows([['account', ...userExportColumns]]);
    let batch: unknown[][] = [];
    for await (const user of users) {
      batch.push([accountNames.get(user.connectionId) ?? '', ...userExportColumns.map((c) => user[c])]);
      if (batch.length === 500) {
        yield csvRows(batch);
        batch = [];
      }
    }
    if (batch.length > 0) yield csvRows(batch);
  }
  return Readable.from(lines());
}
