import { z } from 'zod';
import type { GraphqlClient } from './graphqlClient.ts';
import { parseAnswer } from './mondayError.ts';
import {
  ACTIVE_ADMINS,
  ME_AND_ACCOUNT,
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
});
export type AccountInfo = z.infer<typeof accountSchema>;

/** monday's largest page: a look-up asks at most this many ids or emails at once. */
const LOOKUP_LIMIT = 1000;

const usersPageSchema = z.object({ users: z.array(remoteUserSchema).nullable() });
const idsPageSchema = z.object({ users: z.array(z.object({ id })).nullable() });

/** The GraphQL document for a users page on this API version (2026-10 dropped the legacy booleans). */
export function usersPageDocument(apiVersion: string): string {
  return apiVersion >= '2026-10' ? USERS_PAGE_2026_10 : USERS_PAGE;
}

/** Typed monday operations over a GraphqlClient; responses are validated so bad data fails loudly. */
export class MondayApi {
  constructor(readonly client: GraphqlClient) {}

  /** Who the token belongs to and which account it opens. */
  async meAndAccount(): Promise<AccountInfo> {
    const { data } = await this.client.request<unknown>(ME_AND_ACCOUNT);
    return parseAnswer(accountSchema, data, 'me/account');
  }

  /** One page of users in every status. */
  async usersPage(page: number, limit: number): Promise<RemoteUser[]> {
    const { data } = await this.client.request<unknown>(usersPageDocument(this.client.apiVersion), {
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
   * Asks for users by id or email, in chunks no larger than the answers monday is seen to give in full. monday
   * may cap an answer below the limit asked (its own page size): an answer with fewer users than values asked
   * is complete only when it is empty or no larger than an answer already seen in full; otherwise the values
   * it did not resolve are asked again in chunks of the size monday did answer. So a value counts as absent
   * only when a complete answer lacks it.
   */
  private async inChunks(
    values: string[],
    document: string,
    argument: 'ids' | 'emails',
    what: string,
    requestIds: string[] = [],
  ): Promise<RemoteUser[]> {
    const found = new Map<string, RemoteUser>();
    const queue = [...new Set(values)];
    // The most users one answer held: monday answers at least this many in full.
    let proven = 0;
    let size = LOOKUP_LIMIT;
    while (queue.length > 0) {
      const chunk = queue.splice(0, size);
      const { data, requestId } = await this.client.request<unknown>(document, {
        [argument]: chunk,
        limit: chunk.length,
        page: 1,
      });
      if (requestId) requestIds.push(requestId);
      const users = parseAnswer(usersPageSchema, data, what).users ?? [];
      for (const user of users) found.set(user.id, user);
      const complete = users.length === 0 || users.length >= chunk.length || chunk.length <= proven;
      proven = Math.max(proven, users.length);
      if (complete) continue;
      const resolved = new Set(users.map((u) => (argument === 'ids' ? u.id : u.email.toLowerCase())));
      const open = chunk.filter((v) => !resolved.has(argument === 'ids' ? v : v.toLowerCase()));
      // Nothing resolved by a non-empty answer would not shrink the question: take the answer as it is.
      if (open.length === chunk.length) continue;
      queue.unshift(...open);
      size = proven;
    }
    return [...found.values()];
  }
}
