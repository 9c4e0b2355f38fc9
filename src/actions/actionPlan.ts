import type { PlanItem } from '../domain/actionResult.ts';
import type { Role, Status, StoredRole } from '../domain/directory.ts';
import type { ActionRequest, TargetRef } from './actionInput.ts';

/** The synced facts about a user that planning needs. */
export interface KnownUser {
  id: string;
  email: string;
  name: string;
  role: StoredRole;
  status: Status;
  scimLinked: boolean;
}

/** What will happen to one target: change it, nothing (already in the target state), or fail and why. */
export type { PlanItem } from '../domain/actionResult.ts';

export type PlanResult = { ok: true; items: PlanItem[] } | { ok: false; unknown: string[] };

/**
 * Decides, from the synced state, who will change, who is already in the target state and who cannot be
 * changed and why. Unknown users make the whole request invalid: nothing is sent to monday.
 */
export function planAction(
  request: ActionRequest,
  users: { byId: Map<string, KnownUser>; byEmail: Map<string, KnownUser> },
  tokenOwnerId: string,
): PlanResult {
  if (request.action === 'create') {
    const existing = users.byEmail.get(request.email);
    return { ok: true, items: [createItem(request.email, request.name, request.role, existing)] };
  }
  if (request.action === 'invite') {
    const seen = new Set<string>();
    const items: PlanItem[] = [];
    for (const email of request.emails) {
      if (seen.has(email)) continue;
      seen.add(email);
      const existing = users.byEmail.get(email);
      items.push(
        existing
          ? item(
              email,
              existing,
              'noop',
              'already_member',
              `already in the account as ${existing.role} (${existing.status})`,
            )
          : {
              target: email,
              userId: null,
              email,
              name: null,
              before: null,
              outcome: 'change',
              code: null,
              reason: `will be invited as ${request.role}`,
            },
      );
    }
    return { ok: true, items };
  }

  const resolved = resolveTargets(request.targets, users);
  if (!resolved.ok) return resolved;
  if (request.action === 'add_to_team' || request.action === 'remove_from_team')
    throw new Error('team actions are planned with their team (planTeamTarget)');
  const items = resolved.users.map(({ ref, user }) =>
    planTarget(request, ref, user, user.id === tokenOwnerId),
  );
  return { ok: true, items };
}

/** The users the targets name, each once; any unknown target makes the whole request invalid. */
export function resolveTargets(
  targets: readonly TargetRef[],
  users: { byId: Map<string, KnownUser>; byEmail: Map<string, KnownUser> },
): { ok: true; users: { ref: string; user: KnownUser }[] } | { ok: false; unknown: string[] } {
  const resolved: { ref: string; user: KnownUser }[] = [];
  const unknown: string[] = [];
  const seen = new Set<string>();
  for (const target of targets) {
    const ref = refText(target);
    const user = 'userId' in target ? users.byId.get(target.userId) : users.byEmail.get(target.email);
    if (!user) unknown.push(ref);
    else if (!seen.has(user.id)) {
      seen.add(user.id);
      resolved.push({ ref, user });
    }
  }
  return unknown.length > 0 ? { ok: false, unknown } : { ok: true, users: resolved };
}

/** Requests that change users themselves (team memberships are planned in teamActions). */
export type UserChangeRequest = Extract<ActionRequest, { action: 'deactivate' | 'set_role' | 'reactivate' }>;

export function planTarget(
  request: UserChangeRequest,
  ref: string,
  user: KnownUser,
  self: boolean,
): PlanItem {
  switch (request.action) {
    case 'deactivate':
      if (user.status === 'deactivated')
        return item(ref, user, 'noop', 'already_deactivated', 'already deactivated');
      if (request.via === 'scim' && !user.scimLinked) {
        return item(
          ref,
          user,
          'fail',
          'not_scim_provisioned',
          'was not provisioned by SCIM, so SCIM cannot deactivate it; deactivate through GraphQL instead (deactivate_users, needs an admin token)',
        );
      }
      if (request.via === 'graphql' && self)
        return item(
          ref,
          user,
          'fail',
          'cannot_update_self',
          "is the API token's owner; monday does not let a token deactivate its own user (CANNOT_UPDATE_SELF)",
        );
      return item(ref, user, 'change', null, `will be deactivated (now ${user.status})`);
    case 'set_role':
      if (user.role === 'other')
        return item(
          ref,
          user,
          'fail',
          'not_a_person',
          'is not a person (an agent, service or portal user); monday roles are for people',
        );
      if (user.role === request.role)
        return item(ref, user, 'noop', 'already_in_role', `already ${request.role}`);
      if (self)
        return item(
          ref,
          user,
          'fail',
          'cannot_update_self',
          "is the API token's owner; monday does not let a token change its own role (CANNOT_UPDATE_SELF)",
        );
      return item(
        ref,
        user,
        'change',
        null,
        `will change from ${user.role} to ${request.role}${user.role === 'member' && request.role === 'viewer' ? ' (frees a paid seat)' : ''}`,
      );
    case 'reactivate':
      if (user.status === 'active') return item(ref, user, 'noop', 'already_active', 'already active');
      if (user.status === 'pending')
        return item(
          ref,
          user,
          'fail',
          'invitation_pending',
          'has not accepted the invitation yet; there is nothing to reactivate',
        );
      return item(ref, user, 'change', null, 'will be reactivated');
  }
}

function createItem(email: string, name: string, role: Role, existing: KnownUser | undefined): PlanItem {
  if (!existing)
    return {
      target: email,
      userId: null,
      email,
      name,
      before: null,
      outcome: 'change',
      code: null,
      reason: 'will be created through SCIM',
    };
  if (existing.status === 'deactivated') {
    return item(
      email,
      existing,
      'fail',
      'exists_deactivated',
      'a deactivated user with this email exists; reactivate it instead',
    );
  }
  if (existing.role !== role) {
    // Not what was asked: never reported as done.
    return item(
      email,
      existing,
      'fail',
      'exists_with_other_role',
      `already exists as ${existing.role}, not ${role}; change its role with set_role instead`,
    );
  }
  return item(email, existing, 'noop', 'already_exists', `already exists as ${role} (${existing.status})`);
}

/** A plan item for a known user, with their state before. */
export function item(
  target: string,
  user: KnownUser,
  outcome: PlanItem['outcome'],
  code: string | null,
  reason: string,
): PlanItem {
  return {
    target,
    userId: user.id,
    email: user.email,
    name: user.name,
    before: { role: user.role, status: user.status },
    outcome,
    code,
    reason,
  };
}

export function refText(target: TargetRef): string {
  return 'userId' in target ? target.userId : target.email;
}
