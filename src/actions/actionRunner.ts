import type { Insertable, Kysely } from 'kysely';
import { type ActionResult, actionOutcome, recheckedResults, resultSummary } from '../domain/actionResult.ts';
import { AppError } from '../domain/appError.ts';
import { type ConnectionFacts, unmetRequirements } from '../domain/capabilities.ts';
import type { Role, Status, StoredRole } from '../domain/directory.ts';
import { footprintOf } from '../domain/footprint.ts';
import { hashText } from '../domain/hash.ts';
import { newId } from '../domain/ids.ts';
import { invalidInput } from '../domain/inputIssues.ts';
import { licenseFor } from '../domain/licenseRules.ts';
import type { GraphqlClient } from '../monday/graphqlClient.ts';
import { MondayApi, type RemoteUser } from '../monday/mondayApi.ts';
import { MondayError } from '../monday/mondayError.ts';
import type { ScimClient } from '../monday/scimClient.ts';
import { ActionRequestsRepo } from '../store/actionRequestsRepo.ts';
import { AuditRepo } from '../store/auditRepo.ts';
import { DirectoryRepo, type DirectoryUserRow } from '../store/directoryRepo.ts';
import { describeHolder } from '../store/leaseRepo.ts';
import type { ChangeEventsTable, ChangeKind, Database } from '../store/schema.ts';
import { TeamsRepo } from '../store/teamsRepo.ts';
import { diffUsers, type IncomingUser } from '../sync/diff.ts';
import { toDirectoryUser } from '../sync/toDirectoryUser.ts';
import {
  type ActionRequest,
  type ActionRequestInput,
  actionRequestSchema,
  channelOf,
  isTeamAction,
  type TeamActionRequest,
} from './actionInput.ts';
import { type KnownUser, type PlanItem, type PlanResult, planAction, resolveTargets } from './actionPlan.ts';
import { actionDefinitions, definitionFor } from './definitions.ts';
import {
  type Execution,
  type ResultItem,
  runInvite,
  runScimCreate,
  runScimDeactivate,
  runUserMutation,
} from './executors.ts';
import { checkTargetState, type Drift, replanFromMonday, replanInvitesFromMonday } from './liveState.ts';
import {
  checkTeamState,
  type KnownTeam,
  planTeamTarget,
  replanTeamFromMonday,
  runTeamChange,
} from './teamActions.ts';

export type { ActionResult } from '../domain/actionResult.ts';

/** How actions reach a connection: its facts and its monday clients (implemented by app/connections). */
export interface ConnectionAccess {
  facts(connectionId: string): Promise<ConnectionFacts & { tokenOwnerId: string }>;
  graphql(connectionId: string): Promise<GraphqlClient>;
  scim(connectionId: string): Promise<ScimClient>;
}

/** How long an execution holds its key without a heartbeat, and how often it heartbeats. */
export interface ExecutionTiming {
  leaseMs: number;
  heartbeatMs: number;
}

/** A key the caller chose is honoured for a day; a derived one only briefly, to absorb double submits. */
const GIVEN_KEY_TTL_MS = 24 * 3600_000;
const DERIVED_KEY_TTL_MS = 15 * 60_000;

/** What each action changes in a user, so the copy's history names the action as the change's author. */
const actionChangeKinds: Partial<Record<ActionRequest['action'], ChangeKind[]>> = {
  set_role: ['role_changed', 'license_changed'],
  deactivate: ['status_changed', 'license_changed'],
  reactivate: ['status_changed', 'license_changed'],
  create: ['added'],
  invite: ['added'],
};

/** validate → check requirements → plan from current state → (dry run stops) → execute → update the copy → audit. */
export class ActionRunner {
  private readonly directory: DirectoryRepo;
  private readonly audit: AuditRepo;
  private readonly requests: ActionRequestsRepo;
  private readonly teams: TeamsRepo;

  constructor(
    { db, dialect }: { db: Kysely<Database>; dialect: 'sqlite' | 'postgres' },
    private readonly access: ConnectionAccess,
    private readonly now: () => Date = () => new Date(),
    private readonly timing: ExecutionTiming = { leaseMs: 60_000, heartbeatMs: 15_000 },
  ) {
    this.directory = new DirectoryRepo(db, dialect);
    this.audit = new AuditRepo(db);
    this.requests = new ActionRequestsRepo(db);
    this.teams = new TeamsRepo(db);
  }

