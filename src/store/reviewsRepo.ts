import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, ReviewCampaignsTable, ReviewItemsTable, ReviewRemindersTable } from './schema.ts';

export type CampaignRow = Selectable<ReviewCampaignsTable>;
export type ReviewItemRow = Selectable<ReviewItemsTable>;
export type ReminderRow = Selectable<ReviewRemindersTable>;

const BATCH = 200;

/** Campaigns, their items and reminders. Every move of an item or a campaign is conditional on where it stands. */
export class ReviewsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** A campaign and all its items, in one transaction: a launch is whole or not at all. */
  async create(campaign: Insertable<ReviewCampaignsTable>, items: Insertable<ReviewItemsTable>[]) {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('review_campaigns').values(campaign).execute();
      for (let i = 0; i < items.length; i += BATCH)
        await trx
          .insertInto('review_items')
          .values(items.slice(i, i + BATCH))
          .execute();
    });
  }

  campaign(id: string): Promise<CampaignRow | undefined> {
    return this.db.selectFrom('review_campaigns').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Newest first; for a reviewer, only the campaigns with items of theirs. */
  async campaigns(reviewerId?: string): Promise<CampaignRow[]> {
    let q = this.db.selectFrom('review_campaigns').selectAll().orderBy('created_at', 'desc').orderBy('id');
    if (reviewerId !== undefined)
      q = q.where('id', 'in', (eb) =>
        eb.selectFrom('review_items').select('campaign_id').where('reviewer_id', '=', reviewerId),
      );
    return q.execute();
  }

  /** Campaigns not yet closed (open or closing) whose scope includes this connection. */
  async openCampaignsCovering(connectionId: string): Promise<CampaignRow[]> {
    const rows = await this.db
      .selectFrom('review_campaigns')
      .selectAll()
      .where('status', 'in', ['open', 'closing'])
      .orderBy('created_at')
      .execute();
    return rows.filter((r) =>
      (JSON.parse(r.config) as { scope: { connectionIds: string[] } }).scope.connectionIds.includes(
        connectionId,
      ),
    );
  }

  /** Item counts by campaign, reviewer and status (an aggregate, whatever the campaign's size). */
  counts(campaignId?: string) {
    let q = this.db
      .selectFrom('review_items')
      .select(['campaign_id', 'reviewer_id', 'status'])
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .groupBy(['campaign_id', 'reviewer_id', 'status']);
    if (campaignId !== undefined) q = q.where('campaign_id', '=', campaignId);
    return q.execute();
  }

  items(
    campaignId: string,
    filter: { reviewerId?: string; statuses?: readonly string[]; ids?: readonly string[] } = {},
  ): Promise<ReviewItemRow[]> {
    let q = this.db.selectFrom('review_items').selectAll().where('campaign_id', '=', campaignId);
    if (filter.reviewerId !== undefined) q = q.where('reviewer_id', '=', filter.reviewerId);
    if (filter.statuses) q = q.where('status', 'in', [...filter.statuses]);
    if (filter.ids) q = q.where('id', 'in', filter.ids.length ? [...filter.ids] : ['']);
    return q.orderBy('seq').execute();
  }

  /** A reviewer's items in campaigns that are still open, in campaign and item order. */
  inbox(reviewerId: string): Promise<(ReviewItemRow & { campaign_name: string; due_at: string })[]> {
    return this.db
      .selectFrom('review_items as i')
      .innerJoin('review_campaigns as c', 'c.id', 'i.campaign_id')
      .selectAll('i')
      .select(['c.name as campaign_name', 'c.due_at'])
      .where('i.reviewer_id', '=', reviewerId)
      .where('c.status', '=', 'open')
      .orderBy('c.due_at')
      .orderBy('i.campaign_id')
      .orderBy('i.seq')
      .execute();
  }

  item(id: string): Promise<ReviewItemRow | undefined> {
    return this.db.selectFrom('review_items').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Changes an item only if it stands in one of `from` and its campaign is open (or being closed by `closer`):
   * two reviewers, a close and a retry can never both move it.
   */
  async move(
    id: string,
    from: readonly string[],
    changes: Updateable<ReviewItemsTable>,
    closer?: string,
  ): Promise<boolean> {
    const moved = await this.db
      .updateTable('review_items')
      .set(changes)
      .where('id', '=', id)
      .where('status', 'in', [...from])
      .where('campaign_id', 'in', (eb) => {
        const c = eb.selectFrom('review_campaigns').select('id');
        return closer === undefined
          ? c.where('status', '=', 'open')
          : c.where('status', '=', 'closing').where('holder', '=', closer);
      })
      .executeTakeFirst();
    return Number(moved.numUpdatedRows) === 1;
  }

  /** The email the copy holds now for a monday user (null: not in the copy). */
  async currentEmail(connectionId: string, remoteUserId: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('directory_users')
      .select('email')
      .where('connection_id', '=', connectionId)
      .where('remote_id', '=', remoteUserId)
      .executeTakeFirst();
    return row?.email ?? null;
  }

  /**
   * Takes an item to carry its decision out: a submitted or failed one (a new attempt), or one whose runner
   * stopped (the same attempt again, so its idempotency key replays what monday already did).
   */
  async claim(
    id: string,
    token: string,
    now: Date,
    leaseMs: number,
    closer?: string,
  ): Promise<ReviewItemRow | null> {
    const until = new Date(now.getTime() + leaseMs).toISOString();
    const item = await this.item(id);
    if (!item) return null;
    const lapsed = item.status === 'applying' && (item.lease_until ?? '') < now.toISOString();
    if (!lapsed && item.status !== 'submitted' && item.status !== 'failed') return null;
    let q = this.db
      .updateTable('review_items')
      .set({
        status: 'applying',
        holder: token,
        lease_until: until,
        attempts: lapsed ? item.attempts : item.attempts + 1,
        updated_at: now.toISOString(),
      })
      .where('id', '=', id)
      .where('status', '=', item.status)
      .where('attempts', '=', item.attempts);
    if (lapsed) q = q.where('lease_until', '=', item.lease_until);
    q = q.where('campaign_id', 'in', (eb) => {
      const c = eb.selectFrom('review_campaigns').select('id');
      return closer === undefined
        ? c.where('status', '=', 'open')
        : c.where('status', '=', 'closing').where('holder', '=', closer);
    });
    const moved = await q.executeTakeFirst();
    return Number(moved.numUpdatedRows) === 1 ? ((await this.item(id)) ?? null) : null;
  }

  /** Keeps an item this runner carries out its own. */
  async beat(id: string, token: string, now: Date, leaseMs: number): Promise<void> {
    await this.db
      .updateTable('review_items')
      .set({ lease_until: new Date(now.getTime() + leaseMs).toISOString() })
      .where('id', '=', id)
      .where('holder', '=', token)
      .where('status', '=', 'applying')
      .execute();
  }

  /** Records what carrying an item out came to, if this runner still holds it. */
  async settle(id: string, token: string, changes: Updateable<ReviewItemsTable>): Promise<boolean> {
    const moved = await this.db
      .updateTable('review_items')
      .set({ ...changes, holder: null, lease_until: null })
      .where('id', '=', id)
      .where('holder', '=', token)
      .where('status', '=', 'applying')
      .executeTakeFirst();
    return Number(moved.numUpdatedRows) === 1;
  }

  /** Writes what monday showed after, for the evidence (only while the closer holds the campaign). */
  async recordAfter(id: string, closer: string, changes: Updateable<ReviewItemsTable>): Promise<void> {
    await this.db
      .updateTable('review_items')
      .set(changes)
      .where('id', '=', id)
      .where('campaign_id', 'in', (eb) =>
        eb
          .selectFrom('review_campaigns')
          .select('id')
          .where('status', '=', 'closing')
          .where('holder', '=', closer),
      )
      .execute();
  }

  /** Takes a campaign to close it: an open one, or one whose closer stopped. */
  async claimClose(id: string, token: string, now: Date, leaseMs: number): Promise<boolean> {
    const at = now.toISOString();
    const moved = await this.db
      .updateTable('review_campaigns')
      .set({ status: 'closing', holder: token, lease_until: new Date(now.getTime() + leaseMs).toISOString() })
      .where('id', '=', id)
      .where((eb) =>
        eb.or([
          eb('status', '=', 'open'),
          eb.and([eb('status', '=', 'closing'), eb('lease_until', '<', at)]),
        ]),
      )
      .executeTakeFirst();
    return Number(moved.numUpdatedRows) === 1;
  }

  async heartbeat(id: string, token: string, now: Date, leaseMs: number): Promise<boolean> {
    const moved = await this.db
      .updateTable('review_campaigns')
      .set({ lease_until: new Date(now.getTime() + leaseMs).toISOString() })
      .where('id', '=', id)
      .where('holder', '=', token)
      .where('status', '=', 'closing')
      .executeTakeFirst();
    return Number(moved.numUpdatedRows) === 1;
  }

  async finishClose(id: string, token: string, by: string, at: string): Promise<boolean> {
    const moved = await this.db
      .updateTable('review_campaigns')
      .set({ status: 'closed', closed_by: by, closed_at: at, holder: null, lease_until: null })
      .where('id', '=', id)
      .where('holder', '=', token)
      .where('status', '=', 'closing')
      .executeTakeFirst();
    return Number(moved.numUpdatedRows) === 1;
  }

  /** Reassigns items; only those still open or decided (not yet submitted). */
  async reassign(ids: readonly string[], reviewerId: string, at: string): Promise<number> {
    if (ids.length === 0) return 0;
    const moved = await this.db
      .updateTable('review_items')
      .set({ reviewer_id: reviewerId, updated_at: at })
      .where('id', 'in', [...ids])
      .where('status', 'in', ['open', 'decided'])
      .where('campaign_id', 'in', (eb) =>
        eb.selectFrom('review_campaigns').select('id').where('status', '=', 'open'),
      )
      .executeTakeFirst();
    return Number(moved.numUpdatedRows);
  }

  /** Open campaigns past their end, and recurring ones due to launch again. */
  dueToClose(at: string): Promise<CampaignRow[]> {
    return this.db
      .selectFrom('review_campaigns')
      .selectAll()
      .where('ends_at', 'is not', null)
      .where('ends_at', '<=', at)
      .where((eb) => eb.or([eb('status', '=', 'open'), eb('status', '=', 'closing')]))
      .execute();
  }

  dueToRecur(at: string): Promise<CampaignRow[]> {
    return this.db
      .selectFrom('review_campaigns')
      .selectAll()
      .where('next_launch_at', 'is not', null)
      .where('next_launch_at', '<=', at)
      .execute();
  }

  /** Moves a recurring campaign's next launch, if no other process did: the one that does launches it. */
  async moveNextLaunch(id: string, from: string, to: string | null): Promise<boolean> {
    const moved = await this.db
      .updateTable('review_campaigns')
      .set({ next_launch_at: to })
      .where('id', '=', id)
      .where('next_launch_at', '=', from)
      .executeTakeFirst();
    return Number(moved.numUpdatedRows) === 1;
  }

  /** Open campaigns (for reminders). */
  open(): Promise<CampaignRow[]> {
    return this.db.selectFrom('review_campaigns').selectAll().where('status', '=', 'open').execute();
  }

  /** Stores a reminder once per campaign, person and kind; false when it already exists. */
  async addReminder(row: Insertable<ReviewRemindersTable>): Promise<boolean> {
    const inserted = await this.db
      .insertInto('review_reminders')
      .values(row)
      .onConflict((oc) => oc.columns(['campaign_id', 'person_id', 'kind']).doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** Reminders still to send (pending, or failed fewer than `maxAttempts` times). */
  unsent(maxAttempts: number): Promise<ReminderRow[]> {
    return this.db
      .selectFrom('review_reminders')
      .selectAll()
      .where('status', '!=', 'sent')
      .where('attempts', '<', maxAttempts)
      .execute();
  }

  /** Marks a reminder taken for sending by bumping its attempts, if nobody else did. */
  async takeReminder(r: ReminderRow): Promise<boolean> {
    const moved = await this.db
      .updateTable('review_reminders')
      .set({ attempts: r.attempts + 1 })
      .where('campaign_id', '=', r.campaign_id)
      .where('person_id', '=', r.person_id)
      .where('kind', '=', r.kind)
      .where('attempts', '=', r.attempts)
      .where('status', '!=', 'sent')
      .executeTakeFirst();
    return Number(moved.numUpdatedRows) === 1;
  }

  async settleReminder(r: ReminderRow, status: 'sent' | 'failed', error: string | null, at: string) {
    await this.db
      .updateTable('review_reminders')
      .set({ status, last_error: error, sent_at: status === 'sent' ? at : null })
      .where('campaign_id', '=', r.campaign_id)
      .where('person_id', '=', r.person_id)
      .where('kind', '=', r.kind)
      .execute();
  }

  reminders(campaignId: string): Promise<ReminderRow[]> {
    return this.db
      .selectFrom('review_reminders')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .orderBy('created_at')
      .execute();
  }
}
