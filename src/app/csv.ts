import { stringify } from 'csv-stringify/sync';

/**
 * Every CSV Seatwise writes (users, audit log, review evidence, team costs): rows to text, with a cell a
 * spreadsheet would run as a formula (one starting with =, +, -, @, a tab or a carriage return) prefixed with an
 * apostrophe, OWASP's CSV injection rule. monday users set their own names and titles, and reviewers write the
 * comments, so no column is trusted. Booleans are written as true and false.
 */
export function csvRows(rows: readonly (readonly unknown[])[]): string {
  return stringify(rows as unknown[][], {
    escape_formulas: true,
    cast: { boolean: (value) => String(value) },
  });
}
