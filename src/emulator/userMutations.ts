import { GraphQLError } from 'graphql';
import { addUser, type EmuAccount, type EmuKind, type EmuUser } from './model.ts';
import { UserView } from './userView.ts';
import { accessChanged } from './workspace.ts';

/** monday's batch limit for every user-management mutation. */
export const USER_BATCH_LIMIT = 200;

const roleToKind: Record<string, EmuKind> = {
  ADMIN: 'admin',
  MEMBER: 'member',
  VIEW_ONLY: 'view_only',
  GUEST: 'guest',
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface UserError {
  message: string;
  code: 'EXCEEDS_BATCH_LIMIT' | 'INVALID_INPUT' | 'USER_NOT_FOUND' | 'CANNOT_UPDATE_SELF' | 'FAILED';
  user_id: string | null;
}

interface MutationContext {
  account: EmuAccount;
  caller: EmuUser;
  now: Date;
}

export function requireAdmin(context: MutationContext): void {
  if (context.caller.kind !== 'admin') {
    throw new GraphQLError('User unauthorized to perform action', {
      extensions: { code: 'USER_UNAUTHORIZED', status_code: 403, error_data: {} },
    });
  }
}

/**
 * Runs a per-user batch mutation: checks the batch limit, resolves each id, refuses self-updates, and lets
 * `apply` change a user or explain why it cannot. Per-user failures are returned, not thrown, as monday does.
 */
function perUser(
  context: MutationContext,
  userIds: string[],
  apply: (user: EmuUser) => string | null,
): { changed: UserView[]; errors: UserError[] } {
  if (userIds.length > USER_BATCH_LIMIT) {
    return {
      changed: [],
      errors: [
        {
          message: `Exceeded the limit of ${USER_BATCH_LIMIT} users per request (got ${userIds.length})`,
          code: 'EXCEEDS_BATCH_LIMIT',
          user_id: null,
        },
      ],
    };
  }
  const changed: UserView[] = [];
  const errors: UserError[] = [];
  for (const rawId of userIds) {
    const id = String(rawId);
    if (!/^\d+$/.test(id)) {
      errors.push({ message: `Invalid user id: ${id}`, code: 'INVALID_INPUT', user_id: id });
      continue;
    }
    const user = context.account.usersById.get(id);
    if (!user) {
      errors.push({ message: 'User not found', code: 'USER_NOT_FOUND', user_id: id });
      continue;
    }
    if (user.id === context.caller.id) {
      errors.push({ message: 'Cannot update self', code: 'CANNOT_UPDATE_SELF', user_id: id });
      continue;
    }
    const before = { kind: user.kind, status: user.status };
    const failure = apply(user);
    if (failure) {
      errors.push({ message: failure, code: 'FAILED', user_id: id });
      continue;
    }
    accessChanged(context.account, user, before, context.now);
    user.updatedAt = context.now;
    changed.push(new UserView(user, context.account));
  }
  return { changed, errors };
}

const scimOwnerMessage =
  'This admin owns the account SCIM token and cannot be deactivated or changed from admin; generate a new SCIM token as another admin first';

export function updateUsersRole(
  args: { user_ids: string[]; new_role?: string | null; role_id?: string | null },
  context: MutationContext,
) {
  requireAdmin(context);
  if (!args.new_role && !args.role_id) {
    return {
      updated_users: [],
      errors: [{ message: 'Either new_role or role_id is required', code: 'INVALID_INPUT', user_id: null }],
    };
  }
  if (!args.new_role) {
    return {
      updated_users: [],
      errors: [{ message: `Custom role ${args.role_id} not found`, code: 'INVALID_INPUT', user_id: null }],
    };
  }
  const kind = roleToKind[args.new_role]!;
  const { changed, errors } = perUser(context, args.user_ids, (user) => {
    if (user.id === context.account.scimTokenOwnerId && kind !== 'admin') return scimOwnerMessage;
    user.kind = kind;
    return null;
  });
  return { updated_users: changed, errors };
}

export function deactivateUsers(args: { user_ids: string[] }, context: MutationContext) {
  requireAdmin(context);
  const { changed, errors } = perUser(context, args.user_ids, (user) => {
    if (user.id === context.account.scimTokenOwnerId) return scimOwnerMessage;
    user.status = 'INACTIVE';
    return null;
  });
  return { deactivated_users: changed, errors };
}

export function activateUsers(args: { user_ids: string[] }, context: MutationContext) {
  requireAdmin(context);
  const { changed, errors } = perUser(context, args.user_ids, (user) => {
    if (user.status === 'PENDING') return 'User has not accepted the invitation yet';
    user.status = 'ACTIVE';
    return null;
  });
  return { activated_users: changed, errors };
}

export function inviteUsers(
  args: { emails: string[]; user_role?: string | null; product?: string | null },
  context: MutationContext,
) {
  const { account, now } = context;
  const invited: UserView[] = [];
  const errors: { message: string; code: 'ERROR'; email: string }[] = [];
  if (args.emails.length > USER_BATCH_LIMIT) {
    for (const email of args.emails) {
      errors.push({
        message: `Exceeded the limit of ${USER_BATCH_LIMIT} emails per request`,
        code: 'ERROR',
        email,
      });
    }
    return { invited_users: [], errors };
  }
  const kind = roleToKind[args.user_role ?? 'MEMBER']!;
  for (const raw of args.emails) {
    const email = raw.trim().toLowerCase();
    if (!EMAIL.test(email)) {
      errors.push({ message: `Invalid email address: ${raw}`, code: 'ERROR', email: raw });
      continue;
    }
    if (account.usersByEmail.has(email)) {
      errors.push({
        message: 'A user with this email already exists in the account',
        code: 'ERROR',
        email: raw,
      });
      continue;
    }
    const user: EmuUser = {
      id: String(account.nextUserId++),
      accountId: account.id,
      name: email.split('@')[0]!,
      email,
      title: '',
      kind,
      status: 'PENDING',
      invitationMethod: 'USER',
      isEmailConfirmed: false,
      createdAt: now,
      becameActiveAt: null,
      lastActivity: null,
      timeZone: context.caller.timeZone,
      locale: 'en',
      externalId: null,
      teamIds: [],
      updatedAt: now,
    };
    addUser(account, user);
    invited.push(new UserView(user, account));
  }
  return { invited_users: invited, errors };
}
