import { z } from 'zod';
import type { AccountWorkspace } from '../domain/footprint.ts';
import type { GraphqlClient } from './graphqlClient.ts';
import { MondayError, parseAnswer } from './mondayError.ts';
import {
  ACCOUNT_CONNECTIONS,
  ACTIVE_ADMINS,
  BOARD_AUTOMATIONS,
  BOARDS_WITH_OWNERS,
  ME_AND_ACCOUNT,
  PLATFORM_API,
  REVOKE_SERVICE_USER_TOKENS,
  SERVICE_USERS,
  TEAM_MEMBERS_PAGE,
  TEAM_OWNERS,
  TEAMS,
  TEAMS_BY_IDS,
  teamMembersEndDocument,
  USER_TEAMS,
  USERS_BY_EMAILS,
  USERS_BY_IDS,
  USERS_PAGE,
  USERS_PAGE_2026_10,
} from './operations.ts';
import { readAllPages } from './pageReader.ts';

// Bounds far above anything monday sends: a longer value is a broken answer, not a user to store.
const text = (max: number) => z.string().max(max, `is longer than ${max} characters`);
const id = z
  .union([z.string(), z.number().int()])
  .transform(String)
  .pipe(z.string().regex(/^\d{1,20}$/, 'is not a monday id'));

export const remoteUserSchema = z.object({
  id,
  name: text(1000),
  email: text(320),
  title: text(1000).nullish(),
  url: text(2000).nullish(),
  created_at: text(40).nullish(),
  last_activity: text(40).nullish(),
  kind: text(60).nullish(),
  status: text(60).nullish(),
  invitation_method: text(60).nullish(),
  is_email_confirmed: z.boolean().nullish(),
  became_active_at: z.string().nullish(),
  enabled: z.boolean().nullish(),
  is_admin: z.boolean().nullish(),
  is_guest: z.boolean().nullish(),
  is_view_only: z.boolean().nullish(),
  is_pending: z.boolean().nullish(),
});
/** A user exactly as monday returned it (validated at the edge). */
export type RemoteUser = z.infer<typeof remoteUserSchema>;

const accountSchema = z.object({
  me: z.object({
    id,
    name: text(1000),
    email: text(320),
    kind: text(60).nullish(),
    status: text(60).nullish(),
  }),
  account: z.object({
    id,
    name: text(1000),
    slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/i, 'is not an account slug'),
    tier: text(60).nullish(),
    plan: z
      .object({ max_users: z.number().int().min(0), tier: text(60).nullish(), period: text(60).nullish() })
      .nullish(),
    active_members_count: z.number().int().min(0).nullish(),
  }),
  /** The version that answered, and monday's calendar: what Seatwise tells a pinned connection. */
  version: z.object({ kind: text(60), value: text(20) }).nullish(),
  versions: z
    .array(z.object({ kind: text(60), value: text(20) }))
    .max(100)
    .nullish(),
});
export type AccountInfo = z.infer<typeof accountSchema>;

export const remoteTeamSchema = z.object({
  id,
  name: text(1000),
  is_guest: z.boolean().nullish(),
  picture_url: text(2000).nullish(),
});
export type RemoteTeamInfo = z.infer<typeof remoteTeamSchema>;

/** A team as one read found it: its fields, owners and every member in any status. */
export interface RemoteTeam {
  id: string;
  name: string;
  isGuest: boolean;
  pictureUrl: string | null;
  ownerIds: string[];
  memberIds: string[];
}

const teamsSchema = z.object({ teams: z.array(remoteTeamSchema).nullable() });
const teamMembersSchema = z.object({
  teams: z
    .array(
      z.object({
        id,
        owners: z.array(z.object({ id })).nullish(),
        users: z.array(z.object({ id }).nullable()).nullish(),
      }),
    )
    .nullable(),
});
const userTeamsSchema = z.object({
  users: z
    .array(
      z.object({ id, teams: z.array(z.object({ id, name: text(1000).nullish() }).nullable()).nullish() }),
    )
    .nullable(),
});
/** Teams asked about in one members request. */
const TEAMS_PER_REQUEST = 100;
/** Sequences of team member pages read at once. */
const TEAM_READS_AT_ONCE = 4;
/** User look-ups that also list teams: each user may be in many, so fewer at once. */
const USER_TEAMS_PER_REQUEST = 200;

