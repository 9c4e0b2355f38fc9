import { AppError } from '../domain/appError.ts';
import { newId } from '../domain/ids.ts';
import { invalidInput } from '../domain/inputIssues.ts';
import {
  type CampaignConfig,
  decisionOutcome,
  type ItemStatus,
  keepNeedsComment,
  type NewCampaignInput,
  newCampaignSchema,
  nextLaunch,
  progressOf,
  type Recommendation,
  type ReviewDecision,
  raisesAccess,
  reviewDecisions,
} from '../domain/reviews.ts';
import type { SeatwiseRole } from '../domain/roles.ts';
import type { Store } from '../store/database.ts';
import { describeHolder } from '../store/leaseRepo.ts';
import { type CampaignRow, type ReviewItemRow, ReviewsRepo } from '../store/reviewsRepo.ts';
import type { ActionsService } from './actionsService.ts';
import type { ConnectionsService } from './connections.ts';
import type { InsightsService } from './insightsService.ts';
import type { KeysService } from './keysService.ts';
import type { PeopleService } from './peopleService.ts';
import { buildItems } from './reviewLaunch.ts';
import { reportCsv, reportHtml } from './reviewReport.ts';
import { observe, ReviewRunner, type RunnerTiming } from './reviewRunner.ts';
import {
  type CampaignView,
  campaignFields,
  type ReviewerSummary,
  type ReviewItemView,
  toItemView,
} from './reviewViews.ts';
import type { SeatwiseAudit } from './seatwiseAudit.ts';

export type { CampaignView, ReviewItemView } from './reviewViews.ts';

/** Who asks: the audit actor, the person behind it (a key's owner), and their role. */
export interface ReviewCaller {
  actor: string;
  personId: string | null;
  role: SeatwiseRole;
  via: 'api' | 'cli' | 'scheduler';
}

/** One decision as a reviewer gives it. */
export interface DecisionInput {
  itemId: string;
  decision: ReviewDecision;
  role?: string;
  comment?: string;
}

/** What became of each item asked about: its new state, or why it was refused. */
export interface ItemOutcome {
  itemId: string;
  ok: boolean;
  item?: ReviewItemView;
  /** Why it was refused; `kind` sorts the refusal as every error does (not found, bad input, conflict…). */
  error?: { code: string; message: string; kind: AppError['kind'] };
}

const DECIDABLE: ItemStatus[] = ['open', 'decided'];

/**
 * Access review campaigns: launch (a snapshot of every user in scope, each with a reviewer), decisions and
 * submits, reassignments, carrying decisions out in monday, closing with defaults, and the evidence report.
 */
export class ReviewsService {
  readonly repo: ReviewsRepo;
  readonly runner: ReviewRunner;

  constructor(
    private readonly store: Store,
    private readonly connections: ConnectionsService,
    actions: ActionsService,
    private readonly people: PeopleService,
    private readonly keys: KeysService,
    private readonly insights: Pick<InsightsService, 'orgDomains'>,
    private readonly audit: SeatwiseAudit,
    private readonly now: () => Date = () => new Date(),
    private readonly timing: RunnerTiming = { leaseMs: 60_000, heartbeatMs: 15_000 },
  ) {
    this.repo = new ReviewsRepo(store.db);
    this.runner = new ReviewRunner(this.repo, connections, actions, now, timing);
  }

