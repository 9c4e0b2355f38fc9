import { z } from 'zod';
import { AppError } from '../domain/appError.ts';
import { licenses, statuses, storedRoles } from '../domain/directory.ts';
import { hashText } from '../domain/hash.ts';
import { invalidInput } from '../domain/inputIssues.ts';
import type { InsightGroup } from '../domain/insights.ts';
import type { Store } from '../store/database.ts';
import {
  type ChangeEventRow,
  DirectoryRepo,
  type DirectoryUserRow,
  type UserPosition,
  type UserSortKey,
} from '../store/directoryRepo.ts';
import { TeamsRepo } from '../store/teamsRepo.ts';

/** A synced user as every interface shows it; `id` is the monday user id. */
export interface UserView {
  connectionId: string;
  id: string;
  name: string;
  email: string;
  title: string;
  /** `other`: not a person (an agent, service or portal user); `kind` says which. */
  role: (typeof storedRoles)[number];
  /** monday's own kind, as it sent it. */
  kind: string | null;
  status: (typeof statuses)[number];
  license: (typeof licenses)[number] | null;
  lastActivityAt: string | null;
  createdAt: string | null;
  scimLinked: boolean;
  invitationMethod: string | null;
  removed: boolean;
}

/** The columns of a users export (CSV), the same in the CLI and the HTTP API. */
export const userExportColumns = [
  'connectionId',
  'id',
  'name',
  'email',
  'title',
  'role',
  'kind',
  'status',
  'license',
  'lastActivityAt',
  'createdAt',
  'scimLinked',
] as const;

export const userFiltersSchema = z.object({
  connectionId: z.string().min(1).optional(),
  role: z.enum(storedRoles).optional(),
  status: z.enum(statuses).optional(),
  /** `none`: users without a license (deactivated, or not people); several comma-separated: any of them. */
  license: z
    .string()
    .trim()
    .refine((v) => v.split(',').every((l) => ([...licenses, 'none'] as string[]).includes(l)), {
      message: `must be ${[...licenses, 'none'].join(', ')}, or several of them comma-separated (guest,viewer)`,
    })
    .optional(),
  inactiveDays: z.coerce.number().int().min(0).max(36_500).optional(),
  search: z.string().max(200).optional(),
  /** Members of this monday team (its id). */
  team: z
    .string()
    .trim()
    .regex(/^\d{1,20}$/, 'must be a monday team id (digits)')
    .optional(),
});
export type UserFiltersInput = z.input<typeof userFiltersSchema>;

/** A team a user is in, and whether they own it. */
export interface UserTeamView {
  id: string;
  name: string;
  owner: boolean;
  isGuest: boolean;
}

export interface ChangeEventView {
  id: number;
  runId: string | null;
  kind: string;
  /** The team a team event is about. */
  teamId?: string;
  before: unknown;
  after: unknown;
  occurredAt: string;
  /** The audit entry of the Seatwise action that made the change, and who ran it (null: a sync saw it). */
  auditId: number | null;
  by: string | null;
}

/** Reads synced users with filters, and one user's history with the "why this license" explanation. */
export class UsersService {
  private readonly repo: DirectoryRepo;
  private readonly teams: TeamsRepo;

  constructor(
    store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.repo = new DirectoryRepo(store.db, store.dialect);
    this.teams = new TeamsRepo(store.db);
  }

  /**
   * One page of users in the given order, after the position a cursor names; `nextCursor` is null on the last
   * page. The total that match is counted only when asked for (it costs a scan; pages do not).
   */
  async page(
    raw: UserFiltersInput,
    order: {
      sort: UserSortKey;
      direction: 'asc' | 'desc';
      limit: number;
      cursor?: string;
      withTotal?: boolean;
    },
  ): Promise<{
    users: (UserView & { teams: { id: string; name: string }[] })[];
    nextCursor: string | null;
    total?: number;
  }> {
    const filters = { ...this.filters(raw), now: this.now() };
    const fingerprint = JSON.stringify({
      ...filters,
      now: undefined,
      sort: order.sort,
      direction: order.direction,
    });
    const after = order.cursor ? decodeCursor(order.cursor, fingerprint) : undefined;
    const [rows, total] = await Promise.all([
      this.repo.query(filters, {
        sort: order.sort,
        direction: order.direction,
        limit: order.limit + 1,
        after,
      }),
      order.withTotal ? this.repo.count(filters) : Promise.resolve(undefined),
    ]);
    const more = rows.length > order.limit;
    const shown = more ? rows.slice(0, order.limit) : rows;
    const last = shown[shown.length - 1];
    const nextCursor =
      more && last ? encodeCursor([last.sort_key, last.connection_id, last.remote_id], fingerprint) : null;
    const users = await this.withTeams(shown.map(toUserView));
    return { users, nextCursor, ...(total === undefined ? {} : { total }) };
  }

