import { z } from 'zod';
import { invalidInput, prefixed } from '../domain/inputIssues.ts';
import { computeInsights, toCents } from '../domain/insights.ts';
import type { ProposalDraft } from '../domain/policies.ts';
import {
  bucketFor,
  bucketMonthlyPrice,
  DEFAULT_SEAT_BUCKETS,
  type RightSizing,
  rightSize,
  type SeatPricing,
  seatTrendPerDay,
} from '../domain/seatEconomics.ts';
import { money } from '../domain/words.ts';
import type { Store } from '../store/database.ts';
import { SettingsRepo } from '../store/settingsRepo.ts';
import { SyncRunsRepo } from '../store/syncRunsRepo.ts';
import { TeamsRepo } from '../store/teamsRepo.ts';
import type { ConnectionsService, ConnectionView } from './connections.ts';
import { csvRows } from './csv.ts';
import type { Notifier } from './notifier.ts';
import { domainField, emailField, type PoliciesService, type ProposalView } from './policiesService.ts';
import type { UsersService } from './usersService.ts';

const DAY = 86_400_000;
/** Days before a renewal date when the connection's webhook is told. */
export const RENEWAL_REMINDER_DAYS = [30, 7] as const;
/** How much sync history the trend looks at. */
const TREND_DAYS = 180;

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'is not a date such as 2027-01-31')
  .refine(
    (d) =>
      !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    {
      message: 'is not a calendar date',
    },
  );

/** A connection's seat plan settings (with the connection's price per seat and currency). */
export const seatPlanSchema = z
  .object({
    seatPrice: z.number().min(0).max(1_000_000).nullable().optional(),
    currency: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{3}$/, 'is not a currency code such as USD')
      .optional(),
    /** Price per month of a whole bucket, by its size: `{ "50": 600 }`. */
    bucketPrices: z
      .record(z.string(), z.number().min(0).max(100_000_000))
      .superRefine((prices, ctx) => {
        for (const size of Object.keys(prices))
          if (!/^[1-9]\d{0,6}$/.test(size))
            ctx.addIssue({
              code: 'custom',
              path: [size],
              message: 'is not a bucket size (a number of seats)',
            });
      })
      .optional(),
    billingPeriod: z.enum(['monthly', 'yearly']).nullable().optional(),
    renewalDate: isoDate.nullable().optional(),
    protectedEmails: z.array(emailField).max(10_000).optional(),
    protectedDomains: z.array(domainField).max(1000).optional(),
  })
  .strict();
export type SeatPlanInput = z.input<typeof seatPlanSchema>;

const bucketsSchema = z
  .array(z.number().int().min(1).max(10_000_000))
  .min(1, 'needs at least one bucket size')
  .max(200);

interface StoredSeatPlan {
  bucketPrices: Record<string, number>;
  billingPeriod: 'monthly' | 'yearly' | null;
  renewalDate: string | null;
  protectedEmails: string[];
  protectedDomains: string[];
}
const emptyPlan: StoredSeatPlan = {
  bucketPrices: {},
  billingPeriod: null,
  renewalDate: null,
  protectedEmails: [],
  protectedDomains: [],
};

export interface SeatPlanView extends StoredSeatPlan {
  connectionId: string;
  seatPrice: number | null;
  currency: string;
  buckets: number[];
}

/** The renewal ahead: what the trend says the account will need then, and the plan to be in a smaller bucket. */
export interface RenewalPlan {
  date: string;
  daysLeft: number;
  /** Paid seats gained (or lost) a month, from the sync history's member seats. */
  trendPerMonth: number;
  projectedSeats: number;
  /** The bucket the projected seats need if nothing changes. */
  bucketIfNothingChanges: number | null;
  plan: RightSizing;
}

export interface ConnectionRightSizing extends RightSizing {
  connectionId: string;
  accountName: string;
  planTier: string | null;
  lastSyncedAt: string | null;
  inactiveDays: number;
  billingPeriod: 'monthly' | 'yearly' | null;
  renewal: RenewalPlan | null;
}

export interface TeamCost {
  connectionId: string;
  accountName: string;
  teamId: string | null;
  teamName: string;
  /** Paid seat holders in the team (each counted whole). */
  holders: number;
  /** Their seats, each split evenly among its holder's teams. */
  paidSeats: number;
  currency: string;
  monthlyCost: number | null;
  yearlyCost: number | null;
}

export const TEAM_COST_RULE =
  'A paid seat is a member seat (an active admin or member). A person in several teams counts 1/n of a seat in each; seats of people in no team are listed as "(no team)". A seat costs the price per seat, or, with bucket prices only, the bucket\'s price shared over the seats in use. Guests billed on Standard are not attributed to teams.';

