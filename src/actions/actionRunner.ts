import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError } from '../domain/appError.ts';
import { type ConnectionFacts, unmetRequirements } from '../domain/capabilities.ts';
import type { Role, Status } from '../domain/directory.ts';
import { licenseFor } from '../domain/licenseRules.ts';
import type { GraphqlClient } from '../monday/graphqlClient.ts';
import type { ScimClient } from '../monday/scimClient.ts';
import { ActionRequestsRepo } from '../store/actionRequestsRepo.ts';
import { AuditRepo } from '../store/auditRepo.ts';
import { DirectoryRepo, type DirectoryUserRow } from '../store/directoryRepo.ts';
import type { Database } from '../store/schema.ts';
import { diffUsers, type IncomingUser } from '../sync/diff.ts';
import { toDirectoryUser } from '../sync/toDirectoryUser.ts';
import {
  type ActionRequest,
  type ActionRequestInput,
  actionRequestSchema,
  channelOf,
} from './actionInput.ts';
import { type KnownUser, type PlanItem, planAction } from './actionPlan.ts';
import { definitionFor } from './definitions.ts';
import {
  type Execution,
  type ResultItem,
  runInvite,
  runScimCreate,
  runScimDeactivate,
  runUserMutation,
} from './executors.ts';

/** How actions reach a connection: its facts and its monday clients (implemented by app/connections). */
export interface ConnectionAccess {
  facts(connectionId: string): Promise<ConnectionFacts & { tokenOwnerId: string }>;
  graphql(connectionId: string): Promise<GraphqlClient>;
  scim(connectionId: string): Promise<ScimClient>;
}

/** The answer to an action request (also what a repeated request with the same key returns). */
export interface ActionResult {
  action: ActionRequest['action'];
  via: 'scim' | 'graphql';
  connectionId: string;
  dryRun: boolean;
  idempotencyKey: string | null;
  replayed: boolean;
  /** planned (dry run), succeeded (every target in the target state), partial, failed. */
  outcome: 'planned' | 'succeeded' | 'partial' | 'failed';
  plan: PlanItem[];
  results: ResultItem[];
  summary: { changed: number; already: number; failed: number; planned: number };
  requestIds: string[];
  auditId: number;
}

/** A key the caller chose is honoured for a day; a derived one only briefly, to absorb double submits. */
const GIVEN_KEY_TTL_MS = 24 * 3600_000;
const DERIVED_KEY_TTL_MS = 15 * 60_000;

