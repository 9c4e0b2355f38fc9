import { parse as parseFilter } from 'scim2-parse-filter';
import type { EmuKind, EmuUser } from './model.ts';
import { isoSeconds } from './userView.ts';

export const SCIM_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const SCIM_LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** monday's SCIM `userType` values and the user kinds behind them. */
export const userTypeToKind: Record<string, EmuKind> = {
  admin: 'admin',
  member: 'member',
  viewer: 'view_only',
  guest: 'guest',
};
const kindToUserType: Record<EmuKind, string> = {
  admin: 'admin',
  member: 'member',
  view_only: 'viewer',
  guest: 'guest',
  agent_member: 'agent',
  personal_agent_member: 'agent',
  service_user: 'service',
  portal: 'portal',
  vibe_user: 'vibe',
  external_agent_member: 'agent',
};

/** An RFC 7644 error body. */
export function scimError(status: number, detail: string, scimType?: string) {
  return { schemas: [SCIM_ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail };
}

/** Renders a user as a SCIM core User resource. */
export function toScimUser(user: EmuUser, baseUrl: string) {
  const [givenName, ...rest] = user.name.split(' ');
  return {
    schemas: [SCIM_USER_SCHEMA],
    id: user.id,
    externalId: user.externalId ?? undefined,
    userName: user.email,
    name: { givenName: givenName ?? '', familyName: rest.join(' ') },
    displayName: user.name,
    emails: [{ value: user.email, type: 'work', primary: true }],
    title: user.title || undefined,
    locale: user.locale,
    timezone: user.timeZone,
    active: user.status !== 'INACTIVE',
    userType: kindToUserType[user.kind],
    meta: {
      resourceType: 'User',
      created: isoSeconds(user.createdAt),
      lastModified: isoSeconds(user.updatedAt),
      location: `${baseUrl}/Users/${user.id}`,
    },
  };
}

const DEFAULT_COUNT = 100;
const MAX_COUNT = 500;

/**
 * A SCIM list answer for `GET /Users` or `GET /Groups`: `startIndex` (1-based) and `count` (capped) from the
 * query, and the one filter monday takes there (`<attribute> eq "…"`); any other filter is a 400
 * `invalidFilter`. `select` picks the matches given the filter's value (null without a filter).
 */
export function scimList<T>(
  q: Record<string, string | undefined>,
  attribute: string,
  select: (value: string | null) => T[],
  render: (item: T) => unknown,
): { status: number; body: unknown } {
  const startIndex = Math.max(1, Number.parseInt(q.startIndex ?? '1', 10) || 1);
  const count = Math.min(MAX_COUNT, Math.max(0, Number.parseInt(q.count ?? String(DEFAULT_COUNT), 10) || 0));
  let value: string | null = null;
  if (q.filter) {
    let filter: ReturnType<typeof parseFilter>;
    try {
      filter = parseFilter(q.filter);
    } catch {
      return { status: 400, body: scimError(400, `Cannot parse filter: ${q.filter}`, 'invalidFilter') };
    }
    if (
      filter.op !== 'eq' ||
      !('attrPath' in filter) ||
      filter.attrPath.toLowerCase() !== attribute.toLowerCase()
    ) {
      return {
        status: 400,
        body: scimError(400, `Only filter=${attribute} eq "..." is supported`, 'invalidFilter'),
      };
    }
    value = String(filter.compValue);
  }
  const matches = select(value);
  const page = matches.slice(startIndex - 1, startIndex - 1 + count);
  return {
    status: 200,
    body: {
      schemas: [SCIM_LIST_SCHEMA],
      totalResults: matches.length,
      itemsPerPage: page.length,
      startIndex,
      Resources: page.map(render),
    },
  };
}
