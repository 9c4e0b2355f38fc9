import {
  describePersonState,
  describeStep,
  describeSummary,
  notFoundWords,
  offboardingResultWords,
  type PersonInAccount,
  partlyDone,
  resultReason,
} from '../domain/offboarding.ts';
import type { OffboardingView } from './offboardingService.ts';

const html = (value: unknown): string =>
  String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** A time as people read it on paper: `2026-12-04 18:17:05 UTC`. */
const when = (iso: string | null): string => (iso ? `${iso.replace('T', ' ').slice(0, 19)} UTC` : '-');

const stateOf = (people: PersonInAccount[] | null, userId: string): string =>
  describePersonState(people?.find((p) => p.userId === userId));

/**
 * The printable receipt of an offboarding: who asked and when, and for each account what monday reported before
 * and after (read fresh from monday), with monday's request ids. Every value is escaped: names come from monday.
 */
export function offboardingReceiptHtml(
  view: OffboardingView,
  actorLabel: (actor: string) => string = (actor) => actor,
): string {
  const rows = view.steps
    .map((step) => {
      const people = step.items.length
        ? step.items
            .map(
              (item) => `<tr>
          <td>${html(item.name)}<br><span class="muted">${html(item.email)} · id ${html(item.userId)}</span></td>
          <td>${html(stateOf(step.before, item.userId))}</td>
          <td>${html(stateOf(step.after, item.userId))}</td>
          <td>${html(offboardingResultWords[item.result])}${item.result === 'deactivated' ? ` (${item.via === 'scim' ? 'SCIM' : 'GraphQL'})` : ''}<br><span class="muted">${html(resultReason(item))}</span></td>
        </tr>`,
            )
            .join('')
        : step.notFound.length === 0
          ? `<tr><td colspan="4" class="muted">${html(step.message ?? '')}</td></tr>`
          : '';
      // A row for everyone asked about, those monday does not have in this account too.
      const absent = step.notFound
        .map(
          (email) => `<tr>
          <td>${html(email)}</td>
          <td>not in this account</td>
          <td>not in this account</td>
          <td>${html(notFoundWords)}</td>
        </tr>`,
        )
        .join('');
      return `<section>
    <h2>${html(step.accountName)} <span class="status ${html(partlyDone(step) ? 'partial' : step.status)}">${html(describeStep(step))}</span></h2>
    <p class="muted">Connection ${html(step.connectionId)} · ${html(step.attempts)} ${step.attempts === 1 ? 'attempt' : 'attempts'} · last at ${html(when(step.updatedAt))}</p>
    <table>
      <thead><tr><th>User</th><th>Before</th><th>After (read from monday)</th><th>What Seatwise did</th></tr></thead>
      <tbody>${people}${absent}</tbody>
    </table>
    ${step.message && step.items.length ? `<p>${html(step.message)}</p>` : ''}
    <p class="muted">monday request ids: ${step.requestIds.length ? step.requestIds.map(html).join(', ') : 'none'}</p>
  </section>`;
    })
    .concat(
      view.leftOut.map(
        (left) => `<section>
    <h2>${html(left.accountName)} <span class="status left-out">Left out</span></h2>
    <p class="muted">Connection ${html(left.connectionId)}: ${html(left.reason)}</p>
  </section>`,
      ),
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Offboarding receipt ${html(view.id)}</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; color: #1d1d1f; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
  h1 { font-size: 1.5rem; margin-bottom: .25rem; }
  h2 { font-size: 1.1rem; margin: 1.5rem 0 .25rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; vertical-align: top; border-bottom: 1px solid #ddd; padding: .4rem .5rem; }
  .muted { color: #555; font-size: .9em; }
  .status { font-size: .8em; border-radius: 4px; padding: .1rem .4rem; background: #eee; }
  .status.done { background: #dff5e3; } .status.partial { background: #fff1c2; } .status.refused, .status.failed { background: #fde2e1; }
  @media print { body { margin: 0; } }
</style>
</head>
<body>
<h1>Offboarding receipt</h1>
<p>Offboarding <strong>${html(view.id)}</strong> of ${view.emails.map((e) => `<strong>${html(e)}</strong>`).join(', ')}</p>
<p>Asked by ${html(actorLabel(view.requestedBy))} at ${html(when(view.requestedAt))}; ${view.finishedAt ? `finished at ${html(when(view.finishedAt))}` : 'not finished'} (${html(view.status)}).</p>
<p>${html(describeSummary(view.summary))}.</p>
${rows}
</body>
</html>
`;
}