/** validate → check requirements → plan from current state → (dry run stops) → execute → update the copy → audit. */
export class ActionRunner {
  private readonly directory: DirectoryRepo;
  private readonly audit: AuditRepo;
  private readonly requests: ActionRequestsRepo;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly access: ConnectionAccess,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.directory = new DirectoryRepo(db);
    this.audit = new AuditRepo(db);
    this.requests = new ActionRequestsRepo(db);
  }

  async run(input: ActionRequestInput, actor: string): Promise<ActionResult> {
    const parsed = actionRequestSchema.safeParse(input);
    const rawConnection =
      typeof (input as { connectionId?: unknown })?.connectionId === 'string'
        ? (input as { connectionId: string }).connectionId
        : null;
    if (!parsed.success) {
      const message = parsed.error.issues
        .map((i) => `${i.path.join('.') || 'request'} ${i.message}`)
        .join('; ');
      if (rawConnection)
        await this.auditRefusal(actor, rawConnection, input, 'rejected', 'invalid_action', message);
      throw new AppError('invalid_input', 'invalid_action', message);
    }
    const request = parsed.data;
    const via = channelOf(request);
    const facts = await this.access.facts(request.connectionId);
    const definition = definitionFor(request.action, via)!;
    const unmet = unmetRequirements(definition.requirements, facts);
    if (unmet.length > 0) {
      const readOnly = facts.permission !== 'read_and_act';
      const code = readOnly ? 'read_only_connection' : 'action_unavailable';
      const message = `${definition.label} is not available on connection ${request.connectionId}: ${unmet.join('; ')}`;
      await this.auditRefusal(actor, request.connectionId, request, 'refused', code, message);
      throw new AppError(readOnly ? 'forbidden' : 'precondition', code, message, { reasons: unmet });
    }

    const rows = await this.directory.query({ connectionId: request.connectionId });
    const known = indexUsers(rows);
    const plan = planAction(request, known, facts.tokenOwnerId);
    if (!plan.ok) {
      const message = `unknown user(s) in connection ${request.connectionId}: ${plan.unknown.join(', ')} (sync first if they are new)`;
      await this.auditRefusal(actor, request.connectionId, request, 'rejected', 'unknown_users', message);
      throw new AppError('invalid_input', 'unknown_users', message, { unknown: plan.unknown });
    }
    if (request.dryRun) {
      return this.finish(actor, request, plan.items, [], [], null);
    }

    const fingerprint = hashRequest(request);
    const key = request.idempotencyKey ?? `auto-${fingerprint.slice(0, 32)}`;
    const ttl = request.idempotencyKey ? GIVEN_KEY_TTL_MS : DERIVED_KEY_TTL_MS;
    const claim = await this.requests.claim(request.connectionId, key, fingerprint, this.now(), ttl);
    if (claim.kind === 'done') {
      const previous = JSON.parse(claim.result) as ActionResult;
      const replay = { ...previous, replayed: true };
      replay.auditId = await this.appendAudit(actor, request, replay);
      return replay;
    }
    if (claim.kind === 'running') {
      throw new AppError(
        'conflict',
        'action_in_progress',
        `an action with idempotency key ${key} is still running`,
      );
    }
    if (claim.kind === 'mismatch') {
      throw new AppError(
        'conflict',
        'idempotency_key_reused',
        `idempotency key ${key} was already used for a different request`,
      );
    }

    try {
      const execution = await this.execute(request, plan.items, key);
      await this.updateCopy(request, rows, execution);
      const result = await this.finish(
        actor,
        request,
        plan.items,
        execution.results,
        execution.requestIds,
        key,
      );
      await this.requests.finish(request.connectionId, key, JSON.stringify(result));
      return result;
    } catch (error) {
      await this.requests.release(request.connectionId, key);
      throw error;
    }
  }

  private async execute(request: ActionRequest, items: PlanItem[], key: string): Promise<Execution> {
    const toChange = items.filter((i) => i.outcome === 'change');
    const settled: ResultItem[] = items
      .filter((i) => i.outcome !== 'change')
      .map((i) => ({
        target: i.target,
        userId: i.userId,
        email: i.email,
        outcome: i.outcome === 'noop' ? 'already' : 'failed',
        code: i.code,
        reason: i.reason,
      }));
    let execution: Execution = { results: [], requestIds: [], remoteUsers: [] };
    if (toChange.length > 0) {
      switch (request.action) {
        case 'create':
          execution = await runScimCreate(
            await this.access.scim(request.connectionId),
            toChange[0]!,
            request.name,
            request.role,
          );
          break;
        case 'deactivate':
          execution =
            request.via === 'scim'
              ? await runScimDeactivate(await this.access.scim(request.connectionId), toChange)
              : await runUserMutation(
                  await this.access.graphql(request.connectionId),
                  'deactivate',
                  toChange,
                  key,
                );
          break;
        case 'invite':
          execution = await runInvite(
            await this.access.graphql(request.connectionId),
            toChange,
            key,
            request.role,
            request.product,
          );
          break;
        case 'set_role':
          execution = await runUserMutation(
            await this.access.graphql(request.connectionId),
            'set_role',
            toChange,
            key,
            request.role,
          );
          break;
        case 'reactivate':
          execution = await runUserMutation(
            await this.access.graphql(request.connectionId),
            'reactivate',
            toChange,
            key,
          );
          break;
      }
    }
    const byTarget = new Map([...settled, ...execution.results].map((r) => [r.target, r]));
    return { ...execution, results: items.map((i) => byTarget.get(i.target)!) };
  }

  /** Writes what monday now reports into the synced copy, with change events, so views are current at once. */
  private async updateCopy(
    request: ActionRequest,
    rows: DirectoryUserRow[],
    execution: Execution,
  ): Promise<void> {
    const stored = new Map(rows.map((r) => [r.remote_id, r]));
    const incoming: IncomingUser[] = execution.remoteUsers.map(toDirectoryUser);
    for (const result of execution.results) {
      if (result.outcome === 'failed' || !result.userId) continue;
      const row = stored.get(result.userId);
      if (request.action === 'deactivate' && request.via === 'scim' && row)
        incoming.push(withState(row, row.role as Role, 'deactivated'));
      if (request.action === 'create' && result.outcome === 'changed') {
        const license = licenseFor(request.role, 'active');
        incoming.push({
          remoteId: result.userId,
          name: request.name,
          email: request.email,
          title: '',
          role: request.role,
          status: 'active',
          license: license.license,
          lastActivityAt: null,
          createdAt: this.now().toISOString(),
          scimLinked: true,
          invitationMethod: 'SCIM',
          explanation: `${license.summary}: created through SCIM as ${request.role}`,
        });
      }
    }
    if (incoming.length === 0) return;
    const diff = diffUsers(request.connectionId, null, stored, incoming, this.now().toISOString());
    await this.db.transaction().execute(async (trx) => {
      await this.directory.upsert(trx, diff.upserts);
      await this.directory.insertEvents(trx, diff.events);
    });
  }

  private async finish(
    actor: string,
    request: ActionRequest,
    plan: PlanItem[],
    results: ResultItem[],
    requestIds: string[],
    key: string | null,
  ): Promise<ActionResult> {
    const dryRun = request.dryRun;
    const summary = {
      changed: results.filter((r) => r.outcome === 'changed').length,
      already: results.filter((r) => r.outcome === 'already').length,
      failed: results.filter((r) => r.outcome === 'failed').length,
      planned: plan.filter((p) => p.outcome === 'change').length,
    };
    const outcome: ActionResult['outcome'] = dryRun
      ? 'planned'
      : summary.failed === 0
        ? 'succeeded'
        : summary.failed === results.length
          ? 'failed'
          : 'partial';
    const result: ActionResult = {
      action: request.action,
      via: channelOf(request),
      connectionId: request.connectionId,
      dryRun,
      idempotencyKey: key,
      replayed: false,
      outcome,
      plan,
      results,
      summary,
      requestIds,
      auditId: 0,
    };
    result.auditId = await this.appendAudit(actor, request, result);
    return result;
  }

  private appendAudit(actor: string, request: ActionRequest, result: ActionResult): Promise<number> {
    return this.audit.append({
      at: this.now().toISOString(),
      actor,
      connection_id: request.connectionId,
      action: request.action,
      via: result.via,
      dry_run: result.dryRun ? 1 : 0,
      idempotency_key: result.idempotencyKey,
      outcome: result.replayed ? `${result.outcome} (replayed)` : result.outcome,
      targets: JSON.stringify(targetsOf(request)),
      plan: JSON.stringify(result.plan),
      results: JSON.stringify(result.results),
      request_ids: JSON.stringify(result.requestIds),
      error_code: null,
      error_message: null,
    });
  }

  private async auditRefusal(
    actor: string,
    connectionId: string,
    request: unknown,
    outcome: 'refused' | 'rejected',
    code: string,
    message: string,
  ): Promise<void> {
    const r = request as { action?: unknown; via?: unknown; dryRun?: unknown; idempotencyKey?: unknown };
    await this.audit.append({
      at: this.now().toISOString(),
      actor,
      connection_id: connectionId,
      action: typeof r.action === 'string' ? r.action : 'unknown',
      via: typeof r.via === 'string' ? r.via : channelOf(r),
      dry_run: r.dryRun === true ? 1 : 0,
      idempotency_key: typeof r.idempotencyKey === 'string' ? r.idempotencyKey : null,
      outcome,
      targets: JSON.stringify(targetsOf(request as ActionRequest)),
      plan: '[]',
      results: '[]',
      request_ids: '[]',
      error_code: code,
      error_message: message,
    });
  }
}

