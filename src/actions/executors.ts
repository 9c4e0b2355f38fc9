import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ResultItem } from '../domain/actionResult.ts';
import type { Role } from '../domain/directory.ts';
import type { GraphqlClient } from '../monday/graphqlClient.ts';
import { type RemoteUser, remoteUserSchema } from '../monday/mondayApi.ts';
import { MondayError, parseAnswer } from '../monday/mondayError.ts';
import { ACTIVATE_USERS, DEACTIVATE_USERS, INVITE_USERS, UPDATE_USERS_ROLE } from '../monday/operations.ts';
import type { ScimClient, ScimUser, ScimUserType } from '../monday/scimClient.ts';
import type { PlanItem } from './actionPlan.ts';

/** monday's limit of users per user-management mutation. */
export const BATCH_SIZE = 200;

export type { ResultItem } from '../domain/actionResult.ts';

/** What an executor did: per-target outcomes, monday request ids, and the users as monday now reports them. */
export interface Execution {
  results: ResultItem[];
  requestIds: string[];
  remoteUsers: RemoteUser[];
}

export const roleToMonday: Record<Role, 'ADMIN' | 'MEMBER' | 'VIEW_ONLY' | 'GUEST'> = {
  admin: 'ADMIN',
  member: 'MEMBER',
  viewer: 'VIEW_ONLY',
  guest: 'GUEST',
};
export const roleToScim: Record<Role, ScimUserType> = {
  admin: 'admin',
  member: 'member',
  viewer: 'viewer',
  guest: 'guest',
};

const userErrors = z
  .array(
    z.object({
      message: z.string().max(2000).nullish(),
      code: z.string().max(100).nullish(),
      user_id: z.union([z.string(), z.number()]).transform(String).nullish(),
    }),
  )
  .nullish();
const users = z.array(remoteUserSchema).nullish();
/** What a user mutation answers: the users it changed and per-user errors. */
const mutationResult = z.object({ users, errors: userErrors });
const inviteResult = z.object({
  users,
  errors: z
    .array(z.object({ message: z.string().max(2000).nullish(), email: z.string().max(320).nullish() }))
    .nullish(),
});

