import { ConfigError } from '../config.ts';
import { AppError } from '../domain/appError.ts';

/** Prints rows as an aligned plain-text table. */
export function printTable(headers: string[], rows: (string | number | null | undefined)[][]): void {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const lines = cells.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** A change's before or after value in a table cell. */
export function brief(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value !== 'object') return String(value);
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${k}=${v ?? '-'}`)
    .join(' ');
}

/** "1 request", "2 requests": a count with its noun. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** How long ago an ISO time was, for tables. */
export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 90) return `${seconds}s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 129_600) return `${Math.round(seconds / 3600)}h ago`;
  // Whole days gone by, as the inactivity rules count them.
  return `${Math.floor(seconds / 86_400)}d ago`;
}

// The CLI's names for the API's fields, so that messages name what the user typed.
const flagOf: Record<string, string> = {
  token: '--token',
  scimToken: '--scim-token',
  apiUrl: '--api-url',
  scimUrl: '--scim-url',
  accountUrl: '--account-url',
  apiVersion: '--api-version',
  permission: '--permission',
  emails: '--email',
  email: '--email',
  userId: '--user',
  name: '--name',
  role: '--role',
  product: '--product',
  via: '--via',
  idempotencyKey: '--idempotency-key',
  search: '--search',
  inactiveDays: '--inactive-days',
  status: '--status',
  license: '--license',
  connectionId: 'the connection id',
  seatPrice: '--seat-price',
  currency: '--currency',
  webhookUrl: '--webhook-url',
  syncSchedule: '--schedule',
  bucketPrices: '--bucket-price',
  billingPeriod: '--billing-period',
  renewalDate: '--renewal-date',
  protectedEmails: '--protect-emails',
  protectedDomains: '--protect-domains',
  seatBuckets: '--seat-buckets',
};

/** An error as the CLI says it: input problems name the option (`--email "x"`), not the API's field path. */
export function describeForCli(error: unknown): string {
  if (!(error instanceof AppError)) return (error as Error).message;
  const issues = error.details?.issues as { path: string; message: string; value?: string }[] | undefined;
  if (!Array.isArray(issues)) return error.message;
  return issues
    .map((issue) => {
      const field = issue.path.split('.').filter((part) => !/^\d+$/.test(part));
      const flag = flagOf[field[field.length - 1] ?? ''] ?? flagOf[field[0] ?? ''];
      if (!flag) return issue.path ? `${issue.path} ${issue.message}` : issue.message;
      return `${flag}${issue.value !== undefined && flag.startsWith('--') ? ` ${JSON.stringify(issue.value)}` : ''} ${issue.message}`;
    })
    .join('; ');
}

/** Exit codes: 2 bad input, 3 not found, 4 conflict, 5 refused or precondition, 6 monday failed, 1 anything else (7: an action left targets out of the target state). */
export function exitCodeFor(error: unknown): number {
  // An invalid setting is bad input, like an invalid option.
  if (error instanceof ConfigError) return 2;
  if (!(error instanceof AppError)) return 1;
  return {
    invalid_input: 2,
    not_found: 3,
    conflict: 4,
    precondition: 5,
    forbidden: 5,
    unauthorized: 5,
    upstream: 6,
  }[error.kind];
}
