import { mapUserAccess } from '../domain/userMapping.ts';
import type { RemoteUser } from '../monday/mondayApi.ts';
import type { IncomingUser } from './diff.ts';

/** A monday user as Seatwise stores it, with the "why this license" explanation. */
export function toDirectoryUser(remote: RemoteUser): IncomingUser {
  const access = mapUserAccess(remote);
  return {
    remoteId: remote.id,
    name: remote.name,
    email: remote.email.toLowerCase(),
    title: remote.title ?? '',
    role: access.role,
    kind: access.kind,
    status: access.status,
    license: access.license,
    lastActivityAt: normalizeTimestamp(remote.last_activity),
    createdAt: normalizeTimestamp(remote.created_at),
    scimLinked: access.scimLinked,
    invitationMethod: remote.invitation_method ?? null,
    explanation: access.explanation,
  };
}

const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** monday sends `YYYY-MM-DDTHH:MM:SS` with or without a zone; store UTC ISO-8601. */
function normalizeTimestamp(value: string | null | undefined): string | null {
  if (!value) return null;
  // monday's usual form, already UTC: only the milliseconds are added.
  if (value.length === 20 && value[19] === 'Z' && CANONICAL.test(value)) return `${value.slice(0, 19)}.000Z`;
  const withZone = /[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`;
  const time = Date.parse(withZone);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}