  /** Launches a campaign: every user in scope is snapshotted as an item with a reviewer, all or nothing. */
  async create(
    raw: NewCampaignInput,
    by: Pick<ReviewCaller, 'actor' | 'via'>,
    series?: { of: string; at: Date },
  ) {
    const parsed = newCampaignSchema.safeParse(raw);
    if (!parsed.success) throw invalidInput('invalid_campaign', parsed.error, raw);
    const config = parsed.data;
    const now = series?.at ?? this.now();
    const seriesOf = series?.of;
    const dueAt = new Date(config.dueAt).toISOString();
    const endsAt = config.endsAt ? new Date(config.endsAt).toISOString() : null;
    if (dueAt <= now.toISOString() && !seriesOf)
      throw new AppError('invalid_input', 'invalid_campaign', `dueAt ${config.dueAt} is not in the future`, {
        field: 'dueAt',
      });
    if (endsAt && endsAt < dueAt)
      throw new AppError('invalid_input', 'invalid_campaign', 'endsAt must not be before dueAt', {
        field: 'endsAt',
      });
    if (!config.decisions.includes('keep'))
      throw new AppError('invalid_input', 'invalid_campaign', 'reviewers must be able to keep access', {
        field: 'decisions',
      });
    if (config.closeDefault !== 'none' && !config.decisions.includes(config.closeDefault))
      throw new AppError(
        'invalid_input',
        'invalid_campaign',
        `the close default ${config.closeDefault} is not one of the campaign's decisions`,
        { field: 'closeDefault' },
      );
    for (const id of config.scope.connectionIds) await this.connections.get(id);
    const people = await this.people.list();
    const byId = new Map(people.map((p) => [p.id, { id: p.id, email: p.email, disabled: p.disabled }]));
    const named = [
      ...(config.reviewers.kind === 'connection' ? Object.values(config.reviewers.byConnection) : []),
      ...(config.reviewers.kind === 'people' ? config.reviewers.personIds : []),
      ...(config.reviewers.fallbackPersonId ? [config.reviewers.fallbackPersonId] : []),
    ];
    for (const id of named) {
      const person = byId.get(id);
      if (!person) throw new AppError('not_found', 'person_not_found', `no person with id ${id} to review`);
      if (person.disabled)
        throw new AppError(
          'invalid_input',
          'reviewer_disabled',
          `${person.email} is disabled and cannot review`,
        );
    }
    if (config.reviewers.kind === 'connection')
      for (const id of config.scope.connectionIds)
        if (!config.reviewers.byConnection[id] && !config.reviewers.fallbackPersonId)
          throw new AppError(
            'invalid_input',
            'invalid_campaign',
            `connection ${id} has no reviewer: name one in reviewers.byConnection or give a fallback`,
            { field: 'reviewers' },
          );
    const id = newId('rvc');
    const items = await buildItems(
      this.store,
      this.connections,
      byId,
      await this.insights.orgDomains(),
      config,
      id,
      now,
    );
    await this.repo.create(
      {
        id,
        name: config.name,
        status: 'open',
        config: JSON.stringify(config),
        due_at: dueAt,
        ends_at: endsAt,
        recurrence: config.recurrence,
        next_launch_at: nextLaunch(config.recurrence, now),
        series_of: seriesOf ?? null,
        created_by: by.actor,
        created_at: now.toISOString(),
        closed_by: null,
        closed_at: null,
        holder: null,
        lease_until: null,
      },
      items,
    );
    await this.audit.record({
      actor: by.actor,
      action: 'review_launched',
      via: by.via,
      outcome: 'done',
      targets: [config.name],
      detail: { campaignId: id, items: items.length, scope: config.scope, reviewers: config.reviewers },
    });
    return this.get(id);
  }

  async list(caller?: ReviewCaller): Promise<CampaignView[]> {
    const rows = await this.repo.campaigns(caller?.role === 'reviewer' ? (caller.personId ?? '') : undefined);
    const counts = await this.repo.counts();
    const ctx = await this.context();
    return rows.map((r) =>
      forCaller(
        this.view(
          r,
          counts.filter((c) => c.campaign_id === r.id),
          ctx,
        ),
        caller,
      ),
    );
  }

  async get(id: string, caller?: ReviewCaller): Promise<CampaignView> {
    const row = await this.campaignRow(id);
    if (caller?.role === 'reviewer') {
      const mine = await this.repo.items(id, { reviewerId: caller.personId ?? '' });
      if (mine.length === 0) throw campaignNotFound(id);
    }
    return forCaller(this.view(row, await this.repo.counts(id), await this.context()), caller);
  }