/** monday's largest page: a look-up asks at most this many ids or emails at once. */
const LOOKUP_LIMIT = 1000;

const count = z.number().int().min(0).max(1e12);
const platformApiSchema = z.object({
  platform_api: z
    .object({
      daily_limit: z.object({ base: count.nullish(), total: count.nullish() }).nullish(),
      daily_analytics: z
        .object({
          last_updated: text(40).nullish(),
          by_day: z
            .array(z.object({ day: text(40), usage: count }))
            .max(1000)
            .nullish(),
          by_user: z
            .array(z.object({ user: z.object({ id }).nullish(), usage: count }))
            .max(1_000_000)
            .nullish(),
        })
        .nullish(),
    })
    .nullish(),
});
/** The account's daily API calls: the limit, today's use by everyone and by one user. */
export interface DailyUsage {
  limit: number | null;
  /** Today's calls (UTC), every integration of the account together. */
  usedToday: number | null;
  /** Today's calls by each user id (a personal token counts for its owner). */
  byUser: Map<string, number>;
  lastUpdated: string | null;
}

export const serviceUserSchema = z.object({
  id,
  name: text(1000).nullish(),
  title: text(1000).nullish(),
  enabled: z.boolean().nullish(),
  invited_by_id: id.nullish(),
  created_at: text(40).nullish(),
  last_token_activity: text(40).nullish(),
  has_token: z.boolean().nullish(),
});
export type RemoteServiceUser = z.infer<typeof serviceUserSchema>;
const serviceUsersSchema = z.object({ service_users: z.array(serviceUserSchema).max(1_000_000).nullable() });

const usersPageSchema = z.object({ users: z.array(remoteUserSchema).nullable() });
const idsPageSchema = z.object({ users: z.array(z.object({ id })).nullable() });

/** The GraphQL document for a users page on the version monday serves (2026-10 dropped the legacy booleans). */
export function usersPageDocument(apiVersion: string): string {
  return apiVersion >= '2026-10' ? USERS_PAGE_2026_10 : USERS_PAGE;
}

const automationsPageSchema = z.object({
  board_automations: z.object({
    cursor: z.string().max(2000).nullable(),
    items: z
      .array(
        z.object({
          id,
          user_id: id.nullable(),
          active: z.boolean().nullable(),
          title: text(2000).nullable(),
          workflow_host_data: z.unknown().nullable().optional(),
        }),
      )
      .max(10_000)
      .nullable(),
  }),
});
const connectionsPageSchema = z.object({
  account_connections: z
    .array(
      z.object({
        id,
        userId: id.nullable(),
        provider: text(200).nullable(),
        state: text(100).nullable(),
      }),
    )
    .max(10_000)
    .nullable(),
});
const boardsPageSchema = z.object({
  boards: z
    .array(
      z
        .object({
          id,
          name: text(1000),
          board_kind: text(50),
          owners: z.array(z.object({ id, status: text(50).nullable().optional() }).nullable()),
        })
        .nullable(),
    )
    .max(10_000)
    .nullable(),
});
const teamOwnersSchema = z.object({
  teams: z
    .array(
      z
        .object({
          id,
          name: text(1000),
          owners: z.array(z.object({ id, status: text(50).nullable().optional() }).nullable()).nullable(),
        })
        .nullable(),
    )
    .max(100_000)
    .nullable(),
});
/** A guard against an answer that never ends (the same page again and again). */
const MAX_PAGES = 10_000;

/** Typed monday operations over a GraphqlClient; responses are validated so bad data fails loudly. */
export class MondayApi {
  constructor(readonly client: GraphqlClient) {}

