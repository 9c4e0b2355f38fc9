import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import { AppError } from '../domain/appError.ts';
import { type Requirement, unmetRequirements } from '../domain/capabilities.ts';
import { hashText } from '../domain/hash.ts';
import { newId } from '../domain/ids.ts';
import type {
  RevokeResult,
  ServiceUserFinding,
  ServiceUsersList,
  ServiceUserView,
} from '../domain/serviceUsers.ts';
import type { RemoteServiceUser } from '../monday/mondayApi.ts';
import { MondayError } from '../monday/mondayError.ts';
import { ActionRequestsRepo } from '../store/actionRequestsRepo.ts';
import { AuditRepo } from '../store/auditRepo.ts';
import type { Store } from '../store/database.ts';
import type { Database, ServiceUsersTable } from '../store/schema.ts';
import type { ConnectionsService } from './connections.ts';

export const REVOKE_SERVICE_USER_TOKENS = 'revoke_service_user_tokens';

/** What revoking a service user's tokens needs: read-and-act, and an admin's token (monday's rule). */
export const revokeRequirements: readonly Requirement[] = [{ kind: 'permission' }, { kind: 'adminToken' }];

export type {
  RevokeResult,
  ServiceUserFinding,
  ServiceUsersList,
  ServiceUserView,
} from '../domain/serviceUsers.ts';

const DAY = 86_400_000;
const KEY_TTL_MS = 24 * 3600_000;

/** Service users (monday's non-human identities): their sync, what is wrong with them, and token revocation. */
export class ServiceUsersService {
  private readonly db: Kysely<Database>;
  private readonly audit: AuditRepo;
  private readonly requests: ActionRequestsRepo;

  constructor(
    store: Store,
    private readonly connections: ConnectionsService,
    private readonly now: () => Date = () => new Date(),
    private readonly leaseMs = 60_000,
  ) {
    this.db = store.db;
    this.audit = new AuditRepo(store.db);
    this.requests = new ActionRequestsRepo(store.db);
  }