  /** A campaign's items; a reviewer sees only theirs. */
  async items(
    id: string,
    caller?: ReviewCaller,
    filter: { reviewerId?: string; status?: ItemStatus } = {},
  ): Promise<ReviewItemView[]> {
    await this.campaignRow(id);
    const reviewerId = caller?.role === 'reviewer' ? (caller.personId ?? '') : filter.reviewerId;
    const rows = await this.repo.items(id, {
      reviewerId,
      statuses: filter.status ? [filter.status] : undefined,
    });
    const ctx = await this.context();
    return rows.map((r) => toItemView(r, ctx.people, ctx.label));
  }

  /** The caller's open items in open campaigns, with what helps decide. */
  async inbox(caller: ReviewCaller): Promise<(ReviewItemView & { campaignName: string; dueAt: string })[]> {
    // Items are assigned to people: a key nobody owns has none.
    if (!caller.personId) return [];
    const rows = await this.repo.inbox(caller.personId);
    const ctx = await this.context();
    return rows.map((r) => ({
      ...toItemView(r, ctx.people, ctx.label),
      campaignName: r.campaign_name,
      dueAt: r.due_at,
    }));
  }

  /** Records decisions (changeable until submitted); with `submit`, submits them at once. */
  async decide(
    campaignId: string,
    decisions: DecisionInput[],
    caller: ReviewCaller,
    options: { submit?: boolean } = {},
  ): Promise<ItemOutcome[]> {
    const campaign = await this.openCampaign(campaignId);
    const config = campaignFields(campaign).config;
    const out: ItemOutcome[] = [];
    for (const d of decisions) {
      try {
        const item = await this.itemFor(campaignId, d.itemId, caller, { deciding: true });
        if (!reviewDecisions.includes(d.decision) || !config.decisions.includes(d.decision))
          throw new AppError(
            'invalid_input',
            'decision_not_allowed',
            `this campaign's decisions are ${config.decisions.join(', ')}`,
          );
        let role: string | null = null;
        if (d.decision === 'change_role') {
          if (!d.role || !['admin', 'member', 'viewer', 'guest'].includes(d.role))
            throw new AppError(
              'invalid_input',
              'role_required',
              'change_role needs a role: admin, member, viewer or guest',
            );
          role = d.role;
        }
        const comment = d.comment?.trim() ? d.comment.trim().slice(0, 2000) : null;
        const recs = JSON.parse(item.recommendations) as Recommendation[];
        if (d.decision === 'keep' && keepNeedsComment(recs) && !comment)
          throw new AppError(
            'invalid_input',
            'comment_required',
            `keeping ${item.email} needs a comment: the evidence recommends a revoke (${recs.map((r) => r.reason).join('; ')})`,
          );
        const at = this.now().toISOString();
        const moved = await this.repo.move(item.id, DECIDABLE, {
          decision: d.decision,
          decision_role: role,
          comment,
          decided_by: caller.actor,
          // An admin deciding someone else's item overrides its reviewer, named in the evidence.
          override_of: item.reviewer_id !== caller.personId ? item.reviewer_id : null,
          decided_at: at,
          status: 'decided',
          updated_at: at,
        });
        if (!moved) throw await this.notDecidable(item.id);
        out.push({ itemId: d.itemId, ok: true });
      } catch (error) {
        out.push(failure(d.itemId, error));
      }
    }
    if (options.submit) {
      const submitted = await this.submit(
        campaignId,
        out.filter((o) => o.ok).map((o) => o.itemId),
        caller,
      );
      const byId = new Map(submitted.map((s) => [s.itemId, s]));
      return out.map((o) => byId.get(o.itemId) ?? o);
    }
    return this.withItems(out);
  }

