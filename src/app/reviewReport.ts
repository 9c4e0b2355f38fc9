import { createHash } from 'node:crypto';
import type { ObservedState } from '../domain/reviews.ts';
import { decidedByWords } from '../domain/reviewViews.ts';
import { csvRows } from './csv.ts';
import type { CampaignView, ReviewItemView } from './reviewViews.ts';

/** One row of a campaign's evidence: the item as snapshotted, the decision, and what monday showed after. */
export interface ReportRow {
  account: string;
  connectionId: string;
  userId: string;
  email: string;
  name: string;
  roleAtLaunch: string;
  statusAtLaunch: string;
  licenseAtLaunch: string;
  teamsAtLaunch: string;
  lastActivityAtLaunch: string;
  provisioned: string;
  recommendations: string;
  reviewer: string;
  decision: string;
  comment: string;
  decidedBy: string;
  decidedAt: string;
  result: string;
  resultDetail: string;
  roleAfter: string;
  statusAfter: string;
  licenseAfter: string;
  teamsAfter: string;
  mondayReadAt: string;
}

export const reportColumns: (keyof ReportRow)[] = [
  'account',
  'connectionId',
  'userId',
  'email',
  'name',
  'roleAtLaunch',
  'statusAtLaunch',
  'licenseAtLaunch',
  'teamsAtLaunch',
  'lastActivityAtLaunch',
  'provisioned',
  'recommendations',
  'reviewer',
  'decision',
  'comment',
  'decidedBy',
  'decidedAt',
  'result',
  'resultDetail',
  'roleAfter',
  'statusAfter',
  'licenseAfter',
  'teamsAfter',
  'mondayReadAt',
];

function decisionWords(item: ReviewItemView): string {
  if (!item.decision) return 'none';
  return item.decision === 'change_role' ? `change role to ${item.role}` : item.decision;
}

export function reportRows(items: readonly ReviewItemView[]): ReportRow[] {
  return items.map((i) => {
    const after: ObservedState | null | undefined = i.after;
    return {
      account: i.accountName,
      connectionId: i.connectionId,
      userId: i.userId,
      email: i.email,
      name: i.name,
      roleAtLaunch: i.snapshot.role,
      statusAtLaunch: i.snapshot.status,
      licenseAtLaunch: i.snapshot.license ?? 'none',
      teamsAtLaunch: i.snapshot.teams.join('; '),
      lastActivityAtLaunch: i.snapshot.lastActivityAt ?? 'never',
      provisioned: i.snapshot.provisioned,
      recommendations: i.recommendations.map((r) => r.reason).join('; '),
      reviewer: i.reviewer?.email ?? i.reviewerId,
      decision: decisionWords(i),
      comment: i.comment ?? '',
      decidedBy: decidedByWords(i),
      decidedAt: i.decidedAt ?? '',
      result: i.status,
      resultDetail: i.result ?? '',
      roleAfter: after === undefined ? '' : after === null ? 'not in the account' : after.role,
      statusAfter: after === undefined ? '' : after === null ? 'not in the account' : after.status,
      licenseAfter: after ? (after.license ?? 'none') : '',
      teamsAfter: after ? (after.teams ?? []).join('; ') : '',
      mondayReadAt: i.afterAt ?? '',
    };
  });
}

export function reportCsv(items: readonly ReviewItemView[]): string {
  return csvRows([reportColumns, ...reportRows(items).map((r) => reportColumns.map((c) => r[c]))]);
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** A stored time as a person reads it on paper: `2026-12-21 09:30 UTC` (a time at midnight is the day alone). */
export function readableTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const at = new Date(t).toISOString();
  return at.slice(11, 16) === '00:00' ? at.slice(0, 10) : `${at.slice(0, 10)} ${at.slice(11, 16)} UTC`;
}

/** An item's result in words, as the web UI says it. */
export const itemResultWords: Record<string, string> = {
  open: 'to decide',
  decided: 'decided, not submitted',
  awaiting_approval: 'waiting for approval (raises access)',
  submitted: 'submitted',
  applying: 'being carried out',
  done: 'done',
  kept: 'kept',
  failed: 'failed',
  not_reviewed: 'not reviewed',
  drifted: 'changed in monday since',
};

/** What happens to items undecided at the close, in words. */
export function closeDefaultWords(closeDefault: string): string {
  return closeDefault === 'none'
    ? 'recorded as not reviewed'
    : closeDefault === 'keep'
      ? 'kept'
      : closeDefault === 'downgrade'
        ? 'downgraded to viewer'
        : 'revoked (deactivated)';
}

const PRINT_SCRIPT = "document.getElementById('print').addEventListener('click',function(){window.print()})";
/** The report page's policy: no outside resource, its own style and its one print script only. */
export const reportCsp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${createHash('sha256').update(PRINT_SCRIPT).digest('base64')}'`;