  /**
   * What people built in the account, read once for a plan: automations (2026-10 and later, all of them only
   * with an admin's token), integrations (an admin's token) and the boards the token's owner can see with their
   * owners. A part monday would not give is null with the reason; a read that failed mid-way is unknown too.
   */
  async workspace(tokenOwnerIsAdmin: boolean): Promise<AccountWorkspace> {
    let requests = 0;
    const ask = async <T>(
      document: string,
      variables: Record<string, unknown>,
      schema: z.ZodType<T>,
      what: string,
    ) => {
      requests++;
      const { data } = await this.client.request<unknown>(document, variables);
      return parseAnswer(schema, data, what);
    };
    const why = (error: unknown) =>
      error instanceof MondayError ? `monday did not answer (${error.message})` : (error as Error).message;
    const out: AccountWorkspace = {
      automations: null,
      automationsUnknown: null,
      integrations: null,
      integrationsUnknown: null,
      boards: null,
      boardsUnknown: null,
      teams: null,
      teamsUnknown: null,
      requests: 0,
    };
    if (!tokenOwnerIsAdmin) {
      out.automationsUnknown = "only an admin's token lists every automation of the account";
      out.integrationsUnknown = "only an admin's token lists the account's integrations";
    } else {
      try {
        const items: NonNullable<AccountWorkspace['automations']> = [];
        let cursor: string | null = null;
        for (let page = 0; page < MAX_PAGES; page++) {
          const answer: z.infer<typeof automationsPageSchema> = await ask(
            BOARD_AUTOMATIONS,
            { cursor },
            automationsPageSchema,
            'automations',
          );
          for (const a of answer.board_automations.items ?? []) {
            const host = a.workflow_host_data as { id?: unknown } | null | undefined;
            items.push({
              id: a.id,
              userId: a.user_id ?? '',
              boardId: host && host.id !== undefined && host.id !== null ? String(host.id) : null,
              title: a.title ?? '',
              active: a.active === true,
            });
          }
          cursor = answer.board_automations.cursor;
          if (!cursor) break;
        }
        if (cursor) throw new Error('monday kept answering with another page');
        out.automations = items;
      } catch (error) {
        out.automationsUnknown = /board_automations/.test((error as Error).message)
          ? `the API version monday serves has no automations (2026-10 and later do)`
          : why(error);
      }
      try {
        const rows: NonNullable<AccountWorkspace['integrations']> = [];
        let page = 1;
        for (; page <= MAX_PAGES; page++) {
          const list =
            (await ask(ACCOUNT_CONNECTIONS, { page }, connectionsPageSchema, 'integrations'))
              .account_connections ?? [];
          for (const c of list)
            rows.push({
              id: c.id,
              userId: c.userId ?? '',
              provider: c.provider ?? 'unknown',
              active: c.state === 'active',
            });
          if (list.length < 100) break;
        }
        out.integrations = rows;
      } catch (error) {
        out.integrationsUnknown = why(error);
      }
    }
    try {
      const rows: NonNullable<AccountWorkspace['boards']> = [];
      for (let page = 1; page <= MAX_PAGES; page++) {
        const list = (await ask(BOARDS_WITH_OWNERS, { page }, boardsPageSchema, 'boards')).boards ?? [];
        for (const b of list)
          if (b)
            rows.push({
              id: b.id,
              name: b.name,
              kind: b.board_kind,
              activeOwnerIds: b.owners.flatMap((o) =>
                o && (o.status ?? 'ACTIVE') === 'ACTIVE' ? [o.id] : [],
              ),
            });
        if (list.length < 100) break;
      }
      out.boards = rows;
      out.boardsUnknown =
        "private and shareable boards the connection's token owner is not on are not listed";
    } catch (error) {
      out.boardsUnknown = why(error);
    }
    try {
      const teams = (await ask(TEAM_OWNERS, {}, teamOwnersSchema, 'team owners')).teams ?? [];
      out.teams = teams.flatMap((t) =>
        t
          ? [
              {
                id: t.id,
                name: t.name,
                activeOwnerIds: (t.owners ?? []).flatMap((o) =>
                  o && (o.status ?? 'ACTIVE') === 'ACTIVE' ? [o.id] : [],
                ),
              },
            ]
          : [],
      );
    } catch (error) {
      out.teamsUnknown = why(error);
    }
    out.requests = requests;
    return out;
  }

  /** Who the token belongs to and which account it opens. */
  async meAndAccount(): Promise<AccountInfo> {
    const { data } = await this.client.request<unknown>(ME_AND_ACCOUNT);
    return parseAnswer(accountSchema, data, 'me/account');
  }