  /**
   * Submits decided items: a keep is kept; a change is carried out at once (campaigns that apply on submit) or
   * at the close.
   */
  async submit(campaignId: string, itemIds: string[], caller: ReviewCaller): Promise<ItemOutcome[]> {
    const campaign = await this.openCampaign(campaignId);
    const config = campaignFields(campaign).config;
    const out: ItemOutcome[] = [];
    const toApply: ReviewItemRow[] = [];
    for (const itemId of itemIds) {
      try {
        const item = await this.itemFor(campaignId, itemId, caller, { deciding: true });
        if (item.status === 'open')
          throw new AppError('invalid_input', 'not_decided', `${item.email} has no decision to submit yet`);
        const at = this.now().toISOString();
        const keep = item.decision === 'keep';
        const raise = raiseOf(item);
        const moved = await this.repo.move(item.id, ['decided'], {
          status: keep ? 'kept' : raise ? 'awaiting_approval' : 'submitted',
          result: keep
            ? 'kept as it was'
            : raise
              ? `${raise}: waits for an operator or admin to approve it`
              : null,
          submitted_at: at,
          updated_at: at,
        });
        if (!moved) throw await this.notDecidable(item.id);
        if (!keep && !raise && config.applyMode === 'on_submit')
          toApply.push((await this.repo.item(item.id))!);
        out.push({ itemId, ok: true });
      } catch (error) {
        out.push(failure(itemId, error));
      }
    }
    for (const item of toApply) {
      try {
        await this.runner.apply(item, config);
      } catch (error) {
        const o = out.find((x) => x.itemId === item.id)!;
        Object.assign(o, failure(item.id, error));
      }
    }
    return this.withItems(out);
  }

  /** Gives items to another reviewer: an admin always, the item's reviewer where the campaign allows it. */
  async reassign(
    campaignId: string,
    itemIds: string[],
    toPersonId: string,
    caller: ReviewCaller,
  ): Promise<ItemOutcome[]> {
    const campaign = await this.openCampaign(campaignId);
    const config = campaignFields(campaign).config;
    if (caller.role !== 'admin' && !config.allowReassign)
      throw new AppError(
        'forbidden',
        'reassign_not_allowed',
        'this campaign does not let reviewers reassign items',
      );
    const to = await this.people.get(toPersonId);
    if (to.disabled)
      throw new AppError('invalid_input', 'reviewer_disabled', `${to.email} is disabled and cannot review`);
    const out: ItemOutcome[] = [];
    for (const itemId of itemIds) {
      try {
        const item = await this.itemFor(campaignId, itemId, caller);
        const now = await this.repo.currentEmail(item.connection_id, item.remote_user_id);
        if (item.email.toLowerCase() === to.email || now?.toLowerCase() === to.email)
          throw new AppError('invalid_input', 'self_review', `${to.email} cannot review their own access`);
        if ((await this.repo.reassign([item.id], to.id, this.now().toISOString())) !== 1)
          throw await this.notDecidable(item.id);
        out.push({ itemId, ok: true });
      } catch (error) {
        out.push(failure(itemId, error));
      }
    }
    const moved = out.filter((o) => o.ok).map((o) => o.itemId);
    if (moved.length)
      await this.audit.record({
        actor: caller.actor,
        action: 'review_reassigned',
        via: caller.via,
        outcome: 'done',
        targets: [to.email],
        detail: { campaignId, items: moved },
      });
    return this.withItems(out);
  }

