import { randomBytes } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { addUser, type EmuAccount, type EmuUser } from './model.ts';
import { requireAdmin } from './userMutations.ts';
import { UserView } from './userView.ts';

interface Context {
  account: EmuAccount;
  caller: EmuUser;
  now: Date;
}

const iso = (at: Date | null | undefined) => (at ? at.toISOString() : null);

/** monday's `service_users`: the account's non-human identities with their token's last use (admins only). */
export function serviceUsers(_: unknown, context: Context) {
  requireAdmin(context);
  return context.account.users
    .filter((u) => u.kind === 'service_user')
    .map((u) => ({
      id: u.id,
      name: u.name,
      title: u.title,
      enabled: u.status === 'ACTIVE',
      invited_by_id: u.invitedById ?? null,
      created_at: iso(u.createdAt),
      last_token_activity: iso(u.serviceToken?.lastUsedAt),
      has_token: Boolean(u.serviceToken),
    }));
}

function serviceUser(context: Context, id: string): EmuUser {
  const user = context.account.usersById.get(String(id));
  if (user?.kind !== 'service_user')
    throw new GraphQLError(`Service user ${id} not found`, {
      extensions: {
        code: 'ResourceNotFoundException',
        status_code: 404,
        error_data: { service_user_id: id },
      },
    });
  return user;
}

/**
 * Revokes every token of a service user. monday does not say what it answers when there was none: the
 * emulator answers `false` then, the less convenient reading (a client must read the state after).
 */
export function revokeServiceUserTokens(args: { service_user_id: string }, context: Context): boolean {
  requireAdmin(context);
  const user = serviceUser(context, args.service_user_id);
  if (!user.serviceToken) return false;
  user.serviceToken = null;
  user.updatedAt = context.now;
  return true;
}

/** Creates a service user with a token, made by the caller. */
export function createServiceUser(args: { name: string; title?: string | null }, context: Context) {
  requireAdmin(context);
  const name = args.name.trim();
  if (!name)
    throw new GraphQLError('name must not be empty', {
      extensions: { code: 'InvalidArgumentException', status_code: 400, error_data: {} },
    });
  const account = context.account;
  const id = String(account.nextUserId++);
  const user: EmuUser = {
    id,
    accountId: account.id,
    name,
    email: `service-${id}@${account.slug}.monday-service.invalid`,
    title: args.title ?? '',
    kind: 'service_user',
    status: 'ACTIVE',
    invitationMethod: 'API_USER_CREATION',
    isEmailConfirmed: true,
    createdAt: context.now,
    becameActiveAt: context.now,
    lastActivity: null,
    timeZone: 'UTC',
    locale: 'en',
    externalId: null,
    teamIds: [],
    updatedAt: context.now,
    invitedById: context.caller.id,
    serviceToken: { lastUsedAt: null },
  };
  addUser(account, user);
  return { user: new UserView(user, account), token: randomBytes(24).toString('hex') };
}

/** monday's `platform_api`: the account's daily call limit and its use, by day and by user. */
export function platformApi(
  usage: { byDay: { day: string; usage: number }[]; byUser: { userId: string; usage: number }[] },
  dailyCalls: number,
  context: Context,
) {
  return {
    daily_limit: { base: dailyCalls, total: dailyCalls, addon: { is_active: false, quantity: 0 } },
    daily_analytics: {
      last_updated: context.now.toISOString(),
      by_day: usage.byDay,
      by_user: usage.byUser.flatMap(({ userId, usage: calls }) => {
        const user = context.account.usersById.get(userId);
        return user ? [{ user: new UserView(user, context.account), usage: calls }] : [];
      }),
    },
  };
}
