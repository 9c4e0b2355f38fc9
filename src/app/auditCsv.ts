import type { AuditEntryView } from './actionsService.ts';
import { csvRows } from './csv.ts';

/** The audit log as CSV for auditors: one row per entry, who by name, targets by email, what monday did. */
export function auditCsv(
  entries: readonly (AuditEntryView & { actorName: string })[],
  accountNames: ReadonlyMap<string, string>,
): string {
  const header = ['id', 'at', 'actor', 'actorName', 'account', 'connectionId', 'action', 'via', 'dryRun'];
  const rest = ['outcome', 'targets', 'results', 'error', 'partOf', 'requestIds'];
  const rows = entries.map((e) => [
    e.id,
    e.at,
    e.actor,
    e.actorName,
    e.connectionId === null ? 'Seatwise' : (accountNames.get(e.connectionId) ?? ''),
    e.connectionId ?? '',
    e.action,
    e.via,
    e.dryRun,
    e.outcome,
    e.targetLabels.join(' '),
    resultsOf(e).join('; '),
    e.error ? `${e.error.message} [${e.error.code}]` : '',
    e.source ? `${e.source.kind} ${e.source.id}` : '',
    e.requestIds.join(' '),
  ]);
  return csvRows([[...header, ...rest], ...rows]);
}

/** Each result as `target: outcome (reason)`. */
export function resultsOf(entry: AuditEntryView): string[] {
  const results = Array.isArray(entry.results) ? (entry.results as Record<string, unknown>[]) : [];
  return results.map((r) => `${r.email || r.target}: ${r.outcome}${r.reason ? ` (${r.reason})` : ''}`);
}
