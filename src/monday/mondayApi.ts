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

  /** How many active admins the account has now. */
  async activeAdminCount(): Promise<number> {
    let count = 0;
    for (let page = 1; ; page++) {
      const { data } = await this.client.request<unknown>(ACTIVE_ADMINS, { limit: LOOKUP_LIMIT, page });
      const users = parseAnswer(idsPageSchema, data, 'active admins').users ?? [];
      count += users.length;
      if (users.length < LOOKUP_LIMIT) return count;
    }
  }

  private async inChunks(
    values: string[],
    document: string,
    argument: 'ids' | 'emails',
    what: string,
    requestIds: string[] = [],
  ): Promise<RemoteUser[]> {
    const found: RemoteUser[] = [];
    for (let i = 0; i < values.length; i += LOOKUP_LIMIT) {
      const chunk = values.slice(i, i + LOOKUP_LIMIT);
      const { data, requestId } = await this.client.request<unknown>(document, {
        [argument]: chunk,
        limit: chunk.length,
        page: 1,
      });
      if (requestId) requestIds.push(requestId);
      found.push(...(parseAnswer(usersPageSchema, data, what).users ?? []));
    }
    return found;
  }
}