  /**
   * Reads every service user from monday (after a complete sync) and replaces the stored ones in one
   * transaction. Without an admin's token, or when monday refuses, the reason is kept and the copy stays.
   */
  async refresh(connectionId: string): Promise<void> {
    const facts = await this.connections.facts(connectionId);
    const at = this.now().toISOString();
    if (facts.tokenOwnerKind !== 'admin') {
      await this.setReadState(
        connectionId,
        null,
        `not read: monday lists service users to admins only, and the API token's owner is ${facts.tokenOwnerKind ?? 'of unknown kind'}`,
      );
      return;
    }
    let remote: RemoteServiceUser[];
    try {
      remote = await (await this.connections.api(connectionId)).serviceUsers();
    } catch (error) {
      if (!(error instanceof MondayError)) throw error;
      await this.setReadState(connectionId, undefined, `not read: ${error.message}`);
      return;
    }
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('service_users').where('connection_id', '=', connectionId).execute();
      const rows = remote.map((u) => toRow(connectionId, u, at));
      for (let i = 0; i < rows.length; i += 200)
        await tx
          .insertInto('service_users')
          .values(rows.slice(i, i + 200))
          .execute();
      await tx
        .updateTable('connections')
        .set({ service_users_read_at: at, service_users_error: null })
        .where('id', '=', connectionId)
        .execute();
    });
  }

  private async setReadState(connectionId: string, readAt: string | null | undefined, error: string | null) {
    await this.db
      .updateTable('connections')
      .set({ service_users_error: error, ...(readAt !== undefined ? { service_users_read_at: readAt } : {}) })
      .where('id', '=', connectionId)
      .execute();
  }

  /** The stored service users with their creator and findings; `unusedDays` defaults to the connection's. */
  async list(connectionId: string, unusedDays?: number): Promise<ServiceUsersList> {
    const connection = await this.connections.get(connectionId);
    const days = unusedDays ?? connection.inactiveDays;
    if (!Number.isInteger(days) || days < 1 || days > 3650)
      throw new AppError(
        'invalid_input',
        'invalid_filter',
        'unusedDays must be a whole number from 1 to 3650',
      );
    const state = await this.db
      .selectFrom('connections')
      .select(['service_users_read_at', 'service_users_error'])
      .where('id', '=', connectionId)
      .executeTakeFirstOrThrow();
    const rows = await this.db
      .selectFrom('service_users as s')
      .leftJoin('directory_users as d', (join) =>
        join.onRef('d.connection_id', '=', 's.connection_id').onRef('d.remote_id', '=', 's.invited_by_id'),
      )
      .selectAll('s')
      .select([
        'd.name as creator_name',
        'd.email as creator_email',
        'd.status as creator_status',
        'd.removed_at as creator_removed_at',
      ])
      .where('s.connection_id', '=', connectionId)
      .orderBy('s.name')
      .orderBy('s.remote_id')
      .execute();
    const cutoff = this.now().getTime() - days * DAY;
    const summary = {
      total: rows.length,
      withToken: 0,
      token_unused: 0,
      creator_deactivated: 0,
      token_active_creator_left: 0,
    };
    const serviceUsers = rows.map((r): ServiceUserView => {
      const findings: ServiceUserFinding[] = [];
      const hasToken = r.has_token === null ? null : Number(r.has_token) === 1;
      const lastUse = r.last_token_activity ? Date.parse(r.last_token_activity) : null;
      const created = r.remote_created_at ? Date.parse(r.remote_created_at) : null;
      if (hasToken && (lastUse !== null ? lastUse < cutoff : created !== null && created < cutoff))
        findings.push('token_unused');
      // A creator the copy no longer has (removed) or holds deactivated has left.
      const creatorLeft =
        r.invited_by_id !== null &&
        (r.creator_status === 'deactivated' || r.creator_removed_at !== null || r.creator_status === null);
      if (creatorLeft) findings.push('creator_deactivated');
      if (creatorLeft && hasToken && lastUse !== null && lastUse >= cutoff)
        findings.push('token_active_creator_left');
      if (hasToken) summary.withToken++;
      for (const f of findings) summary[f]++;
      return {
        connectionId,
        id: r.remote_id,
        name: r.name,
        title: r.title,
        enabled: r.enabled === null ? null : Number(r.enabled) === 1,
        hasToken,
        createdAt: r.remote_created_at,
        lastTokenActivity: r.last_token_activity,
        createdBy: r.invited_by_id
          ? {
              id: r.invited_by_id,
              name: r.creator_name ?? null,
              email: r.creator_email ?? null,
              status: r.creator_removed_at ? 'removed' : (r.creator_status ?? null),
            }
          : null,
        findings,
        syncedAt: r.synced_at,
      };
    });
    return {
      connectionId,
      readAt: state.service_users_read_at,
      error: state.service_users_error,
      unusedDays: days,
      serviceUsers,
      summary,
    };
  }

  /**
   * Revokes every token of one service user: planned from what monday shows now, idempotent by key (a repeat
   * answers the first result; one running elsewhere is a conflict), audited, and judged by reading monday
   * after the act. A dry run only plans.
   */
  async revokeTokens(
    input: { connectionId: string; serviceUserId: string; dryRun?: boolean; idempotencyKey?: string },
    actor: string,
  ): Promise<RevokeResult> {
    const { connectionId } = input;
    const serviceUserId = String(input.serviceUserId ?? '').trim();
    if (!/^\d{1,20}$/.test(serviceUserId))
      throw new AppError(
        'invalid_input',
        'invalid_service_user',
        'serviceUserId must be a monday id (digits)',
      );
    if (input.idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(input.idempotencyKey))
      throw new AppError(
        'invalid_input',
        'invalid_idempotency_key',
        'idempotencyKey must be 1 to 200 printable characters without spaces',
      );
    const facts = await this.connections.facts(connectionId);
    const unmet = unmetRequirements(revokeRequirements, facts);
    const base = { connection_id: connectionId, actor, action: REVOKE_SERVICE_USER_TOKENS, via: 'graphql' };
    if (unmet.length > 0) {
      const readOnly = facts.permission !== 'read_and_act';
      const code = readOnly ? 'read_only_connection' : 'action_unavailable';
      const message = `Revoking service user tokens is not available on connection ${connectionId}: ${unmet.join('; ')}`;
      await this.audit.append({
        ...base,
        at: this.now().toISOString(),
        dry_run: input.dryRun ? 1 : 0,
        idempotency_key: input.idempotencyKey ?? null,
        outcome: 'refused',
        targets: JSON.stringify([serviceUserId]),
        plan: '[]',
        results: '[]',
        request_ids: '[]',
        error_code: code,
        error_message: message,
      });
      throw new AppError(readOnly ? 'forbidden' : 'precondition', code, message, { reasons: unmet });
    }
    const api = await this.connections.api(connectionId);
    const before = await this.live(connectionId, serviceUserId);
    if (!before)
      throw new AppError(
        'not_found',
        'service_user_not_found',
        `monday has no service user ${serviceUserId} in connection ${connectionId} (checked now)`,
      );
    const plan = {
      hadToken: before.has_token === true,
      lastTokenActivity: before.last_token_activity ?? null,
      change: before.has_token === true ? 'revoke every API token' : 'nothing: it has no token',
    };
    const result = (outcome: RevokeResult['outcome'], extra: Partial<RevokeResult> = {}): RevokeResult => ({
      connectionId,
      serviceUserId,
      name: before.name ?? serviceUserId,
      dryRun: Boolean(input.dryRun),
      outcome,
      plan,
      error: null,
      replayed: false,
      auditId: null,
      ...extra,
    });
    if (input.dryRun) {
      const auditId = await this.audit.append({
        ...base,
        at: this.now().toISOString(),
        dry_run: 1,
        idempotency_key: null,
        outcome: 'planned',
        targets: JSON.stringify([serviceUserId]),
        plan: JSON.stringify(plan),
        results: '[]',
        request_ids: '[]',
        error_code: null,
        error_message: null,
      });
      return result('planned', { auditId });
    }

    // One execution per key: a given key for a day, a derived one for a while (absorbs double submits).
    const key =
      input.idempotencyKey ?? `revoke-tokens:${serviceUserId}:${Math.floor(this.now().getTime() / 900_000)}`;
    const executionId = newId('exe');
    const claim = await this.requests.claim({
      connectionId,
      key,
      fingerprint: hashText(`${REVOKE_SERVICE_USER_TOKENS}:${serviceUserId}`),
      executionId,
      holder: `${hostname()}:${process.pid}`,
      now: this.now(),
      ttlMs: KEY_TTL_MS,
      leaseMs: this.leaseMs,
    });
    if (claim.kind === 'done') return { ...(JSON.parse(claim.result) as RevokeResult), replayed: true };
    if (claim.kind === 'running')
      throw new AppError(
        'conflict',
        'action_in_progress',
        `the same revoke (key ${key}) is running in ${claim.holder ?? 'another process'}; ask again when it ends`,
      );
    if (claim.kind === 'mismatch')
      throw new AppError(
        'conflict',
        'idempotency_key_reused',
        `idempotency key ${key} was used for a different request`,
      );
    const auditId = await this.audit.append({
      ...base,
      at: this.now().toISOString(),
      dry_run: 0,
      idempotency_key: key,
      outcome: 'running',
      targets: JSON.stringify([serviceUserId]),
      plan: JSON.stringify(plan),
      results: '[]',
      request_ids: '[]',
      error_code: null,
      error_message: null,
    });
    await this.requests.setAudit(connectionId, key, executionId, auditId);
    let error: RevokeResult['error'] = null;
    let answer: boolean | null = null;
    if (plan.hadToken) {
      try {
        // monday's idempotency key makes a resend after a lost answer one revocation.
        answer = await api.revokeServiceUserTokens(serviceUserId, `seatwise-${hashText(key).slice(0, 32)}`);
      } catch (e) {
        if (!(e instanceof MondayError)) throw e;
        error = { code: e.code, message: e.message };
      }
    }
    // The outcome is what monday shows now.
    let after: RemoteServiceUser | null | undefined;
    try {
      after = await this.live(connectionId, serviceUserId);
    } catch {
      after = undefined;
    }
    let outcome: RevokeResult['outcome'];
    if (after === undefined) outcome = 'unverified';
    else if (after === null || after.has_token !== false) outcome = 'failed';
    else outcome = plan.hadToken ? 'revoked' : 'unchanged';
    if (outcome === 'failed' && !error)
      error = {
        code: after === null ? 'service_user_gone' : 'still_has_token',
        message:
          after === null
            ? `monday no longer lists service user ${serviceUserId}`
            : `monday answered ${answer === null ? 'nothing clear' : String(answer)} but still shows a token for service user ${serviceUserId}`,
      };
    if (after) await this.store(connectionId, after);
    const done = result(outcome, { error, auditId });
    await this.audit.complete(auditId, {
      outcome,
      results: JSON.stringify([{ serviceUserId, outcome, answer, hasTokenAfter: after?.has_token ?? null }]),
      error_code: error?.code ?? null,
      error_message: error?.message ?? null,
    });
    // A result monday confirmed is kept for replay; an unverified or failed one may be tried again.
    await this.requests.finish(
      connectionId,
      key,
      executionId,
      outcome === 'revoked' || outcome === 'unchanged' ? 'done' : 'retryable',
      JSON.stringify(done),
    );
    return done;
  }

  /** The service user as monday lists it now (null: not listed). */
  private async live(connectionId: string, serviceUserId: string): Promise<RemoteServiceUser | null> {
    const all = await (await this.connections.api(connectionId)).serviceUsers();
    return all.find((u) => u.id === serviceUserId) ?? null;
  }

  private async store(connectionId: string, user: RemoteServiceUser): Promise<void> {
    const row = toRow(connectionId, user, this.now().toISOString());
    await this.db
      .insertInto('service_users')
      .values(row)
      .onConflict((oc) => oc.columns(['connection_id', 'remote_id']).doUpdateSet(row))
      .execute();
  }
}

function toRow(connectionId: string, u: RemoteServiceUser, at: string): ServiceUsersTable {
  const flag = (v: boolean | null | undefined) => (v === null || v === undefined ? null : v ? 1 : 0);
  return {
    connection_id: connectionId,
    remote_id: u.id,
    name: u.name ?? u.id,
    title: u.title ?? null,
    enabled: flag(u.enabled),
    invited_by_id: u.invited_by_id ?? null,
    remote_created_at: u.created_at ?? null,
    last_token_activity: u.last_token_activity ?? null,
    has_token: flag(u.has_token),
    synced_at: at,
  };
}