  /**
   * An operator's or admin's answer to decisions that raise access: approved ones are carried out (by the
   * approver's authority, named in the audit log), declined ones are kept as they were. Nobody approves a
   * raise of their own access.
   */
  async approve(
    campaignId: string,
    itemIds: string[],
    approve: boolean,
    caller: ReviewCaller,
  ): Promise<ItemOutcome[]> {
    const campaign = await this.openCampaign(campaignId);
    const config = campaignFields(campaign).config;
    if (caller.role !== 'operator' && caller.role !== 'admin')
      throw new AppError(
        'forbidden',
        'approval_needs_operator',
        'a decision that raises access is approved by an operator or admin',
      );
    const out: ItemOutcome[] = [];
    const toApply: ReviewItemRow[] = [];
    for (const itemId of itemIds) {
      try {
        const item = await this.repo.item(itemId);
        if (!item || item.campaign_id !== campaignId) throw itemNotFound(itemId);
        await this.refuseSelf(item, caller);
        if (item.status !== 'awaiting_approval')
          throw new AppError(
            'conflict',
            'not_awaiting_approval',
            `item ${itemId} is ${item.status}: only decisions that raise access wait for approval`,
            { status: item.status },
          );
        const at = this.now().toISOString();
        const moved = await this.repo.move(item.id, ['awaiting_approval'], {
          status: approve ? 'submitted' : 'kept',
          result: approve ? null : `kept as it was: ${raiseOf(item)} was declined`,
          approved_by: approve ? caller.actor : null,
          approved_at: approve ? at : null,
          updated_at: at,
        });
        if (!moved) throw await this.notDecidable(item.id);
        if (approve) toApply.push((await this.repo.item(item.id))!);
        out.push({ itemId, ok: true });
      } catch (error) {
        out.push(failure(itemId, error));
      }
    }
    const answered = out.filter((o) => o.ok).map((o) => o.itemId);
    if (answered.length)
      await this.audit.record({
        actor: caller.actor,
        action: approve ? 'review_raise_approved' : 'review_raise_declined',
        via: caller.via,
        outcome: 'done',
        targets: await Promise.all(answered.map(async (id) => (await this.repo.item(id))!.email)),
        detail: { campaignId, items: answered },
      });
    for (const item of toApply) {
      try {
        await this.runner.apply(item, config);
      } catch (error) {
        Object.assign(out.find((x) => x.itemId === item.id)!, failure(item.id, error));
      }
    }
    return this.withItems(out);
  }

  /** Carries failed items out again (a new attempt with a key of its own). */
  async retry(campaignId: string, itemIds: string[]): Promise<ItemOutcome[]> {
    const campaign = await this.openCampaign(campaignId);
    const config = campaignFields(campaign).config;
    const out: ItemOutcome[] = [];
    for (const itemId of itemIds) {
      try {
        const item = await this.repo.item(itemId);
        if (!item || item.campaign_id !== campaignId) throw itemNotFound(itemId);
        if (item.status !== 'failed' && item.status !== 'applying')
          throw new AppError(
            'conflict',
            'not_failed',
            `item ${itemId} is ${item.status}: only failed items are retried`,
          );
        const after = await this.runner.apply(item, config);
        out.push({ itemId, ok: after.status === 'done' || after.status === 'kept' });
      } catch (error) {
        out.push(failure(itemId, error));
      }
    }
    return this.withItems(out);
  }

