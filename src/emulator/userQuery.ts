import { GraphQLError } from 'graphql';
import type { EmuAccount, EmuKind, EmuStatus, EmuUser } from './model.ts';

/** Arguments of `users(...)` as graphql-js hands them over (names as in monday's schema). */
export interface UsersArgs {
  ids?: string[] | null;
  name?: string | null;
  emails?: string[] | null;
  user_kind?: { in?: string[] | null; not_in?: string[] | null } | null;
  sort?: { field: string; direction: 'ASC' | 'DESC' }[] | null;
  status?: EmuStatus[] | null;
  limit?: number | null;
  page?: number | null;
  kind?: 'all' | 'guests' | 'non_guests' | 'non_pending' | null;
  non_active?: boolean | null;
  newest_first?: boolean | null;
}

export const USERS_MAX_LIMIT = 1000;
export const USERS_DEFAULT_LIMIT = 200;

const kindFilterValues: Record<string, EmuKind[]> = {
  ADMIN: ['admin'],
  MEMBER: ['member'],
  GUEST: ['guest'],
  VIEW_ONLY: ['view_only'],
  AGENT_MEMBER: ['agent_member'],
  PERSONAL_AGENT_MEMBER: ['personal_agent_member'],
  SERVICE_USER: ['service_user'],
  PORTAL: ['portal'],
  BASIC: ['admin', 'member', 'guest', 'view_only', 'agent_member', 'service_user'],
};

/** Ways monday may bend `users` answers, each switched on as a fault. */
export interface UserQueryBends {
  pageCap: number | null;
  pageCapOffset: 'follows' | 'unchanged';
  lookupCap: number | null;
  emailMatch: 'insensitive' | 'exact';
}

export const noBends: UserQueryBends = {
  pageCap: null,
  pageCapOffset: 'follows',
  lookupCap: null,
  emailMatch: 'insensitive',
};

/** Applies monday's 2026-07 `users` semantics: filters, default status [ACTIVE, PENDING], 1-based pages, limit ≤ 1000. */
export function selectUsers(
  account: EmuAccount,
  args: UsersArgs,
  bends: UserQueryBends = noBends,
): EmuUser[] {
  const asked = args.limit ?? USERS_DEFAULT_LIMIT;
  const page = args.page ?? 1;
  // monday refuses a larger page outright rather than capping it.
  if (asked > USERS_MAX_LIMIT)
    throw invalidArgument(`Limit exceeds the maximum allowed value of ${USERS_MAX_LIMIT}.`);
  // A page size monday applies on its own: the page holds at most that many, and starts either at a multiple
  // of it or where the limit asked for would have started it.
  const lookup = Boolean(args.ids || args.emails);
  const none = Number.POSITIVE_INFINITY;
  const capped = Math.min(asked, bends.pageCap ?? none, lookup ? (bends.lookupCap ?? none) : none);
  // The offset moves with the page cap only when it follows it; a look-up cap never moves it.
  const limit =
    bends.pageCap !== null && bends.pageCapOffset === 'follows' ? Math.min(asked, bends.pageCap) : asked;
  if (limit < 1) throw invalidArgument('limit must be a positive integer');
  if (page < 1) throw invalidArgument('page must be a positive integer (pages start at 1)');

  const statuses = new Set<EmuStatus>(
    args.status?.length
      ? args.status
      : args.non_active === true
        ? ['INACTIVE']
        : args.non_active === false
          ? ['ACTIVE']
          : ['ACTIVE', 'PENDING'],
  );
  const ids = args.ids ? new Set(args.ids.map(String)) : null;
  const exactEmails = bends.emailMatch === 'exact';
  const emails = args.emails ? new Set(args.emails.map((e) => (exactEmails ? e : e.toLowerCase()))) : null;
  const kindIn = args.user_kind?.in
    ? new Set(args.user_kind.in.flatMap((k) => kindFilterValues[k] ?? []))
    : null;
  const kindNotIn = args.user_kind?.not_in
    ? new Set(args.user_kind.not_in.flatMap((k) => kindFilterValues[k] ?? []))
    : null;
  // A name is matched exactly when combined with a kind or email filter, fuzzily otherwise.
  const exactName = Boolean(args.user_kind || args.kind || args.emails);
  const name = args.name?.toLowerCase() ?? null;
  const newestFirst = args.sort?.[0]?.direction === 'DESC' || (!args.sort && args.newest_first === true);

  const matches = (user: EmuUser): boolean => {
    if (!statuses.has(user.status)) return false;
    if (ids && !ids.has(user.id)) return false;
    if (emails && !emails.has(exactEmails ? user.email : user.email.toLowerCase())) return false;
    if (kindIn && !kindIn.has(user.kind)) return false;
    if (kindNotIn?.has(user.kind)) return false;
    if (args.kind === 'guests' && user.kind !== 'guest') return false;
    if (args.kind === 'non_guests' && user.kind === 'guest') return false;
    if (args.kind === 'non_pending' && user.status === 'PENDING') return false;
    if (name !== null) {
      const userName = user.name.toLowerCase();
      if (exactName ? userName !== name : !userName.includes(name)) return false;
    }
    return true;
  };

  // Walk only as far as the requested page needs: a 1000-row page of a 100,000-user account stays cheap.
  const skip = (page - 1) * limit;
  const users = account.users;
  // Every status and no other filter (a full read): the page is a slice, so deep pages cost what early ones do.
  const everyone =
    statuses.size === 3 && !ids && !emails && !kindIn && !kindNotIn && !args.kind && name === null;
  if (everyone) {
    const end = Math.min(users.length, skip + Math.min(limit, capped));
    const out: EmuUser[] = [];
    for (let i = skip; i < end; i++) out.push(users[newestFirst ? users.length - 1 - i : i]!);
    return out;
  }
  const out: EmuUser[] = [];
  let seen = 0;
  for (let i = 0; i < users.length && out.length < Math.min(limit, capped); i++) {
    const user = users[newestFirst ? users.length - 1 - i : i]!;
    if (!matches(user)) continue;
    if (seen++ >= skip) out.push(user);
  }
  return out;
}

function invalidArgument(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'InvalidArgumentException', status_code: 400 } });
}