/**
 * Seat economics: which monday bucket each account is on, the smallest it can be in and the fewest changes
 * that get it there, the renewal ahead, and what each team's paid seats cost.
 */
export class EconomicsService {
  private readonly settings: SettingsRepo;
  private readonly runs: SyncRunsRepo;
  private readonly teams: TeamsRepo;
  private lastReminderPass = 0;

  constructor(
    store: Store,
    private readonly connections: ConnectionsService,
    private readonly users: UsersService,
    private readonly policies: PoliciesService,
    private readonly notifier: Notifier,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.settings = new SettingsRepo(store.db);
    this.runs = new SyncRunsRepo(store.db);
    this.teams = new TeamsRepo(store.db);
  }

  /** The bucket sizes monday sells (a setting; monday's published sizes by default). */
  async buckets(): Promise<number[]> {
    return this.settings.get<number[]>('seat_buckets', [...DEFAULT_SEAT_BUCKETS]);
  }

  async setBuckets(raw: unknown): Promise<number[]> {
    const parsed = bucketsSchema.safeParse(raw);
    if (!parsed.success) throw invalidInput('invalid_settings', prefixed(parsed.error, 'seatBuckets'), raw);
    const list = [...new Set(parsed.data)].sort((a, b) => a - b);
    await this.settings.set('seat_buckets', list);
    return list;
  }

  async seatPlan(connectionId: string): Promise<SeatPlanView> {
    const c = await this.connections.get(connectionId);
    return this.viewOf(c, await this.storedPlan(connectionId));
  }

  /** Sets a connection's seat plan; the price per seat and currency are the connection's own. */
  async setSeatPlan(connectionId: string, raw: SeatPlanInput): Promise<SeatPlanView> {
    const parsed = seatPlanSchema.safeParse(raw);
    if (!parsed.success) throw invalidInput('invalid_seat_plan', parsed.error, raw);
    const input = parsed.data;
    await this.connections.get(connectionId);
    if (input.seatPrice !== undefined || input.currency !== undefined)
      await this.connections.update(connectionId, {
        ...(input.seatPrice !== undefined ? { seatPrice: input.seatPrice } : {}),
        ...(input.currency !== undefined ? { currency: input.currency } : {}),
      });
    const stored = await this.storedPlan(connectionId);
    const next: StoredSeatPlan = {
      bucketPrices: input.bucketPrices ?? stored.bucketPrices,
      billingPeriod: input.billingPeriod !== undefined ? input.billingPeriod : stored.billingPeriod,
      renewalDate: input.renewalDate !== undefined ? input.renewalDate : stored.renewalDate,
      protectedEmails: input.protectedEmails ? [...new Set(input.protectedEmails)] : stored.protectedEmails,
      protectedDomains: input.protectedDomains
        ? [...new Set(input.protectedDomains)]
        : stored.protectedDomains,
    };
    await this.settings.set(planKey(connectionId), next);
    return this.seatPlan(connectionId);
  }

  /** Right-sizing for one connection or every one. */
  async rightSizing(connectionId?: string): Promise<ConnectionRightSizing[]> {
    const list = connectionId ? [await this.connections.get(connectionId)] : await this.connections.list();
    const out: ConnectionRightSizing[] = [];
    for (const c of list) out.push(await this.forConnection(c));
    return out;
  }