/** A printable page of the evidence (the browser's print makes its PDF). */
export function reportHtml(campaign: CampaignView, items: readonly ReviewItemView[]): string {
  const rows = reportRows(items);
  const scope = campaign.config.scope;
  const filters =
    [
      scope.roles?.length ? `roles ${scope.roles.join(', ')}` : '',
      scope.licenses?.length ? `licenses ${scope.licenses.join(', ')}` : '',
      scope.statuses?.length ? `statuses ${scope.statuses.join(', ')}` : '',
      scope.guestsOnly ? 'guests only' : '',
      scope.adminsOnly ? 'admins only' : '',
      scope.teamIds?.length ? `teams ${scope.teamIds.join(', ')}` : '',
      scope.inactiveDays ? `inactive for more than ${scope.inactiveDays} days` : '',
    ]
      .filter(Boolean)
      .join('; ') || 'all users';
  const p = campaign.progress;
  const head = (
    [
      'Account',
      'User',
      'At launch',
      'Recommended',
      'Reviewer',
      'Decision',
      'Decided',
      'Result',
      'monday after',
    ] as const
  )
    .map((h) => `<th scope="col">${h}</th>`)
    .join('');
  const body = rows
    .map(
      (r) => `<tr>
<td>${escapeHtml(r.account)}</td>
<td>${escapeHtml(r.name)}<br><small>${escapeHtml(r.email)} · ${escapeHtml(r.userId)}</small></td>
<td>${escapeHtml(`${r.roleAtLaunch}, ${r.statusAtLaunch}, ${r.licenseAtLaunch}`)}<br><small>teams: ${escapeHtml(r.teamsAtLaunch || 'none')} · last active ${escapeHtml(r.lastActivityAtLaunch === 'never' ? 'never' : readableTime(r.lastActivityAtLaunch))} · ${escapeHtml(r.provisioned)}</small></td>
<td>${escapeHtml(r.recommendations || '—')}</td>
<td>${escapeHtml(r.reviewer)}</td>
<td>${escapeHtml(r.decision)}${r.comment ? `<br><small>“${escapeHtml(r.comment)}”</small>` : ''}</td>
<td>${escapeHtml(r.decidedBy)}<br><small>${escapeHtml(readableTime(r.decidedAt))}</small></td>
<td class="result ${escapeHtml(r.result)}">${escapeHtml(itemResultWords[r.result] ?? r.result)}<br><small>${escapeHtml(r.resultDetail)}</small></td>
<td>${escapeHtml(r.roleAfter ? `${r.roleAfter}, ${r.statusAfter}, ${r.licenseAfter}` : '')}<br><small>${escapeHtml(readableTime(r.mondayReadAt))}</small></td>
</tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Access review report: ${escapeHtml(campaign.name)}</title>
<style>
body{font:13px/1.4 system-ui,sans-serif;margin:24px;color:#111}
h1{font-size:20px;margin:0 0 4px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:12px 0}
dt{font-weight:600}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3}
small{color:#555}
.result.done,.result.kept{color:#0a6b2d}
.result.failed,.result.drifted{color:#b00020}
button{margin:8px 0}
@media print{button{display:none}body{margin:0}}
</style></head>
<body>
<h1>Access review report: ${escapeHtml(campaign.name)}</h1>
<button type="button" id="print">Print or save as PDF</button>
<dl>
<dt>Campaign</dt><dd>${escapeHtml(campaign.id)}</dd>
<dt>Status</dt><dd>${escapeHtml(campaign.status)}${campaign.closedAt ? ` ${escapeHtml(readableTime(campaign.closedAt))} by ${escapeHtml(campaign.closedByName ?? '')}` : ''}</dd>
<dt>Launched</dt><dd>${escapeHtml(readableTime(campaign.createdAt))} by ${escapeHtml(campaign.createdByName)}</dd>
<dt>Due</dt><dd>${escapeHtml(readableTime(campaign.dueAt))}</dd>
<dt>Scope</dt><dd>${escapeHtml(campaign.accounts.join(', '))}: ${escapeHtml(filters)}</dd>
<dt>Reviewers</dt><dd>${escapeHtml(campaign.reviewers.map((r) => `${r.email} (${r.progress.total} items)`).join(', '))}</dd>
<dt>Decisions carry out</dt><dd>${escapeHtml(campaign.config.applyMode === 'on_submit' ? 'on submit' : 'at the close')}; undecided at the close: ${escapeHtml(closeDefaultWords(campaign.config.closeDefault))}</dd>
<dt>Items</dt><dd>${p.total}: ${p.done} done, ${p.kept} kept, ${p.failed} failed, ${p.notReviewed} not reviewed${p.drifted ? `, ${p.drifted} changed in monday since they were carried out` : ''}</dd>
</dl>
<table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table>
<script>${PRINT_SCRIPT}</script>
</body></html>`;
}
