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
