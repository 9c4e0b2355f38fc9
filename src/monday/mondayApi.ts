import { z } from 'zod';
import type { GraphqlClient } from './graphqlClient.ts';
import { MondayError } from './mondayError.ts';
import {
  ME_AND_ACCOUNT,
  USERS_BY_EMAILS,
  USERS_BY_IDS,
  USERS_PAGE,
  USERS_PAGE_2026_10,
} from './operations.ts';

const remoteUserSchema = z.object({
  id: z.coerce.string(),
  name: z.string(),
  email: z.string(),
  title: z.string().nullish(),
  url: z.string().nullish(),
  created_at: z.string().nullish(),
  last_activity: z.string().nullish(),
  kind: z.string().nullish(),
  status: z.string().nullish(),
  invitation_method: z.string().nullish(),
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
    id: z.coerce.string(),
    name: z.string(),
    email: z.string(),
    kind: z.string().nullish(),
    status: z.string().nullish(),
  }),
  account: z.object({
    id: z.coerce.string(),
    name: z.string(),
    slug: z.string(),
    tier: z.string().nullish(),
    plan: z
      .object({ max_users: z.number().int(), tier: z.string().nullish(), period: z.string().nullish() })
      .nullish(),
    active_members_count: z.number().int().nullish(),
  }),
});
export type AccountInfo = z.infer<typeof accountSchema>;

/** monday's largest page: a look-up asks at most this many ids or emails at once. */
const LOOKUP_LIMIT = 1000;

const usersPageSchema = z.object({ users: z.array(remoteUserSchema).nullable() });

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
    return parse(accountSchema, data, 'me/account');
  }

  /** One page of users in every status. */
  async usersPage(page: number, limit: number): Promise<RemoteUser[]> {
    const { data } = await this.client.request<unknown>(usersPageDocument(this.client.apiVersion), {
      page,
      limit,
    });
    return parse(usersPageSchema, data, 'users page').users ?? [];
  }

  /** The users among `ids` that exist, in any status; any number of ids, asked 1000 at a time. */
  usersByIds(ids: string[]): Promise<RemoteUser[]> {
    return this.inChunks(ids, USERS_BY_IDS, 'ids', 'users by id');
  }

  /** The users with these emails, in any status; any number of emails, asked 1000 at a time. */
  usersByEmails(emails: string[]): Promise<RemoteUser[]> {
    return this.inChunks(emails, USERS_BY_EMAILS, 'emails', 'users by email');
  }

  private async inChunks(
    values: string[],
    document: string,
    argument: 'ids' | 'emails',
    what: string,
  ): Promise<RemoteUser[]> {
    const found: RemoteUser[] = [];
    for (let i = 0; i < values.length; i += LOOKUP_LIMIT) {
      const chunk = values.slice(i, i + LOOKUP_LIMIT);
      const { data } = await this.client.request<unknown>(document, {
        [argument]: chunk,
        limit: chunk.length,
        page: 1,
      });
      found.push(...(parse(usersPageSchema, data, what).users ?? []));
    }
    return found;
  }
}

function parse<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const result = schema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new MondayError(
      'unexpected_response',
      `monday's ${what} answer did not have the expected shape (${issue?.path.join('.')}: ${issue?.message})`,
      false,
      null,
      null,
      200,
    );
  }
  return result.data;
}