  async run(input: ActionRequestInput, actor: string): Promise<ActionResult> {
    const parsed = actionRequestSchema.safeParse(input);
    const rawConnection =
      typeof (input as { connectionId?: unknown })?.connectionId === 'string'
        ? (input as { connectionId: string }).connectionId
        : null;
    if (!parsed.success) {
      const error = invalidInput('invalid_action', parsed.error, input);
      if (rawConnection)
        await this.auditRefusal(actor, rawConnection, input, 'rejected', 'invalid_action', error.message);
      throw error;
    }
    const request = parsed.data;
    const facts = await this.access.facts(request.connectionId);
    let team: KnownTeam | null = null;
    if (isTeamAction(request)) {
      team = await this.knownTeam(request.connectionId, request.teamId);
      if (!team) {
        const message = `team ${request.teamId} is not in the synced copy of connection ${request.connectionId} (sync first if it is new)`;
        await this.auditRefusal(actor, request.connectionId, request, 'rejected', 'unknown_team', message);
        throw new AppError('invalid_input', 'unknown_team', message, { teamId: request.teamId });
      }
      // A team an identity provider manages goes through SCIM when the connection can, unless asked otherwise.
      request.via ??= team.scimManaged === 1 && facts.hasScimToken ? 'scim' : 'graphql';
    }
    const via = channelOf(request);
    const definition = definitionFor(request.action, via)!;
    const unmet = unmetRequirements(definition.requirements, facts);
    if (unmet.length > 0) {
      const readOnly = facts.permission !== 'read_and_act';
      const code = readOnly ? 'read_only_connection' : 'action_unavailable';
      // Another channel for the same action that this connection can use is offered, never taken silently.
      const alternative = actionDefinitions.find(
        (d) =>
          d.action === request.action &&
          d.via !== via &&
          unmetRequirements(d.requirements, facts).length === 0,
      );
      const hint = alternative
        ? `. ${alternative.label} is available: ask for it with --via ${alternative.via} in the CLI or "via":"${alternative.via}" in the API`
        : '';
      const message = `${definition.label} is not available on connection ${request.connectionId}: ${unmet.join('; ')}${hint}`;
      await this.auditRefusal(actor, request.connectionId, request, 'refused', code, message);
      throw new AppError(readOnly ? 'forbidden' : 'precondition', code, message, { reasons: unmet });
    }

    const rows = await this.storedTargets(request);
    const known = indexUsers(rows);
    const plan =
      team && isTeamAction(request)
        ? await this.planTeam(request, known, team)
        : planAction(request, known, facts.tokenOwnerId);
    if (!plan.ok) {
      const message = `unknown user(s) in connection ${request.connectionId}: ${plan.unknown.join(', ')} (sync first if they are new)`;
      await this.auditRefusal(actor, request.connectionId, request, 'rejected', 'unknown_users', message);
      throw new AppError('not_found', 'unknown_users', message, { unknown: plan.unknown });
    }
    if (request.dryRun) {
      return this.finish(actor, request, await this.withFootprints(request, plan.items, facts));
    }

    const fingerprint = hashRequest(request);
    // Without a caller's key, only a double submit of the same plan from the same stored state is a repeat.
    const key =
      request.idempotencyKey ??
      `auto-${hashText(`${fingerprint}:${stateOf(plan.items, rows)}`).slice(0, 32)}`;
    const executionId = newId('exe');
    const claim = await this.requests.claim({
      connectionId: request.connectionId,
      key,
      fingerprint,
      executionId,
      holder: describeHolder(`action ${executionId}`),
      now: this.now(),
      ttlMs: request.idempotencyKey ? GIVEN_KEY_TTL_MS : DERIVED_KEY_TTL_MS,
      leaseMs: this.timing.leaseMs,
    });
    if (claim.kind === 'done') return this.replay(actor, request, JSON.parse(claim.result) as ActionResult);
    if (claim.kind === 'running') {
      throw new AppError(
        'conflict',
        'action_in_progress',
        `an action with idempotency key ${key} is still running (${claim.holder ?? 'another process'}); if that process has stopped, the same request can be retried after ${claim.leaseExpiresAt}`,
        { holder: claim.holder, retryAfter: claim.leaseExpiresAt },
      );
    }
    if (claim.kind === 'mismatch') {
      throw new AppError(
        'conflict',
        'idempotency_key_reused',
        `idempotency key ${key} was already used for a different request`,
      );
    }
    return this.executeClaimed(
      actor,
      request,
      facts.tokenOwnerId,
      plan.items,
      rows,
      key,
      executionId,
      claim,
      team,
    );
  }