  /**
   * Closes a campaign as a resumable run: undecided items take the configured default, decisions not yet
   * carried out are carried out, and what monday shows of every item is read and kept. Only then is it closed;
   * if monday cannot be read, it stays closing and a later close resumes it.
   */
  async close(campaignId: string, by: Pick<ReviewCaller, 'actor' | 'via'>): Promise<CampaignView> {
    const row = await this.campaignRow(campaignId);
    if (row.status === 'closed') return this.get(campaignId);
    const token = describeHolder(`review ${campaignId} close ${newId('rcl')}`);
    if (!(await this.repo.claimClose(campaignId, token, this.now(), this.timing.leaseMs)))
      throw new AppError(
        'conflict',
        'campaign_closing',
        `campaign ${campaignId} is being closed by ${row.holder ?? 'another process'}; if it stopped, close again after ${row.lease_until}`,
      );
    const beat = setInterval(() => {
      void this.repo.heartbeat(campaignId, token, this.now(), this.timing.leaseMs).catch(() => undefined);
    }, this.timing.heartbeatMs);
    beat.unref();
    try {
      const config = campaignFields(row).config;
      const at = () => this.now().toISOString();
      for (const item of await this.repo.items(campaignId, {
        statuses: ['open', 'decided', 'awaiting_approval'],
      })) {
        const raise = item.status === 'open' ? null : raiseOf(item);
        if (raise) {
          // Raising access needs an operator's or admin's yes; without one, the user keeps what they had.
          await this.repo.move(
            item.id,
            [item.status],
            {
              status: 'kept',
              result: `kept as it was: ${raise} was not approved by an operator or admin before the close`,
              submitted_at: item.submitted_at ?? at(),
              updated_at: at(),
            },
            token,
          );
        } else if (item.status === 'decided') {
          // A decision the reviewer made stands, submitted or not.
          await this.repo.move(
            item.id,
            ['decided'],
            {
              status: item.decision === 'keep' ? 'kept' : 'submitted',
              submitted_at: at(),
              updated_at: at(),
              ...(item.decision === 'keep' ? { result: 'kept as it was' } : {}),
            },
            token,
          );
        } else if (config.closeDefault === 'none') {
          await this.repo.move(
            item.id,
            ['open'],
            { status: 'not_reviewed', result: 'not reviewed by the close', updated_at: at() },
            token,
          );
        } else {
          // A default that would raise access (a guest "downgraded" to viewer) is not carried out either.
          const raise = raiseOf({ ...item, decision: config.closeDefault, decision_role: null });
          const keep = config.closeDefault === 'keep' || raise !== null;
          await this.repo.move(
            item.id,
            ['open'],
            {
              decision: config.closeDefault,
              decided_by: 'campaign-default',
              decided_at: at(),
              comment: `undecided at the close: the campaign's default (${config.closeDefault})`,
              status: keep ? 'kept' : 'submitted',
              result: raise
                ? `kept as it was: the default would mean ${raise}, which a review does not do`
                : keep
                  ? 'kept as it was (the default)'
                  : null,
              submitted_at: at(),
              updated_at: at(),
            },
            token,
          );
        }
      }
      // An account disconnected (by force) since the launch cannot be acted on or read: its items say so.
      const gone = new Set<string>();
      for (const connectionId of config.scope.connectionIds)
        if (!(await this.connections.exists(connectionId))) gone.add(connectionId);
      for (const item of await this.repo.items(campaignId, { statuses: ['submitted', 'failed', 'applying'] }))
        if (!gone.has(item.connection_id))
          await this.runner.apply(item, config, token).catch(() => undefined);
      // The evidence: what monday shows of every item now, read per account; none is skipped.
      const all = await this.repo.items(campaignId);
      const byConnection = new Map<string, ReviewItemRow[]>();
      for (const item of all)
        byConnection.set(item.connection_id, [...(byConnection.get(item.connection_id) ?? []), item]);
      for (const [connectionId, items] of byConnection) {
        if (gone.has(connectionId)) {
          for (const item of items) {
            const unsettled = ['submitted', 'failed', 'applying'].includes(item.status);
            await this.repo.recordAfter(item.id, token, {
              after_at: at(),
              ...(unsettled ? { status: 'failed', holder: null, lease_until: null } : {}),
              result: `${unsettled ? 'not carried out' : (item.result ?? item.status)}; account disconnected, state unknown`,
            });
          }
          continue;
        }
        let seen: Awaited<ReturnType<typeof observe>>;
        try {
          seen = await observe(
            await this.connections.api(connectionId),
            items.map((i) => i.remote_user_id),
          );
        } catch (error) {
          await this.repo.heartbeat(campaignId, token, new Date(0), 0);
          throw new AppError(
            'upstream',
            'close_incomplete',
            `campaign ${campaignId} is not closed: monday could not be asked what it shows now for ${items[0]!.account_name} (${(error as Error).message}); close again to resume`,
          );
        }
        for (const item of items) {
          const after = seen.get(item.remote_user_id) ?? null;
          // A change carried out earlier that monday no longer shows is reported as such, never as done.
          const drifted =
            item.status === 'done' &&
            decisionOutcome(item.decision as ReviewDecision, item.decision_role, after).status !== 'done';
          await this.repo.recordAfter(item.id, token, {
            after: JSON.stringify(after),
            after_at: at(),
            ...(drifted
              ? {
                  status: 'drifted',
                  result: `carried out (${item.result ?? 'done'}), but at the close monday shows ${after ? `${after.role}, ${after.status}` : 'no such user'}`,
                }
              : {}),
          });
        }
      }
      if (!(await this.repo.finishClose(campaignId, token, by.actor, at())))
        throw new AppError(
          'conflict',
          'campaign_closing',
          `campaign ${campaignId} was taken over by another close`,
        );
      await this.audit.record({
        actor: by.actor,
        action: 'review_closed',
        via: by.via,
        outcome: 'done',
        targets: [row.name],
        detail: {
          campaignId,
          progress: progressOf(
            (await this.repo.counts(campaignId)).map((c) => ({ status: c.status, n: c.n })),
            false,
          ),
        },
      });
      return this.get(campaignId);
    } finally {
      clearInterval(beat);
    }
  }