  /** The daily call limit and today's use (monday's day runs from 00:00 UTC). */
  async dailyUsage(today: string): Promise<DailyUsage> {
    const { data } = await this.client.request<unknown>(PLATFORM_API);
    const p = parseAnswer(platformApiSchema, data, 'platform api').platform_api;
    const days = p?.daily_analytics?.by_day ?? [];
    const todays = days.find((d) => d.day.slice(0, 10) === today);
    const byUser = new Map<string, number>();
    for (const entry of p?.daily_analytics?.by_user ?? [])
      if (entry.user) byUser.set(entry.user.id, (byUser.get(entry.user.id) ?? 0) + entry.usage);
    return {
      limit: p?.daily_limit?.total ?? p?.daily_limit?.base ?? null,
      // No entry for today while the list has other days: nothing used yet today. No list at all: unknown.
      usedToday: todays ? todays.usage : p?.daily_analytics?.by_day ? 0 : null,
      byUser,
      lastUpdated: p?.daily_analytics?.last_updated ?? null,
    };
  }

  /** Every service user of the account (an admin's token). */
  async serviceUsers(): Promise<RemoteServiceUser[]> {
    const { data } = await this.client.request<unknown>(SERVICE_USERS);
    return parseAnswer(serviceUsersSchema, data, 'service users').service_users ?? [];
  }

  /** Asks monday to revoke a service user's tokens; what it answers says little: read the state after. */
  async revokeServiceUserTokens(serviceUserId: string, idempotencyKey?: string): Promise<boolean | null> {
    const { data } = await this.client.request<{ revoke_service_user_tokens?: unknown }>(
      REVOKE_SERVICE_USER_TOKENS,
      { id: serviceUserId },
      idempotencyKey ? { idempotencyKey } : {},
    );
    const answer = data?.revoke_service_user_tokens;
    return typeof answer === 'boolean' ? answer : null;
  }

  /** One page of users in every status. */
  async usersPage(page: number, limit: number): Promise<RemoteUser[]> {
    const { data } = await this.client.request<unknown>(usersPageDocument, {
      page,
      limit,
    });
    return parseAnswer(usersPageSchema, data, 'users page').users ?? [];
  }

  /** The users among `ids` that exist, in any status; any number of ids, asked 1000 at a time. */
  usersByIds(ids: string[]): Promise<RemoteUser[]> {
    return this.inChunks(ids, USERS_BY_IDS, 'ids', 'users by id');
  }

  /** The users with these emails, in any status; any number of emails, asked 1000 at a time. */
  usersByEmails(emails: string[]): Promise<RemoteUser[]> {
    return this.inChunks(emails, USERS_BY_EMAILS, 'emails', 'users by email');
  }

  /** The same look-ups, with monday's request ids (proof of what monday said, for receipts). */
  async usersByEmailsTraced(emails: string[]): Promise<{ users: RemoteUser[]; requestIds: string[] }> {
    const requestIds: string[] = [];
    const users = await this.inChunks(emails, USERS_BY_EMAILS, 'emails', 'users by email', requestIds);
    return { users, requestIds };
  }

  async usersByIdsTraced(ids: string[]): Promise<{ users: RemoteUser[]; requestIds: string[] }> {
    const requestIds: string[] = [];
    const users = await this.inChunks(ids, USERS_BY_IDS, 'ids', 'users by id', requestIds);
    return { users, requestIds };
  }

  /** How many active admins the account has now (read to the proven end, whatever page size monday applies). */
  async activeAdminCount(): Promise<number> {
    const ids = new Set<string>();
    const fetchPage = async (page: number, limit: number) => {
      const { data } = await this.client.request<unknown>(ACTIVE_ADMINS, { limit, page });
      return parseAnswer(idsPageSchema, data, 'active admins').users ?? [];
    };
    for await (const users of readAllPages(fetchPage, LOOKUP_LIMIT, { expectedRows: 0, window: 1 }))
      for (const user of users) ids.add(user.id);
    return ids.size;
  }