/** A UUID derived from the action's idempotency key and batch, sent to monday as `Idempotency-Key`. */
export function batchKey(key: string, batch: number): string {
  const h = createHash('sha256').update(`${key}:${batch}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const mutationFor = {
  deactivate: { document: DEACTIVATE_USERS, field: 'deactivate_users', usersField: 'deactivated_users' },
  set_role: { document: UPDATE_USERS_ROLE, field: 'update_users_role', usersField: 'updated_users' },
  reactivate: { document: ACTIVATE_USERS, field: 'activate_users', usersField: 'activated_users' },
} as const;

/** Runs deactivate_users / update_users_role / activate_users in batches of 200 with per-user outcomes. */
export async function runUserMutation(
  client: GraphqlClient,
  action: keyof typeof mutationFor,
  items: PlanItem[],
  idempotencyKey: string,
  role?: Role,
): Promise<Execution> {
  const { document, field, usersField } = mutationFor[action];
  const execution: Execution = { results: [], requestIds: [], remoteUsers: [] };
  for (let start = 0, batch = 0; start < items.length; start += BATCH_SIZE, batch++) {
    const chunk = items.slice(start, start + BATCH_SIZE);
    const ids = chunk.map((i) => i.userId!);
    const variables: Record<string, unknown> = { ids };
    if (role) variables.role = roleToMonday[role];
    try {
      const { data, requestId } = await client.request<Record<string, unknown>>(document, variables, {
        idempotencyKey: batchKey(idempotencyKey, batch),
      });
      if (requestId) execution.requestIds.push(requestId);
      const result = (data[field] ?? {}) as Record<string, unknown>;
      const answer = parseAnswer(
        mutationResult,
        { users: result[usersField], errors: result.errors },
        field,
        requestId,
      );
      const changed = answer.users ?? [];
      const errors = answer.errors ?? [];
      const byId = new Map(changed.map((u) => [String(u.id), u]));
      const batchError = errors.find((e) => !e.user_id);
      for (const item of chunk) {
        const remote = byId.get(item.userId!);
        const error = errors.find((e) => e.user_id === item.userId) ?? (remote ? undefined : batchError);
        if (remote) {
          execution.remoteUsers.push(remote);
          execution.results.push(result_(item, 'changed', null, doneReason(action, role)));
        } else {
          const code = error?.code ?? 'FAILED';
          execution.results.push(result_(item, 'failed', code, explainUserError(code, error?.message)));
        }
      }
    } catch (error) {
      for (const item of chunk)
        execution.results.push(result_(item, 'failed', codeOf(error), messageOf(error)));
      if (error instanceof MondayError && error.requestId) execution.requestIds.push(error.requestId);
    }
  }
  return execution;
}

/** The same words for the same outcome, whichever channel did it. */
function doneReason(action: keyof typeof mutationFor, role?: Role): string {
  if (action === 'deactivate') return 'deactivated';
  if (action === 'reactivate') return 'reactivated';
  return `role changed to ${role}`;
}

/** Runs invite_users in batches of 200; errors come back per email. */
export async function runInvite(
  client: GraphqlClient,
  items: PlanItem[],
  idempotencyKey: string,
  role: Role,
  product?: string,
): Promise<Execution> {
  const execution: Execution = { results: [], requestIds: [], remoteUsers: [] };
  for (let start = 0, batch = 0; start < items.length; start += BATCH_SIZE, batch++) {
    const chunk = items.slice(start, start + BATCH_SIZE);
    try {
      const { data, requestId } = await client.request<{ invite_users: Record<string, unknown> | null }>(
        INVITE_USERS,
        { emails: chunk.map((i) => i.email), role: roleToMonday[role], product: product ?? null },
        { idempotencyKey: batchKey(idempotencyKey, batch) },
      );
      if (requestId) execution.requestIds.push(requestId);
      const answer = parseAnswer(
        inviteResult,
        { users: data.invite_users?.invited_users, errors: data.invite_users?.errors },
        'invite_users',
        requestId,
      );
      const invited = answer.users ?? [];
      const errors = answer.errors ?? [];
      const byEmail = new Map(invited.map((u) => [String(u.email).toLowerCase(), u]));
      for (const item of chunk) {
        const remote = byEmail.get(item.email);
        if (remote) {
          execution.remoteUsers.push(remote);
          execution.results.push({ ...result_(item, 'changed', null, 'invited'), userId: String(remote.id) });
        } else {
          const error = errors.find((e) => e.email?.toLowerCase() === item.email);
          execution.results.push(
            result_(item, 'failed', 'ERROR', error?.message ?? 'monday did not invite this email'),
          );
        }
      }
    } catch (error) {
      for (const item of chunk)
        execution.results.push(result_(item, 'failed', codeOf(error), messageOf(error)));
      if (error instanceof MondayError && error.requestId) execution.requestIds.push(error.requestId);
    }
  }
  return execution;
}

/** Deactivates over SCIM one user at a time: check the live state first, then PATCH active=false. */
export async function runScimDeactivate(scim: ScimClient, items: PlanItem[]): Promise<Execution> {
  const execution: Execution = { results: [], requestIds: [], remoteUsers: [] };
  const worker = async (item: PlanItem) => {
    try {
      const live = await scim.get(item.userId!);
      if (!live) {
        // Nothing to PATCH: monday's SCIM does not know this user.
        execution.results.push(
          result_(
            item,
            'failed',
            'not_scim_provisioned',
            'monday SCIM does not know this user; deactivate through GraphQL instead (deactivate_users, needs an admin token)',
          ),
        );
        return;
      }
      if (!live.active) {
        execution.results.push(result_(item, 'already', 'already_deactivated', 'already deactivated'));
        return;
      }
      const patched = await scim.patch(item.userId!, { active: false });
      execution.results.push(
        patched.active
          ? result_(item, 'failed', 'still_active', 'monday answered but the user is still active')
          : result_(item, 'changed', null, 'deactivated'),
      );
    } catch (error) {
      if (error instanceof MondayError && error.code === 'scim_not_found') {
        execution.results.push(
          result_(
            item,
            'failed',
            'not_scim_provisioned',
            `monday SCIM refused: ${error.message}; deactivate through GraphQL instead (deactivate_users, needs an admin token)`,
          ),
        );
      } else execution.results.push(result_(item, 'failed', codeOf(error), messageOf(error)));
    }
  };
  // A few at a time: the connection's request budget paces them further.
  for (let i = 0; i < items.length; i += 4) await Promise.all(items.slice(i, i + 4).map(worker));
  const order = new Map(items.map((item, index) => [item.target, index]));
  execution.results.sort((a, b) => order.get(a.target)! - order.get(b.target)!);
  return execution;
}

/** Creates a user over SCIM; a user that already exists in monday is reported, not duplicated. */
export async function runScimCreate(
  scim: ScimClient,
  item: PlanItem,
  name: string,
  role: Role,
): Promise<Execution & { created: { id: string; active: boolean } | null }> {
  try {
    const existing = await scim.findByUserName(item.email);
    if (existing) {
      return {
        results: [existingOutcome(item, existing, role)],
        requestIds: [],
        remoteUsers: [],
        created: null,
      };
    }
    const created = await scim.create({ email: item.email, name, userType: roleToScim[role] });
    if (created.existed) {
      return {
        results: [existingOutcome(item, created, role)],
        requestIds: [],
        remoteUsers: [],
        created: null,
      };
    }
    return {
      results: [{ ...result_(item, 'changed', null, 'created'), userId: created.id }],
      requestIds: [],
      remoteUsers: [],
      created: { id: created.id, active: created.active },
    };
  } catch (error) {
    return {
      results: [result_(item, 'failed', codeOf(error), messageOf(error))],
      requestIds: [],
      remoteUsers: [],
      created: null,
    };
  }
}

/**
 * An email monday already has counts as created only when that user is what was asked: active, with the role
 * asked for. Otherwise it says what is there and changes nothing.
 */
function existingOutcome(item: PlanItem, existing: ScimUser, role: Role): ResultItem {
  const found = { ...item, userId: existing.id };
  if (!existing.active) {
    return result_(
      found,
      'failed',
      'exists_deactivated',
      'a deactivated user with this email exists; reactivate it instead',
    );
  }
  const type = existing.userType?.toLowerCase() ?? null;
  if (type !== roleToScim[role]) {
    return result_(
      found,
      'failed',
      'exists_with_other_role',
      `already exists as ${type ?? 'a user of unknown role'}, not ${role}; change its role with set_role instead`,
    );
  }
  return result_(found, 'already', 'already_exists', `already exists as ${role} (active)`);
}

function result_(
  item: PlanItem,
  outcome: ResultItem['outcome'],
  code: string | null,
  reason: string,
): ResultItem {
  return { target: item.target, userId: item.userId, email: item.email, outcome, code, reason };
}

function explainUserError(code: string, message: string | null | undefined): string {
  const base = message ?? code;
  switch (code) {
    case 'CANNOT_UPDATE_SELF':
      return `${base}: a token cannot change its own user`;
    case 'USER_NOT_FOUND':
      return `${base}: the user no longer exists in monday (sync to refresh)`;
    case 'EXCEEDS_BATCH_LIMIT':
      return `${base}: too many users in one request`;
    default:
      return base;
  }
}

function codeOf(error: unknown): string {
  return error instanceof MondayError ? error.code : 'internal_error';
}

function messageOf(error: unknown): string {
  if (error instanceof MondayError) return error.message;
  return (error as Error).message;
}