  /** The evidence of a closed campaign (immutable once closed). */
  async report(id: string, format: 'json' | 'csv' | 'html') {
    const campaign = await this.get(id);
    if (campaign.status !== 'closed')
      throw new AppError(
        'conflict',
        'campaign_not_closed',
        `campaign ${id} is ${campaign.status}: its report exists once it is closed`,
      );
    const items = await this.items(id);
    if (format === 'csv') return reportCsv(items);
    if (format === 'html') return reportHtml(campaign, items);
    return { campaign, items };
  }

  // -- helpers

  private async campaignRow(id: string): Promise<CampaignRow> {
    const row = await this.repo.campaign(id);
    if (!row) throw campaignNotFound(id);
    return row;
  }

  private async openCampaign(id: string): Promise<CampaignRow> {
    const row = await this.campaignRow(id);
    if (row.status !== 'open')
      throw new AppError(
        'conflict',
        'campaign_closed',
        `campaign ${id} is ${row.status}: its decisions can no longer change`,
      );
    return row;
  }

  /**
   * An item of the campaign that the caller may handle: theirs, or any for an admin; one they decide is never
   * about their own access.
   */
  private async itemFor(
    campaignId: string,
    itemId: string,
    caller: ReviewCaller,
    options: { deciding?: boolean } = {},
  ): Promise<ReviewItemRow> {
    const item = await this.repo.item(itemId);
    if (!item || item.campaign_id !== campaignId) throw itemNotFound(itemId);
    if (caller.role !== 'admin' && item.reviewer_id !== caller.personId) {
      // A reviewer does not learn of items that are not theirs.
      if (caller.role === 'reviewer') throw itemNotFound(itemId);
      throw new AppError('forbidden', 'not_your_item', `item ${itemId} is assigned to another reviewer`);
    }
    if (options.deciding) await this.refuseSelf(item, caller);
    return item;
  }

  /**
   * Refuses a caller acting on their own access: the person behind the call (signed in, or a key's owner) is the
   * item's monday user when that user's email, at the snapshot or in the copy now, is theirs; and the item's
   * reviewer may be its user only by mistake (an email changed since the launch).
   */
  private async refuseSelf(item: ReviewItemRow, caller: Pick<ReviewCaller, 'personId'>): Promise<void> {
    if (!caller.personId) return;
    const person = await this.people.get(caller.personId);
    const emails = new Set([item.email.toLowerCase()]);
    const now = await this.repo.currentEmail(item.connection_id, item.remote_user_id);
    if (now) emails.add(now.toLowerCase());
    if (emails.has(person.email))
      throw new AppError(
        'forbidden',
        'self_review',
        `${person.email} cannot review or approve their own access (${item.email} in ${item.account_name})`,
      );
  }

  private async notDecidable(itemId: string): Promise<AppError> {
    const now = await this.repo.item(itemId);
    return new AppError(
      'conflict',
      'item_submitted',
      `item ${itemId} is ${now?.status ?? 'gone'}: a submitted decision no longer changes`,
      { status: now?.status },
    );
  }