  /** The users with the teams each is in (a page's worth: one look-up per connection on it). */
  private async withTeams(
    users: UserView[],
  ): Promise<(UserView & { teams: { id: string; name: string }[] })[]> {
    const byConnection = new Map<string, string[]>();
    for (const u of users)
      byConnection.set(u.connectionId, [...(byConnection.get(u.connectionId) ?? []), u.id]);
    const teams = new Map<string, { id: string; name: string }[]>();
    for (const [connectionId, ids] of byConnection) {
      for (const [userId, list] of await this.teams.teamsOfUsers(connectionId, ids))
        teams.set(
          `${connectionId}/${userId}`,
          list.map((t) => ({ id: t.teamId, name: t.name })),
        );
    }
    return users.map((u) => ({ ...u, teams: teams.get(`${u.connectionId}/${u.id}`) ?? [] }));
  }

  /** Every user matching the filters, in order, read a page at a time (for exports of any size). */
  async *stream(
    raw: UserFiltersInput,
    order: { sort: UserSortKey; direction: 'asc' | 'desc' } = { sort: 'name', direction: 'asc' },
  ): AsyncGenerator<UserView> {
    const filters = { ...this.filters(raw), now: this.now() };
    for await (const rows of this.repo.stream(filters, order)) {
      for (const row of rows) yield toUserView(row);
    }
  }

  /** People in more than one connection: each email, and who it is in each. */
  async sharedEmails(limit: number) {
    const shared = await this.repo.sharedEmails(limit);
    const rows = await this.repo.usersByEmailAnywhere(shared.map((s) => s.email));
    return shared.map((s) => ({
      ...s,
      users: rows.filter((r) => r.email.toLowerCase() === s.email).map(toUserView),
    }));
  }

  async guestsOnDomains(domains: string[], limit: number): Promise<UserView[]> {
    return (await this.repo.guestsOnDomains(domains, limit)).map(toUserView);
  }

  /** The stored users of a connection with these emails, any case. */
  async byEmails(connectionId: string, emails: string[]): Promise<UserView[]> {
    return (await this.repo.getByEmails(connectionId, emails)).map(toUserView);
  }

  /** Every user matching the filters, collected (for small sets: one connection's targets, tests). */
  async list(
    raw: UserFiltersInput,
    order?: { sort: UserSortKey; direction: 'asc' | 'desc' },
  ): Promise<UserView[]> {
    const out: UserView[] = [];
    for await (const user of this.stream(raw, order)) out.push(user);
    return out;
  }

  /** Changes whenever the connection's copy does: a sync published or an action wrote. */
  copyVersion(connectionId: string): Promise<string> {
    return this.repo.copyVersion(connectionId);
  }

  /** Counts by role, status and license for a connection's insights, aggregated in SQL. */
  activityHistogram(connectionId: string, now: Date) {
    return this.repo.activityHistogram(connectionId, now);
  }

  insightGroups(connectionId: string, now: Date, inactiveDays: number): Promise<InsightGroup[]> {
    return this.repo.insightGroups(connectionId, now, inactiveDays);
  }

  pendingAges(connectionId: string, now: Date) {
    return this.repo.pendingAges(connectionId, now);
  }

  private filters(raw: UserFiltersInput) {
    const parsed = userFiltersSchema.safeParse(raw);
    if (!parsed.success) throw invalidInput('invalid_filter', parsed.error, raw);
    return parsed.data;
  }