  /**
   * Every team of the account with its owners and all its members (active, pending and deactivated), read to
   * the proven end of each team's list: complete, or an error. A team deleted while it was read is left out;
   * one monday lists but will not describe fails the read.
   */
  async teams(): Promise<RemoteTeam[]> {
    const { data } = await this.client.request<unknown>(TEAMS);
    const infos = parseAnswer(teamsSchema, data, 'teams').teams ?? [];
    const byId = new Map(infos.map((t) => [t.id, t] as const));
    const members = new Map<string, Set<string>>();
    const owners = new Map<string, string[]>();
    const missing = new Set<string>();
    const ids = [...byId.keys()];
    // Each slice of teams, for active and for inactive members, is its own sequence of pages: several are read
    // at once (the account's budget caps how many requests are in flight).
    const reads: (() => Promise<void>)[] = [];
    for (let i = 0; i < ids.length; i += TEAMS_PER_REQUEST) {
      const chunk = ids.slice(i, i + TEAMS_PER_REQUEST);
      for (const inactive of [null, true])
        reads.push(() => this.teamMembers(chunk, inactive, members, owners, missing));
    }
    await inParallel(reads, TEAM_READS_AT_ONCE);
    if (missing.size > 0) {
      // Gone since the list was read: left out. Still there: monday answered two questions differently.
      const { data: again } = await this.client.request<unknown>(TEAMS_BY_IDS, { ids: [...missing] });
      const still = parseAnswer(teamsSchema, again, 'teams by id').teams ?? [];
      if (still.length > 0)
        throw new MondayError(
          'unexpected_response',
          `monday lists team ${still[0]!.id} but did not answer for its members; the teams were not read in full`,
          true,
          null,
          null,
          200,
        );
      for (const teamId of missing) byId.delete(teamId);
    }
    return [...byId.values()].map((t) => ({
      id: t.id,
      name: t.name,
      isGuest: t.is_guest === true,
      pictureUrl: t.picture_url ?? null,
      ownerIds: owners.get(t.id) ?? [],
      memberIds: [...(members.get(t.id) ?? [])],
    }));
  }

  /**
   * Reads one status group of several teams' members page by page, all teams in each request, until every
   * team's page came back short; then proves each short, non-empty end (the member right after it is absent),
   * and reads a team whose end does not hold alone, at whatever page size monday applies.
   */
  private async teamMembers(
    teamIds: string[],
    inactive: boolean | null,
    members: Map<string, Set<string>>,
    owners: Map<string, string[]>,
    missing: Set<string>,
  ): Promise<void> {
    const add = (teamId: string, users: readonly ({ id: string } | null)[] | null | undefined) => {
      const set = members.get(teamId) ?? new Set<string>();
      members.set(teamId, set);
      for (const user of users ?? []) if (user) set.add(user.id);
      return users?.length ?? 0;
    };
    const read = new Map<string, number>();
    const ends: { teamId: string; offset: number }[] = [];
    let open = teamIds.filter((t) => !missing.has(t));
    for (let page = 1; open.length > 0; page++) {
      const { data } = await this.client.request<unknown>(TEAM_MEMBERS_PAGE, {
        ids: open,
        limit: LOOKUP_LIMIT,
        page,
        inactive,
      });
      const answer = new Map(
        (parseAnswer(teamMembersSchema, data, 'team members').teams ?? []).map((t) => [t.id, t]),
      );
      const full: string[] = [];
      for (const teamId of open) {
        const team = answer.get(teamId);
        if (!team) {
          missing.add(teamId);
          continue;
        }
        if (inactive === null && page === 1)
          owners.set(
            teamId,
            (team.owners ?? []).map((o) => o.id),
          );
        const rows = add(teamId, team.users);
        read.set(teamId, (read.get(teamId) ?? 0) + rows);
        if (rows >= LOOKUP_LIMIT) full.push(teamId);
        // An empty page after full ones (or an empty first page) ends the list whatever size monday applies.
        else if (rows > 0) ends.push({ teamId, offset: read.get(teamId)! });
      }
      open = full;
    }
    if (ends.length === 0) return;
    const { data } = await this.client.request<unknown>(teamMembersEndDocument(ends), { inactive });
    const record = (data ?? {}) as Record<string, unknown>;
    for (const [i, end] of ends.entries()) {
      const proof = parseAnswer(
        teamMembersSchema,
        { teams: record[`t${i}`] ?? null },
        'team members end',
      ).teams;
      const after = proof?.[0]?.users ?? [];
      if (after.length === 0) continue;
      // monday answered fewer than asked without being at the end: read this team again, to its proven end.
      const fetchPage = async (page: number, limit: number) => {
        const { data: pageData } = await this.client.request<unknown>(TEAM_MEMBERS_PAGE, {
          ids: [end.teamId],
          limit,
          page,
          inactive,
        });
        const team = parseAnswer(teamMembersSchema, pageData, 'team members').teams?.[0];
        return (team?.users ?? []).filter((u): u is { id: string } => u !== null);
      };
      for await (const users of readAllPages(fetchPage, LOOKUP_LIMIT, { expectedRows: 0, window: 1 }))
        add(end.teamId, users);
    }
  }