  private async forConnection(c: ConnectionView): Promise<ConnectionRightSizing> {
    const now = this.now();
    const stored = await this.storedPlan(c.id);
    const buckets = await this.buckets();
    const groups = await this.users.insightGroups(c.id, now, c.inactiveDays);
    // Seats in use by the insights' own definition; then what only right-sizing needs.
    const { seats } = computeInsights(groups, {
      tier: c.planTier,
      maxUsers: c.maxUsers,
      inactiveDays: c.inactiveDays,
    });
    const memberSeats = seats.memberSeats;
    let pendingMembers = 0;
    let activeAdmins = 0;
    for (const g of groups) {
      if (g.status === 'pending' && (g.role === 'admin' || g.role === 'member')) pendingMembers += g.count;
      if (g.status === 'active' && g.role === 'admin') activeAdmins += g.count;
    }
    const candidates = (
      await this.users.list({
        connectionId: c.id,
        status: 'active',
        license: 'member',
        inactiveDays: c.inactiveDays,
      })
    ).map((u) => ({
      userId: u.id,
      email: u.email,
      name: u.name,
      role: u.role,
      lastActivityAt: u.lastActivityAt,
      createdAt: u.createdAt,
    }));
    const facts = await this.connections.facts(c.id);
    const pricing = this.pricingOf(c, stored);
    const input = {
      currentBucket: c.maxUsers,
      buckets,
      seats: { memberSeats, billedGuests: seats.billedGuests, pendingMembers },
      candidates,
      activeAdmins,
      protectedPeople: { emails: stored.protectedEmails, domains: stored.protectedDomains },
      tokenOwnerId: facts.tokenOwnerId,
      pricing,
      now,
    };
    const plan = rightSize(input);
    let renewal: RenewalPlan | null = null;
    if (stored.renewalDate) {
      const renewsAt = Date.parse(`${stored.renewalDate}T00:00:00Z`);
      const daysLeft = Math.ceil((renewsAt - now.getTime()) / DAY);
      const history = await this.runs.snapshots(c.id, 1000);
      const since = now.getTime() - TREND_DAYS * DAY;
      const points = history
        .filter((h) => h.at && Date.parse(h.at) >= since)
        .map((h) => ({ at: h.at, seats: h.memberSeats }));
      const perDay = seatTrendPerDay(points);
      const growth = daysLeft > 0 ? Math.max(-memberSeats, Math.ceil(perDay * daysLeft)) : 0;
      const atRenewal = rightSize({ ...input, seats: { ...input.seats, memberSeats: memberSeats + growth } });
      renewal = {
        date: stored.renewalDate,
        daysLeft,
        trendPerMonth: Math.round(perDay * 30 * 10) / 10,
        projectedSeats: atRenewal.seatsUsed,
        bucketIfNothingChanges: bucketFor(atRenewal.seatsNeeded, buckets),
        plan: atRenewal,
      };
    }
    return {
      connectionId: c.id,
      accountName: c.accountName,
      planTier: c.planTier,
      lastSyncedAt: c.lastSyncedAt,
      inactiveDays: c.inactiveDays,
      billingPeriod: stored.billingPeriod,
      ...plan,
      renewal,
    };
  }

  /**
   * The proposals a right-sizing policy makes: the changes of the plan for the renewal when a renewal date
   * is set (the trend included), else of the plan for now.
   */
  async drafts(connectionId: string): Promise<ProposalDraft[]> {
    const [r] = await this.rightSizing(connectionId);
    const plan = r!.renewal?.plan ?? r!;
    return plan.changes.map((change) => ({
      remoteUserId: change.userId,
      email: change.email.toLowerCase(),
      action: 'set_role',
      params: { role: 'viewer' },
      reason: `right-sizing from the ${plan.currentBucket}-seat bucket to ${plan.targetBucket}: ${change.reason}`,
    }));
  }

  /**
   * Turns the plan into proposals through the policies flow: the connection's right-sizing policy (made on
   * first use, never applied without review) is evaluated now. Returns its open proposals.
   */
  async propose(connectionId: string): Promise<{ policyId: string; proposals: ProposalView[] }> {
    await this.connections.get(connectionId);
    const policy = await this.policies.ensureRightSizing(connectionId);
    await this.policies.evaluateNow(policy.id);
    const open = await this.policies.proposals({ connectionId, status: 'open', limit: 10_000 });
    return { policyId: policy.id, proposals: open.filter((p) => p.policyId === policy.id) };
  }

  /** Paid seats and their cost per team, per account (one connection or all), with the rule that splits them. */
  async teamCosts(connectionId?: string): Promise<{
    rule: string;
    teams: TeamCost[];
    totals: { currency: string; paidSeats: number; monthlyCost: number | null; yearlyCost: number | null }[];
  }> {
    const list = connectionId ? [await this.connections.get(connectionId)] : await this.connections.list();
    const teams: TeamCost[] = [];
    for (const c of list) {
      const stored = await this.storedPlan(c.id);
      const pricing = this.pricingOf(c, stored);
      const shares = await this.teams.paidSeatShares(c.id);
      const bucketPrice = c.maxUsers === null ? null : bucketMonthlyPrice(c.maxUsers, pricing);
      const seatCost =
        pricing.seatPrice ??
        (bucketPrice !== null && shares.paidSeats > 0 ? bucketPrice / shares.paidSeats : null);
      const row = (teamId: string | null, teamName: string, holders: number, seats: number): TeamCost => ({
        connectionId: c.id,
        accountName: c.accountName,
        teamId,
        teamName,
        holders,
        paidSeats: toCents(seats),
        currency: pricing.currency,
        monthlyCost: seatCost === null ? null : toCents(seats * seatCost),
        yearlyCost: seatCost === null ? null : toCents(seats * seatCost * 12),
      });
      for (const t of shares.teams) teams.push(row(t.teamId, t.name, t.holders, t.share));
      if (shares.inNoTeam > 0) teams.push(row(null, '(no team)', shares.inNoTeam, shares.inNoTeam));
    }
    const totals = new Map<
      string,
      { currency: string; paidSeats: number; monthlyCost: number | null; yearlyCost: number | null }
    >();
    for (const t of teams) {
      const total = totals.get(t.currency) ?? {
        currency: t.currency,
        paidSeats: 0,
        monthlyCost: 0,
        yearlyCost: 0,
      };
      total.paidSeats = toCents(total.paidSeats + t.paidSeats);
      total.monthlyCost =
        total.monthlyCost === null || t.monthlyCost === null
          ? null
          : toCents(total.monthlyCost + t.monthlyCost);
      total.yearlyCost =
        total.yearlyCost === null || t.yearlyCost === null ? null : toCents(total.yearlyCost + t.yearlyCost);
      totals.set(t.currency, total);
    }
    return { rule: TEAM_COST_RULE, teams, totals: [...totals.values()] };
  }