  async get(
    connectionId: string,
    userId: string,
  ): Promise<UserView & { explanation: string; teams: UserTeamView[]; history: ChangeEventView[] }> {
    const row = await this.repo.get(connectionId, userId);
    if (!row)
      throw new AppError(
        'not_found',
        'user_not_found',
        `no synced user ${userId} in connection ${connectionId}`,
      );
    const events = await this.repo.events(connectionId, { remoteUserId: userId });
    const teams = (await this.teams.teamsOfUsers(connectionId, [userId])).get(userId) ?? [];
    return {
      ...toUserView(row),
      explanation: row.explanation,
      teams: teams.map((t) => ({ id: t.teamId, name: t.name, owner: t.owner, isGuest: t.isGuest })),
      history: events.map(toEventView),
    };
  }

  /**
   * One page of a run's change events and the cursor of the next page (null on the last), as the API and the
   * CLI show them. The cursor is the id the page ended on.
   */
  async changesPage(
    connectionId: string,
    runId: string,
    page: { limit: number; cursor?: string },
  ): Promise<{ events: (ChangeEventView & { userId: string })[]; nextCursor: string | null }> {
    if (page.cursor !== undefined && !/^\d{1,15}$/.test(page.cursor)) {
      throw new AppError('invalid_input', 'invalid_cursor', 'cursor is not a cursor from a previous page');
    }
    const events = await this.changes(connectionId, runId, {
      afterId: page.cursor === undefined ? undefined : Number(page.cursor),
      limit: page.limit + 1,
    });
    const more = events.length > page.limit;
    const shown = more ? events.slice(0, page.limit) : events;
    return { events: shown, nextCursor: more ? String(shown[shown.length - 1]!.id) : null };
  }

  /** A run's change events in order, a page at a time after the id a previous page ended on. */
  async changes(
    connectionId: string,
    runId: string,
    page: { afterId?: number; limit?: number } = {},
  ): Promise<(ChangeEventView & { userId: string; userEmail?: string })[]> {
    const events = await this.repo.events(connectionId, { runId, ...page });
    // Who each event is about, by email where the copy has them (team events name no user).
    const ids = [...new Set(events.map((e) => e.remote_user_id).filter(Boolean))];
    const emails = new Map((await this.repo.getMany(connectionId, ids)).map((u) => [u.remote_id, u.email]));
    return events.map((e) => ({
      ...toEventView(e),
      userId: e.remote_user_id,
      ...(emails.has(e.remote_user_id) ? { userEmail: emails.get(e.remote_user_id) } : {}),
    }));
  }
}

/** Cursors are opaque to clients and bound to the query they came from. */
function encodeCursor(position: UserPosition, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ p: position, f: hashText(fingerprint).slice(0, 16) })).toString(
    'base64url',
  );
}

function decodeCursor(cursor: string, fingerprint: string): UserPosition {
  try {
    const { p, f } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(p) &&
      p.length === 3 &&
      p.every((v) => typeof v === 'string') &&
      f === hashText(fingerprint).slice(0, 16)
    )
      return p as unknown as UserPosition;
  } catch {}
  throw new AppError(
    'invalid_input',
    'invalid_cursor',
    'the cursor is not valid for this query (it belongs to other filters or sort, or was altered); start again without it',
  );
}

export function toUserView(row: DirectoryUserRow): UserView {
  return {
    connectionId: row.connection_id,
    id: row.remote_id,
    name: row.name,
    email: row.email,
    title: row.title,
    role: row.role as UserView['role'],
    kind: row.kind,
    status: row.status as UserView['status'],
    license: row.license as UserView['license'],
    lastActivityAt: row.last_activity_at,
    createdAt: row.remote_created_at,
    scimLinked: Boolean(Number(row.scim_linked)),
    invitationMethod: row.invitation_method,
    removed: row.removed_at !== null,
  };
}

function toEventView(row: ChangeEventRow): ChangeEventView {
  return {
    id: row.id,
    runId: row.run_id,
    kind: row.kind,
    ...(row.team_id ? { teamId: row.team_id } : {}),
    before: row.before_value === null ? null : JSON.parse(row.before_value),
    after: row.after_value === null ? null : JSON.parse(row.after_value),
    occurredAt: row.occurred_at,
    auditId: row.audit_id ?? null,
    by: row.audit_actor ?? null,
  };
}