  /** Which of these teams monday has now (asked by id). */
  async existingTeams(teamIds: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < teamIds.length; i += TEAMS_PER_REQUEST) {
      const { data } = await this.client.request<unknown>(TEAMS_BY_IDS, {
        ids: teamIds.slice(i, i + TEAMS_PER_REQUEST),
      });
      for (const team of parseAnswer(teamsSchema, data, 'teams by id').teams ?? []) found.add(team.id);
    }
    return found;
  }

  /** The teams each of these users is in now, by user id; users monday does not have are absent. */
  async userTeams(userIds: string[]): Promise<Map<string, string[]>> {
    const named = await this.userTeamsNamed(userIds);
    return new Map([...named].map(([userId, teams]) => [userId, teams.map((t) => t.id)]));
  }

  /** The same, with each team's name. */
  async userTeamsNamed(userIds: string[]): Promise<Map<string, { id: string; name: string }[]>> {
    const users = await this.inChunks(userIds, USER_TEAMS, 'ids', 'user teams', [], {
      parse: (data, what) => parseAnswer(userTeamsSchema, data, what).users ?? [],
      // Each user may be in many teams: fewer users per question.
      size: USER_TEAMS_PER_REQUEST,
    });
    return new Map(
      users.map((u) => [
        u.id,
        (u.teams ?? []).flatMap((t) => (t ? [{ id: t.id, name: t.name ?? t.id }] : [])),
      ]),
    );
  }

  /**
   * Asks for users by id or email, in chunks no larger than the answers monday is seen to give in full. monday
   * may cap an answer below the limit asked (its own page size): an answer with fewer users than values asked
   * is complete only when it is empty or no larger than an answer already seen in full; otherwise the values
   * it did not resolve are asked again in chunks of the size monday did answer. So a value counts as absent
   * only when a complete answer lacks it.
   */
  private async inChunks<T extends { id: string; email?: string } = RemoteUser>(
    values: string[],
    document: string,
    argument: 'ids' | 'emails',
    what: string,
    requestIds: string[] = [],
    read: { parse: (data: unknown, what: string) => T[]; size: number } = {
      parse: (data, what) => (parseAnswer(usersPageSchema, data, what).users ?? []) as unknown as T[],
      size: LOOKUP_LIMIT,
    },
  ): Promise<T[]> {
    const found = new Map<string, T>();
    const queue = [...new Set(values)];
    // The most users one answer held: monday answers at least this many in full.
    let proven = 0;
    let size = read.size;
    while (queue.length > 0) {
      const chunk = queue.splice(0, size);
      const { data, requestId } = await this.client.request<unknown>(document, {
        [argument]: chunk,
        limit: chunk.length,
        page: 1,
      });
      if (requestId) requestIds.push(requestId);
      const users = read.parse(data, what);
      for (const user of users) found.set(user.id, user);
      const complete = users.length === 0 || users.length >= chunk.length || chunk.length <= proven;
      proven = Math.max(proven, users.length);
      if (complete) continue;
      const resolved = new Set(users.map((u) => (argument === 'ids' ? u.id : String(u.email).toLowerCase())));
      const open = chunk.filter((v) => !resolved.has(argument === 'ids' ? v : v.toLowerCase()));
      // Nothing resolved by a non-empty answer would not shrink the question: take the answer as it is.
      if (open.length === chunk.length) continue;
      queue.unshift(...open);
      size = proven;
    }
    return [...found.values()];
  }
}

/** Runs `tasks`, at most `limit` at once; fails with the first failure once those started have settled. */
async function inParallel(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (next < tasks.length && !failure) {
      const task = tasks[next++]!;
      try {
        await task();
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
}
