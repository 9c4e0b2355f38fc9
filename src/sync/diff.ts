import type { Insertable } from 'kysely';
import type { DirectoryUser } from '../domain/directory.ts';
import type { ChangeEventsTable, DirectoryUsersTable } from '../store/schema.ts';

type StoredUser = Pick<
  DirectoryUsersTable,
  | 'remote_id'
  | 'name'
  | 'email'
  | 'title'
  | 'role'
  | 'kind'
  | 'status'
  | 'license'
  | 'last_activity_at'
  | 'remote_created_at'
  | 'scim_linked'
  | 'invitation_method'
  | 'explanation'
  | 'first_seen_at'
  | 'removed_at'
>;

export interface IncomingUser extends DirectoryUser {
  explanation: string;
}

export interface SyncDiff {
  upserts: Insertable<DirectoryUsersTable>[];
  events: Insertable<ChangeEventsTable>[];
}

/**
 * Compares what monday returned with what is stored: rows to write (new or changed only, so an unchanged
 * account writes nothing) and change events for additions, removals (`removed`: stored users confirmed gone)
 * and role/status/license changes.
 */
export function diffUsers(
  connectionId: string,
  runId: string | null,
  stored: Map<string, StoredUser>,
  incoming: Iterable<IncomingUser>,
  at: string,
  removed: readonly string[] = [],
): SyncDiff {
  const upserts: Insertable<DirectoryUsersTable>[] = [];
  const events: Insertable<ChangeEventsTable>[] = [];
  const event = (remoteId: string, kind: ChangeEventsTable['kind'], before: unknown, after: unknown) =>
    events.push({
      connection_id: connectionId,
      run_id: runId,
      remote_user_id: remoteId,
      kind,
      before_value: before === null ? null : JSON.stringify(before),
      after_value: after === null ? null : JSON.stringify(after),
      occurred_at: at,
    });

  for (const user of incoming) {
    const previous = stored.get(user.remoteId);
    const row: Insertable<DirectoryUsersTable> = {
      connection_id: connectionId,
      remote_id: user.remoteId,
      name: user.name,
      email: user.email,
      title: user.title,
      role: user.role,
      kind: user.kind,
      status: user.status,
      license: user.license,
      last_activity_at: user.lastActivityAt,
      remote_created_at: user.createdAt,
      scim_linked: user.scimLinked ? 1 : 0,
      invitation_method: user.invitationMethod,
      explanation: user.explanation,
      first_seen_at: previous?.first_seen_at ?? at,
      action_seq: 0,
      updated_at: at,
      removed_at: null,
    };
    if (!previous || previous.removed_at !== null) {
      event(user.remoteId, 'added', null, { role: user.role, status: user.status, license: user.license });
      upserts.push(row);
      continue;
    }
    if (previous.role !== user.role) event(user.remoteId, 'role_changed', previous.role, user.role);
    if (previous.status !== user.status) event(user.remoteId, 'status_changed', previous.status, user.status);
    if (previous.license !== user.license)
      event(user.remoteId, 'license_changed', previous.license, user.license);
    if (differs(previous, row)) upserts.push(row);
  }
  for (const id of removed) {
    const previous = stored.get(id);
    if (previous)
      event(id, 'removed', { role: previous.role, status: previous.status, license: previous.license }, null);
  }
  return { upserts, events };
}

function differs(previous: StoredUser, row: Insertable<DirectoryUsersTable>): boolean {
  return (
    previous.name !== row.name ||
    previous.email !== row.email ||
    previous.title !== row.title ||
    previous.role !== row.role ||
    (previous.kind ?? null) !== (row.kind ?? null) ||
    previous.status !== row.status ||
    previous.license !== row.license ||
    previous.last_activity_at !== row.last_activity_at ||
    previous.remote_created_at !== row.remote_created_at ||
    Number(previous.scim_linked) !== row.scim_linked ||
    previous.invitation_method !== row.invitation_method ||
    previous.explanation !== row.explanation
  );
}