  private async withItems(out: ItemOutcome[]): Promise<ItemOutcome[]> {
    const ctx = await this.context();
    return Promise.all(
      out.map(async (o) => {
        const row = await this.repo.item(o.itemId);
        return row && (o.ok || o.error?.code !== 'item_not_found')
          ? { ...o, item: toItemView(row, ctx.people, ctx.label) }
          : o;
      }),
    );
  }

  private async context() {
    const people = new Map<string, ReviewerSummary>(
      (await this.people.list()).map((p) => [p.id, { id: p.id, email: p.email, name: p.name }]),
    );
    const names = new Map((await this.connections.list()).map((c) => [c.id, c.accountName]));
    const labels = await this.keys.actorLabels();
    const label = (actor: string) =>
      actor === 'campaign-default'
        ? "the campaign's default"
        : actor === 'scheduler'
          ? 'Seatwise scheduler'
          : labels(actor);
    return { people, names, label };
  }

  private view(
    row: CampaignRow,
    counts: { reviewer_id: string; status: string; n: string | number }[],
    ctx: Awaited<ReturnType<ReviewsService['context']>>,
  ): CampaignView {
    const fields = campaignFields(row);
    const overdue = row.status === 'open' && row.due_at < this.now().toISOString();
    const reviewerIds = [...new Set(counts.map((c) => c.reviewer_id))].sort();
    return {
      ...fields,
      status: row.status,
      overdue,
      createdByName: ctx.label(row.created_by),
      closedByName: row.closed_by ? ctx.label(row.closed_by) : null,
      accounts: fields.config.scope.connectionIds.map((id) => ctx.names.get(id) ?? id),
      progress: progressOf(counts, overdue),
      reviewers: reviewerIds.map((id) => ({
        ...(ctx.people.get(id) ?? { id, email: id, name: null }),
        progress: progressOf(
          counts.filter((c) => c.reviewer_id === id),
          overdue,
        ),
      })),
    };
  }
}

/**
 * A campaign as a reviewer may see it: without the campaign's private fields (the HR leavers list, the rule that
 * assigns reviewers). The other reviewers stay listed: a reviewer hands items on to them.
 */
function forCaller(view: CampaignView, caller: ReviewCaller | undefined): CampaignView {
  if (caller?.role !== 'reviewer') return view;
  const me = caller.personId ?? '';
  const rule = view.config.reviewers;
  const reviewers: CampaignConfig['reviewers'] =
    rule.kind === 'people'
      ? { kind: 'people', personIds: rule.personIds.filter((p) => p === me) }
      : rule.kind === 'connection'
        ? {
            kind: 'connection',
            byConnection: Object.fromEntries(Object.entries(rule.byConnection).filter(([, p]) => p === me)),
          }
        : { kind: 'team_owner', fallbackPersonId: rule.fallbackPersonId === me ? me : '' };
  if (rule.kind !== 'team_owner' && rule.fallbackPersonId === me) reviewers.fallbackPersonId = me;
  return { ...view, config: { ...view.config, leavers: [], reviewers } };
}

/** What a decided item's raise is, in words ("raising viewer to admin"), or null when it keeps or reduces access. */
function raiseOf(item: ReviewItemRow): string | null {
  const from = (JSON.parse(item.snapshot) as { role: string }).role;
  return item.decision && raisesAccess(item.decision as ReviewDecision, item.decision_role, from)
    ? `raising ${item.email} from ${from} to ${item.decision === 'downgrade' ? 'viewer' : item.decision_role}`
    : null;
}

function campaignNotFound(id: string): AppError {
  return new AppError('not_found', 'campaign_not_found', `no access review campaign with id ${id}`);
}

function itemNotFound(id: string): AppError {
  return new AppError('not_found', 'item_not_found', `no item ${id} in this campaign`);
}

function failure(itemId: string, error: unknown): ItemOutcome {
  if (error instanceof AppError)
    return { itemId, ok: false, error: { code: error.code, message: error.message, kind: error.kind } };
  throw error;
}

export type { CampaignConfig };
