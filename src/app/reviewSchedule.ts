import { nextLaunch, type Recurrence } from '../domain/reviews.ts';
import type { Mailer } from './mailer.ts';
import type { Notifier } from './notifier.ts';
import type { PeopleService } from './peopleService.ts';
import type { ReviewsService } from './reviewsService.ts';
import { campaignFields } from './reviewViews.ts';
import type { SeatwiseAudit } from './seatwiseAudit.ts';

const DAY_MS = 86_400_000;
/** A reminder the mail server refused is tried again on later ticks, this many times in all. */
const REMINDER_ATTEMPTS = 5;

/** What one tick did. */
export interface ReviewTick {
  launched: string[];
  closed: string[];
  reminded: { campaignId: string; personId: string; kind: string }[];
}

/**
 * The time-driven part of access reviews, run by every worker's scheduler (each step is taken once, whichever
 * process runs it): recurring campaigns launched again, campaigns past their end closed, reviewers with open
 * items reminded before the due date and when overdue, by e-mail and by the accounts' webhooks.
 */
export class ReviewSchedule {
  private running: Promise<ReviewTick> | null = null;

  constructor(
    private readonly reviews: ReviewsService,
    private readonly people: PeopleService,
    private readonly mailer: Mailer,
    private readonly notifier: Pick<Notifier, 'notify'>,
    private readonly audit: SeatwiseAudit,
    private readonly now: () => Date = () => new Date(),
    private readonly publicUrl: string | null = null,
  ) {}

  /** One pass; a pass still running in this process is waited for, not doubled. */
  tick(): Promise<ReviewTick> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(): Promise<ReviewTick> {
    const repo = this.reviews.repo;
    const now = this.now();
    const at = now.toISOString();
    const out: ReviewTick = { launched: [], closed: [], reminded: [] };
    for (const row of await repo.dueToRecur(at)) {
      const fields = campaignFields(row);
      if (
        !(await repo.moveNextLaunch(
          row.id,
          row.next_launch_at!,
          nextLaunch(fields.recurrence as Recurrence, now),
        ))
      )
        continue;
      const length = Date.parse(row.due_at) - Date.parse(row.created_at);
      const endLength = row.ends_at ? Date.parse(row.ends_at) - Date.parse(row.created_at) : null;
      const launched = await this.reviews.create(
        {
          ...fields.config,
          name: `${fields.config.name} (${at.slice(0, 10)})`,
          dueAt: new Date(now.getTime() + length).toISOString(),
          endsAt: endLength === null ? undefined : new Date(now.getTime() + endLength).toISOString(),
          recurrence: 'off',
        },
        { actor: 'scheduler', via: 'scheduler' },
        { of: row.id, at: now },
      );
      out.launched.push(launched.id);
    }
    for (const row of await repo.dueToClose(at)) {
      try {
        await this.reviews.close(row.id, { actor: 'scheduler', via: 'scheduler' });
        out.closed.push(row.id);
      } catch {
        // Held by another process, or monday could not be read: a later tick tries again.
      }
    }
    for (const row of await repo.open()) {
      const config = campaignFields(row).config;
      const due = Date.parse(row.due_at);
      const kind =
        now.getTime() >= due
          ? 'overdue'
          : now.getTime() >= due - config.reminderDays * DAY_MS
            ? 'due_soon'
            : null;
      if (!kind || (kind === 'due_soon' && config.reminderDays === 0)) continue;
      const counts = await repo.counts(row.id);
      const waiting = new Set(
        counts.filter((c) => c.status === 'open' || c.status === 'decided').map((c) => c.reviewer_id),
      );
      for (const personId of waiting)
        await repo.addReminder({
          campaign_id: row.id,
          person_id: personId,
          kind,
          status: 'pending',
          attempts: 0,
          last_error: null,
          created_at: at,
          sent_at: null,
        });
    }
    for (const reminder of await repo.unsent(REMINDER_ATTEMPTS)) {
      if (!(await repo.takeReminder(reminder))) continue;
      const sent = await this.send(reminder.campaign_id, reminder.person_id, reminder.kind).then(
        () => null,
        (error: Error) => error.message,
      );
      await repo.settleReminder(reminder, sent === null ? 'sent' : 'failed', sent, this.now().toISOString());
      if (sent === null)
        out.reminded.push({
          campaignId: reminder.campaign_id,
          personId: reminder.person_id,
          kind: reminder.kind,
        });
    }
    return out;
  }

  /** Tells one reviewer what waits for them: by e-mail, and on each account's webhook. */
  private async send(campaignId: string, personId: string, kind: 'due_soon' | 'overdue'): Promise<void> {
    const campaign = await this.reviews.get(campaignId);
    const person = await this.people.get(personId);
    const items = await this.reviews.repo.items(campaignId, {
      reviewerId: personId,
      statuses: ['open', 'decided'],
    });
    if (items.length === 0) return;
    const due = campaign.dueAt.slice(0, 10);
    const subject =
      kind === 'overdue'
        ? `Overdue: access review "${campaign.name}" (${items.length} left)`
        : `Reminder: access review "${campaign.name}" is due ${due} (${items.length} left)`;
    const link = this.publicUrl
      ? `${this.publicUrl.replace(/\/$/, '')}/my-reviews`
      : 'My reviews in Seatwise';
    const text = [
      `Hello ${person.name ?? person.email},`,
      '',
      kind === 'overdue'
        ? `The access review "${campaign.name}" was due ${due}, and ${items.length} of the people assigned to you are not decided yet.`
        : `The access review "${campaign.name}" is due ${due}: ${items.length} of the people assigned to you are not decided yet.`,
      '',
      ...items.slice(0, 20).map((i) => `- ${i.name} <${i.email}> in ${i.account_name}`),
      ...(items.length > 20 ? [`- and ${items.length - 20} more`] : []),
      '',
      `Decide them in ${link}.`,
      campaign.config.closeDefault === 'none'
        ? 'Items left undecided at the close are recorded as not reviewed.'
        : `Items left undecided at the close are given the campaign's default: ${campaign.config.closeDefault}.`,
    ].join('\n');
    const errors: string[] = [];
    if (this.mailer.configured)
      await this.mailer.send({ to: person.email, subject, text }).catch((e: Error) => errors.push(e.message));
    for (const connectionId of new Set(items.map((i) => i.connection_id)))
      await this.notifier
        .notify(connectionId, 'review_reminder', `Seatwise: ${subject} for ${person.email}`, {
          campaignId,
          reviewer: person.email,
          kind,
          open: items.length,
        })
        .catch((e: Error) => errors.push(e.message));
    if (errors.length) throw new Error(errors.join('; '));
    await this.audit.record({
      actor: 'scheduler',
      action: 'review_reminded',
      via: 'scheduler',
      outcome: 'done',
      targets: [person.email],
      detail: { campaignId, kind, open: items.length, email: this.mailer.configured },
    });
  }
}