  /**
   * Runs a claimed execution: opens its audit entry before monday is called, checks monday's current state,
   * acts, writes the copy and completes the entry. A failure after monday answered still completes the entry;
   * a crash leaves the key to be retried once the execution's lease ends.
   */
  private async executeClaimed(
    actor: string,
    request: ActionRequest,
    tokenOwnerId: string,
    planned: PlanItem[],
    rows: DirectoryUserRow[],
    key: string,
    executionId: string,
    claim: { attempt: number; previousAuditId: number | null },
    team: KnownTeam | null,
  ): Promise<ActionResult> {
    const { connectionId } = request;
    const auditId = await this.appendAudit(actor, request, {
      ...this.result(request, planned, [], [], key),
      outcome: 'running',
    });
    await this.requests.setAudit(connectionId, key, executionId, auditId);
    if (claim.previousAuditId !== null) {
      await this.audit.complete(claim.previousAuditId, {
        outcome: 'interrupted',
        error_code: 'interrupted',
        error_message: `the process running this action stopped before it recorded what monday did; audit entry ${auditId} (attempt ${claim.attempt}) checked monday's current state and went on`,
      });
    }
    const heartbeat = setInterval(() => {
      void this.requests
        .heartbeat(connectionId, key, executionId, this.now(), this.timing.leaseMs)
        .catch(() => {});
    }, this.timing.heartbeatMs);
    heartbeat.unref();
    let items = planned;
    let execution: Execution & { teams?: Map<string, string[]> };
    try {
      const checked = await this.checkMonday(request, planned, tokenOwnerId, team);
      items = checked.items;
      execution = await this.execute(request, items, executionId, team);
      // What monday showed before acting goes into the copy too; its answers to the mutations come after.
      execution.remoteUsers = [...checked.live, ...execution.remoteUsers];
      // Likewise the teams monday showed before acting, then after.
      if (checked.teams) execution.teams = new Map([...checked.teams, ...(execution.teams ?? [])]);
    } catch (error) {
      await this.audit.complete(auditId, {
        outcome: 'failed',
        plan: JSON.stringify(items),
        error_code: error instanceof MondayError ? error.code : 'internal_error',
        error_message: (error as Error).message,
        request_ids: JSON.stringify(error instanceof MondayError && error.requestId ? [error.requestId] : []),
      });
      await this.requests.finish(connectionId, key, executionId, 'retryable', null);
      throw error;
    } finally {
      clearInterval(heartbeat);
    }
    const result = this.result(request, items, execution.results, execution.requestIds, key);
    result.auditId = auditId;
    try {
      await this.updateCopy(request, rows, execution, auditId);
      if (team && isTeamAction(request) && execution.teams)
        await this.updateTeamCopy(request, team, execution.teams, auditId);
    } catch (error) {
      result.warning = `monday's answer could not be written to the synced copy (${(error as Error).message}); the next sync will bring it in`;
    }
    await this.audit.complete(auditId, {
      outcome: result.outcome,
      plan: JSON.stringify(result.plan),
      results: JSON.stringify(result.results),
      request_ids: JSON.stringify(result.requestIds),
      error_code: result.warning ? 'copy_not_updated' : null,
      error_message: result.warning,
    });
    // Only a full success is replayed; anything less may be retried with the same key (check-then-act again).
    await this.requests.finish(
      connectionId,
      key,
      executionId,
      result.outcome === 'succeeded' ? 'done' : 'retryable',
      JSON.stringify(result),
    );
    return result;
  }