function indexUsers(rows: DirectoryUserRow[]): {
  byId: Map<string, KnownUser>;
  byEmail: Map<string, KnownUser>;
} {
  const byId = new Map<string, KnownUser>();
  const byEmail = new Map<string, KnownUser>();
  for (const r of rows) {
    const user: KnownUser = {
      id: r.remote_id,
      email: r.email.toLowerCase(),
      name: r.name,
      role: r.role as Role,
      status: r.status as Status,
      scimLinked: Boolean(Number(r.scim_linked)),
    };
    byId.set(user.id, user);
    byEmail.set(user.email, user);
  }
  return { byId, byEmail };
}

function withState(row: DirectoryUserRow, role: Role, status: Status): IncomingUser {
  const license = licenseFor(role, status);
  return {
    remoteId: row.remote_id,
    name: row.name,
    email: row.email,
    title: row.title,
    role,
    status,
    license: license.license,
    lastActivityAt: row.last_activity_at,
    createdAt: row.remote_created_at,
    scimLinked: Boolean(Number(row.scim_linked)),
    invitationMethod: row.invitation_method,
    explanation: `${license.summary}: ${status} through a Seatwise action`,
  };
}

function targetsOf(request: Partial<ActionRequest> & Record<string, unknown>): unknown {
  if (Array.isArray(request.targets)) return request.targets;
  if (Array.isArray(request.emails)) return request.emails;
  if (typeof request.email === 'string') return [request.email];
  return [];
}

/** The request's identity for idempotency: the same action on the same users hashes the same. */
function hashRequest(request: ActionRequest): string {
  const { dryRun: _d, idempotencyKey: _k, ...rest } = request;
  const canonical = JSON.stringify(rest, (_key, value) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  );
  return createHash('sha256').update(canonical).digest('hex');
}