  /**
   * Tells each connection's webhook 30 and 7 days before its renewal date, once each: the reminder is claimed
   * and stored in one transaction, so two processes never both send it and a crash never loses it. Runs at
   * most once a minute unless forced.
   */
  async remindRenewals(options: { force?: boolean } = {}): Promise<{ connectionId: string; days: number }[]> {
    const now = this.now();
    if (!options.force && now.getTime() - this.lastReminderPass < 60_000) return [];
    this.lastReminderPass = now.getTime();
    const sent: { connectionId: string; days: number }[] = [];
    for (const c of await this.connections.list()) {
      const stored = await this.storedPlan(c.id);
      if (!stored.renewalDate) continue;
      const daysLeft = Math.ceil((Date.parse(`${stored.renewalDate}T00:00:00Z`) - now.getTime()) / DAY);
      if (daysLeft < 0) continue;
      // The nearest threshold reached: a renewal set 5 days ahead gets the 7-day reminder only.
      const due = Math.min(...RENEWAL_REMINDER_DAYS.filter((d) => daysLeft <= d));
      if (!Number.isFinite(due)) continue;
      const r = await this.forConnection(c);
      const plan = r.renewal!.plan;
      const saving = plan.yearlySaving ? `, saving ${money(plan.yearlySaving, plan.currency)} a year` : '';
      const advice =
        plan.targetBucket !== null && plan.currentBucket !== null && plan.targetBucket < plan.currentBucket
          ? `the ${plan.targetBucket}-seat bucket is reachable with ${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'}${saving}. Create proposals with: seatwise insights right-size ${c.id} --propose`
          : 'no smaller bucket is reachable.';
      const text = `Seatwise: ${c.accountName} renews on ${stored.renewalDate} (in ${daysLeft} day${daysLeft === 1 ? '' : 's'}): about ${r.renewal!.projectedSeats} paid seats expected on the ${plan.currentBucket ?? '?'}-seat plan; ${advice}`;
      const delivered = await this.notifier.notifyOnce(
        `renewal_reminder:${c.id}:${stored.renewalDate}:${due}`,
        c.id,
        'renewal_reminder',
        text,
        {
          renewalDate: stored.renewalDate,
          daysLeft,
          reminder: due,
          currentBucket: plan.currentBucket,
          targetBucket: plan.targetBucket,
          changes: plan.changes.length,
          yearlySaving: plan.yearlySaving,
          currency: plan.currency,
        },
      );
      if (delivered) sent.push({ connectionId: c.id, days: due });
    }
    return sent;
  }

  private pricingOf(c: ConnectionView, stored: StoredSeatPlan): SeatPricing {
    return { currency: c.currency ?? 'USD', seatPrice: c.seatPrice, bucketPrices: stored.bucketPrices };
  }

  private async storedPlan(connectionId: string): Promise<StoredSeatPlan> {
    return { ...emptyPlan, ...(await this.settings.get<Partial<StoredSeatPlan>>(planKey(connectionId), {})) };
  }

  private async viewOf(c: ConnectionView, stored: StoredSeatPlan): Promise<SeatPlanView> {
    return {
      connectionId: c.id,
      seatPrice: c.seatPrice,
      currency: c.currency ?? 'USD',
      ...stored,
      buckets: await this.buckets(),
    };
  }
}

function planKey(connectionId: string): string {
  return `seat_plan:${connectionId}`;
}

/** Cost by team as CSV for finance (chargeback, showback): one row per team per account, then the rule. */
export function teamCostsCsv(teams: readonly TeamCost[]): string {
  const header = [
    'account',
    'connectionId',
    'teamId',
    'team',
    'holders',
    'paidSeats',
    'currency',
    'monthlyCost',
    'yearlyCost',
  ];
  const rows = teams.map((t) => [
    t.accountName,
    t.connectionId,
    t.teamId ?? '',
    t.teamName,
    t.holders,
    t.paidSeats.toFixed(2),
    t.currency,
    t.monthlyCost === null ? '' : t.monthlyCost.toFixed(2),
    t.yearlyCost === null ? '' : t.yearlyCost.toFixed(2),
  ]);
  return csvRows([header, ...rows]);
}