  /** Plans the targets again from monday's current state (SCIM create checks monday itself). */
  private async checkMonday(
    request: ActionRequest,
    items: PlanItem[],
    tokenOwnerId: string,
    team: KnownTeam | null,
  ): Promise<{ items: PlanItem[]; live: RemoteUser[]; teams?: Map<string, string[]> }> {
    if (request.action === 'create') return { items, live: [] };
    if (isTeamAction(request)) {
      if (!team || !items.some((i) => i.userId)) return { items, live: [] };
      return replanTeamFromMonday(await this.access.graphql(request.connectionId), request, items, team);
    }
    if (request.action === 'invite') {
      if (!items.some((i) => i.outcome === 'change')) return { items, live: [] };
      return replanInvitesFromMonday(await this.access.graphql(request.connectionId), items);
    }
    if (!items.some((i) => i.userId)) return { items, live: [] };
    return replanFromMonday(await this.access.graphql(request.connectionId), request, items, tokenOwnerId);
  }

  /** Answers a repeat with the earlier result, saying plainly whether monday still shows its effect. */
  private async replay(actor: string, request: ActionRequest, previous: ActionResult): Promise<ActionResult> {
    let drifted: Drift[] = [];
    let checkError: string | null = null;
    try {
      const client = await this.access.graphql(request.connectionId);
      drifted = isTeamAction(request)
        ? await checkTeamState(client, request, previous.results)
        : await checkTargetState(client, request, previous.results);
    } catch (error) {
      checkError = `monday's current state could not be checked: ${(error as Error).message}`;
    }
    // Results kept before outcomes were derived here are judged by their results again.
    const judged = actionOutcome({
      dryRun: false,
      results: previous.results,
      replay: { drifted, checkError },
    });
    const results = recheckedResults(previous.results, drifted, checkError);
    const replay: ActionResult = {
      ...previous,
      replayed: true,
      outcome: judged.outcome,
      inTargetState: judged.inTargetState,
      results,
      summary: resultSummary(results, previous.plan),
      replay: { of: previous.auditId, checkedAt: this.now().toISOString(), drifted, checkError },
      warning: null,
    };
    replay.auditId = await this.appendAudit(actor, request, replay);
    return replay;
  }

  /** Sends the plan's changes to monday; its Idempotency-Key comes from this execution, never an earlier one. */
  private async execute(
    request: ActionRequest,
    items: PlanItem[],
    key: string,
    team: KnownTeam | null,
  ): Promise<Execution & { teams?: Map<string, string[]> }> {
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
    let execution: Execution & { teams?: Map<string, string[]> } = {
      results: [],
      requestIds: [],
      remoteUsers: [],
    };
    if (toChange.length > 0) {
      switch (request.action) {
        case 'add_to_team':
        case 'remove_from_team':
          execution = await runTeamChange(request, toChange, team!, key, {
            graphql: () => this.access.graphql(request.connectionId),
            scim: () => this.access.scim(request.connectionId),
          });
          break;
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

  /** The team a request names as the copy knows it (not removed), or null. */
  private async knownTeam(connectionId: string, teamId: string): Promise<KnownTeam | null> {
    const row = await this.teams.get(connectionId, teamId);
    if (!row) return null;
    return {
      id: row.team_id,
      name: row.name,
      isGuest: Number(row.is_guest) === 1,
      scimManaged: row.scim_managed === null ? null : Number(row.scim_managed),
    };
  }

  /** Plans a team action from the copy: each named user (all must be known) joins or leaves the team. */
  private async planTeam(
    request: TeamActionRequest,
    users: { byId: Map<string, KnownUser>; byEmail: Map<string, KnownUser> },
    team: KnownTeam,
  ): Promise<PlanResult> {
    const resolved = resolveTargets(request.targets, users);
    if (!resolved.ok) return resolved;
    const members = await this.teams.membersAmong(
      request.connectionId,
      team.id,
      resolved.users.map((r) => r.user.id),
    );
    return {
      ok: true,
      items: resolved.users.map(({ ref, user }) =>
        planTeamTarget(request, ref, user, members.has(user.id), team),
      ),
    };
  }

  /** Writes the team memberships monday showed after the act into the copy, with join/leave events. */
  private async updateTeamCopy(
    request: TeamActionRequest,
    team: KnownTeam,
    teams: Map<string, string[]>,
    auditId: number,
  ): Promise<void> {
    const ids = [...teams.keys()];
    const members = await this.teams.membersAmong(request.connectionId, team.id, ids);
    const at = this.now().toISOString();
    const links: { teamId: string; userId: string; member: boolean }[] = [];
    const events: Insertable<ChangeEventsTable>[] = [];
    for (const [userId, now] of teams) {
      const member = now.includes(team.id);
      if (member === members.has(userId)) continue;
      links.push({ teamId: team.id, userId, member });
      events.push({
        connection_id: request.connectionId,
        run_id: null,
        remote_user_id: userId,
        team_id: team.id,
        kind: member ? 'joined_team' : 'left_team',
        before_value: member ? null : JSON.stringify({ team: team.name }),
        after_value: member ? JSON.stringify({ team: team.name }) : null,
        occurred_at: at,
        // Joining or leaving the team the action named is the action's doing.
        audit_id: auditId,
      });
    }
    await this.teams.writeFromAction(request.connectionId, links, events, at);
  }

  /** The stored (not removed) users a request names, looked up by id and email: never the whole copy. */
  private async storedTargets(request: ActionRequest): Promise<DirectoryUserRow[]> {
    const ids: string[] = [];
    const emails: string[] = [];
    if (request.action === 'create') emails.push(request.email);
    else if (request.action === 'invite') emails.push(...request.emails);
    else
      for (const target of request.targets) {
        if ('userId' in target) ids.push(target.userId);
        else emails.push(target.email);
      }
    const found = [
      ...(await this.directory.getMany(request.connectionId, ids)),
      ...(await this.directory.getByEmails(request.connectionId, emails)),
    ];
    const unique = new Map(found.filter((r) => r.removed_at === null).map((r) => [r.remote_id, r]));
    return [...unique.values()];
  }

  /** The ids of the users the copy knows under these addresses (matched without regard to case). */
  async storedIdsForEmails(connectionId: string, emails: readonly string[]): Promise<string[]> {
    const rows = await this.directory.getByEmails(connectionId, emails);
    return [...new Set(rows.map((r) => r.remote_id))];
  }

  /**
   * Writes users as monday reported them just now into the synced copy (with change events), so one invited or
   * renamed since the last sync can be acted on by id at once.
   */
  async recordObserved(connectionId: string, remoteUsers: RemoteUser[]): Promise<void> {
    if (remoteUsers.length === 0) return;
    const rows = await this.directory.getMany(
      connectionId,
      remoteUsers.map((u) => u.id),
    );
    const stored = new Map(rows.map((r) => [r.remote_id, r]));
    const incoming = remoteUsers.map((u) => toDirectoryUser(u));
    const diff = diffUsers(connectionId, null, stored, incoming, this.now().toISOString());
    if (diff.upserts.length > 0)
      await this.directory.writeFromAction(connectionId, diff.upserts, diff.events);
  }

  /** Writes what monday now reports into the synced copy, with change events, so views are current at once. */
  private async updateCopy(
    request: ActionRequest,
    rows: DirectoryUserRow[],
    execution: Execution,
    auditId: number,
  ): Promise<void> {
    const stored = new Map(rows.map((r) => [r.remote_id, r]));
    // The latest word on each user wins: monday's state before acting, then its answers, then SCIM's.
    const incoming = new Map<string, IncomingUser>();
    for (const remote of execution.remoteUsers) incoming.set(remote.id, toDirectoryUser(remote));
    for (const result of execution.results) {
      if (result.outcome === 'failed' || !result.userId) continue;
      const row = stored.get(result.userId);
      if (request.action === 'deactivate' && request.via === 'scim' && row)
        incoming.set(row.remote_id, withState(row, 'deactivated'));
      if (request.action === 'create' && result.outcome === 'changed') {
        const license = licenseFor(request.role, 'active');
        incoming.set(result.userId, {
          remoteId: result.userId,
          kind: roleToKind[request.role],
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
    if (incoming.size === 0) return;
    const diff = diffUsers(request.connectionId, null, stored, incoming.values(), this.now().toISOString());
    // A change is this action's when it changed that user and it is what the action changes; anything else
    // monday showed (a rename, a change made in monday meanwhile) is not claimed as Seatwise's.
    const changed = new Set(
      execution.results.filter((r) => r.outcome === 'changed' && r.userId).map((r) => r.userId!),
    );
    const kinds = actionChangeKinds[request.action] ?? [];
    const events = diff.events.map((e) =>
      changed.has(e.remote_user_id) && kinds.includes(e.kind) ? { ...e, audit_id: auditId } : e,
    );
    await this.directory.writeFromAction(request.connectionId, diff.upserts, events);
  }

  /** A dry run's answer: the plan, audited. */
  /**
   * In a plan that takes access away (a deactivation, or a change to viewer), what it breaks in monday for each
   * user it changes: read once for the plan; unknown where monday would not say.
   */
  private async withFootprints(
    request: ActionRequest,
    items: PlanItem[],
    facts: { tokenOwnerKind: string | null },
  ): Promise<PlanItem[]> {
    const change =
      request.action === 'deactivate'
        ? 'deactivate'
        : request.action === 'set_role' && request.role === 'viewer'
          ? 'viewer'
          : null;
    if (!change || !items.some((i) => i.outcome === 'change' && i.userId)) return items;
    const api = new MondayApi(await this.access.graphql(request.connectionId));
    const workspace = await api.workspace(facts.tokenOwnerKind === 'admin');
    return items.map((item) =>
      item.outcome === 'change' && item.userId
        ? { ...item, footprint: footprintOf(item.userId, workspace, change) }
        : item,
    );
  }

  private async finish(actor: string, request: ActionRequest, plan: PlanItem[]): Promise<ActionResult> {
    const result = this.result(request, plan, [], [], null);
    result.auditId = await this.appendAudit(actor, request, result);
    return result;
  }

  private result(
    request: ActionRequest,
    plan: PlanItem[],
    results: ResultItem[],
    requestIds: string[],
    key: string | null,
  ): ActionResult {
    const dryRun = request.dryRun;
    const summary = resultSummary(results, plan, dryRun);
    const { outcome, inTargetState } = actionOutcome({ dryRun, results });
    return {
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
      inTargetState,
      replay: null,
      warning: null,
      requestIds,
      auditId: 0,
    };
  }

  private appendAudit(
    actor: string,
    request: ActionRequest,
    result: Omit<ActionResult, 'outcome'> & { outcome: ActionResult['outcome'] | 'running' },
  ): Promise<number> {
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
      role: r.role as StoredRole,
      status: r.status as Status,
      scimLinked: Boolean(Number(r.scim_linked)),
    };
    byId.set(user.id, user);
    byEmail.set(user.email, user);
  }
  return { byId, byEmail };
}

function withState(row: DirectoryUserRow, status: Status): IncomingUser {
  const role = row.role as StoredRole;
  const license = licenseFor(role, status);
  return {
    remoteId: row.remote_id,
    name: row.name,
    email: row.email,
    title: row.title,
    role,
    kind: row.kind,
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

/** The stored state of every target (and whether a new email is known), as a derived key's second half. */
function stateOf(items: PlanItem[], rows: DirectoryUserRow[]): string {
  const byId = new Map(rows.map((r) => [r.remote_id, r]));
  return items
    .map((item) => {
      const row = item.userId ? byId.get(item.userId) : undefined;
      return row
        ? `${row.remote_id}:${row.role}:${row.status}:${row.updated_at}:${row.action_seq}:${row.removed_at}`
        : `${item.target}:absent`;
    })
    .join('|');
}

/** monday's kind for a person created with a role (as SCIM's userType sets it). */
const roleToKind: Record<Role, string> = {
  admin: 'admin',
  member: 'member',
  viewer: 'view_only',
  guest: 'guest',
};

/** The request's identity for idempotency: the same action on the same users hashes the same. */
function hashRequest(request: ActionRequest): string {
  const { dryRun: _d, idempotencyKey: _k, ...rest } = request;
  const canonical = JSON.stringify(rest, (_key, value) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  );
  return hashText(canonical);
}
