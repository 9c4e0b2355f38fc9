import type { Kysely } from 'kysely';
import type { ActionRequestInput } from '../actions/actionInput.ts';
import { type ActionResult, ActionRunner, type ExecutionTiming } from '../actions/actionRunner.ts';
import { type ActionName, actionDefinitions, actionNames } from '../actions/definitions.ts';
import type { VersionNotice } from '../domain/apiVersions.ts';
import { AppError } from '../domain/appError.ts';
import { readCapabilities, unmetRequirements } from '../domain/capabilities.ts';
import { offboardingChannels, offboardingKeyPrefix } from '../domain/offboarding.ts';
import { type SeatwiseEventName, seatwiseEventNames } from '../domain/seatwiseEvents.ts';
import type { RemoteUser } from '../monday/mondayApi.ts';
import { AuditRepo } from '../store/auditRepo.ts';
import type { Store } from '../store/database.ts';
import type { Database } from '../store/schema.ts';
import type { ConnectionsService } from './connections.ts';
import { REVOKE_SERVICE_USER_TOKENS, revokeRequirements } from './serviceUsersService.ts';

/** The Integration Capabilities table of one connection. */
export interface CapabilitiesView {
  connectionId: string;
  reads: { name: string; available: boolean; reason: string | null }[];
  actions: {
    id: string;
    action: string;
    via: string;
    label: string;
    operation: string;
    available: boolean;
    reasons: string[];
  }[];
  /** How offboarding can reach this account's users: SCIM for users it provisioned, GraphQL where allowed. */
  offboarding: CapabilitiesView['actions'];
  /** What can be done about service users. */
  serviceUsers: CapabilitiesView['actions'];
  /** The API version: the setting, what monday served, and what to do about a deprecated pin. */
  apiVersion: { setting: string; served: string | null; notice: VersionNotice | null };
}

export interface AuditEntryView {
  id: number;
  at: string;
  actor: string;
  connectionId: string | null;
  action: string;
  via: string;
  dryRun: boolean;
  idempotencyKey: string | null;
  outcome: string;
  targets: unknown;
  plan: unknown;
  results: unknown;
  requestIds: string[];
  error: { code: string; message: string } | null;
  /** Who each target is, as a person reads it (an email where monday gave one, else the target as asked). */
  targetLabels: string[];
  /** What the action was part of: an offboarding or a policy's proposal (from its idempotency key). */
  source: { kind: 'offboarding' | 'proposal' | 'review'; id: string } | null;
}

/** The filters of the audit log (the API's query and the CLI's flags). */
export interface AuditFilters {
  connectionId?: string;
  action?: ActionName | SeatwiseEventName;
  /** What one person did: signed in as themselves, or with a key they own. */
  personId?: string;
  offboardingId?: string;
  dryRun?: boolean;
  actor?: string;
  /** Days (YYYY-MM-DD, UTC), both included. */
  from?: string;
  to?: string;
  limit?: number;
}

/**
 * An offboarding's actions carry `offboarding-<id>-<connection>-…` as key, a proposal's `proposal-<id>`, an access
 * review's `review-<campaign>-<item>-a<attempt>`.
 */
export function auditSource(key: string | null): AuditEntryView['source'] {
  if (!key) return null;
  const offboarding = /^offboarding-(.+?)-con_/.exec(key);
  if (offboarding) return { kind: 'offboarding', id: offboarding[1]! };
  const review = /^review-(rvc_[0-9a-f]+)-/.exec(key);
  if (review) return { kind: 'review', id: review[1]! };
  const proposal = /^proposal-(.+)$/.exec(key);
  return proposal ? { kind: 'proposal', id: proposal[1]! } : null;
}

/** Each target's email from the plan rows (falling back to the target as asked). */
function targetLabels(targets: unknown, plan: unknown): string[] {
  const rows = Array.isArray(plan) ? (plan as { target?: unknown; email?: unknown }[]) : [];
  const emailOf = new Map(rows.map((r) => [String(r.target), typeof r.email === 'string' ? r.email : '']));
  const asked = Array.isArray(targets) ? targets : [];
  return asked.map((t) => {
    const target =
      typeof t === 'object' && t !== null
        ? String((t as Record<string, unknown>).userId ?? (t as Record<string, unknown>).email ?? '')
        : String(t);
    return emailOf.get(target) || target;
  });
}

/** Runs actions, derives capabilities from the same action definitions, and reads the audit log. */
export class ActionsService {
  private readonly runner: ActionRunner;
  private readonly audit: AuditRepo;
  private readonly db: Kysely<Database>;

  constructor(
    store: Store,
    private readonly connections: ConnectionsService,
    now?: () => Date,
    timing?: ExecutionTiming,
  ) {
    this.runner = new ActionRunner(store, connections, now, timing);
    this.audit = new AuditRepo(store.db);
    this.db = store.db;
  }

  run(request: ActionRequestInput, actor: string): Promise<ActionResult> {
    return this.runner.run(request, actor);
  }

  /** The ids of the users the synced copy knows under these addresses (whatever their case). */
  storedIdsForEmails(connectionId: string, emails: readonly string[]): Promise<string[]> {
    return this.runner.storedIdsForEmails(connectionId, emails);
  }

  /** Brings users monday reported just now into the synced copy (offboarding finds people live). */
  recordObserved(connectionId: string, remoteUsers: RemoteUser[]): Promise<void> {
    return this.runner.recordObserved(connectionId, remoteUsers);
  }

  async capabilities(connectionId: string): Promise<CapabilitiesView> {
    const facts = await this.connections.facts(connectionId);
    const connection = await this.connections.get(connectionId);
    return {
      connectionId,
      reads: readCapabilities(facts),
      actions: actionDefinitions.map((d) => {
        const reasons = unmetRequirements(d.requirements, facts);
        return {
          id: d.id,
          action: d.action,
          via: d.via,
          label: d.label,
          operation: d.operation,
          available: reasons.length === 0,
          reasons,
        };
      }),
      serviceUsers: (() => {
        const reasons = unmetRequirements(revokeRequirements, facts);
        return [
          {
            id: `${REVOKE_SERVICE_USER_TOKENS}:graphql`,
            action: REVOKE_SERVICE_USER_TOKENS,
            via: 'graphql',
            label: 'Revoke service user tokens',
            operation: 'revoke_service_user_tokens',
            available: reasons.length === 0,
            reasons,
          },
        ];
      })(),
      apiVersion: {
        setting: connection.apiVersion,
        served: connection.servedApiVersion,
        notice: connection.apiVersionNotice,
      },
      offboarding: (['scim', 'graphql'] as const).map((via) => {
        const reasons = unmetRequirements(offboardingChannels[via], facts);
        return {
          id: `offboard:${via}`,
          action: 'offboard',
          via,
          label:
            via === 'scim'
              ? 'Offboard users provisioned through SCIM'
              : 'Offboard other users (GraphQL, when allowed)',
          operation: via === 'scim' ? 'SCIM PATCH /Users/{id} active=false' : 'deactivate_users',
          available: reasons.length === 0,
          reasons,
        };
      }),
    };
  }

  /**
   * The audit log, newest first. A connection filter must name a connection that exists or once had entries
   * (the log outlives a disconnect); an unknown one is a 404, as on every route.
   */
  async auditLog(filters: AuditFilters = {}): Promise<AuditEntryView[]> {
    const auditable: readonly string[] = [...actionNames, REVOKE_SERVICE_USER_TOKENS, ...seatwiseEventNames];
    if (filters.action !== undefined && !auditable.includes(filters.action)) {
      throw new AppError('invalid_input', 'invalid_filter', `action must be one of ${auditable.join(', ')}`);
    }
    let actors: string[] | undefined;
    if (filters.personId !== undefined) {
      const person = await this.db
        .selectFrom('people')
        .select('id')
        .where('id', '=', filters.personId)
        .executeTakeFirst();
      if (!person)
        throw new AppError('not_found', 'person_not_found', `no person with id ${filters.personId}`);
      const keys = await this.db
        .selectFrom('api_keys')
        .select('id')
        .where('owner_person_id', '=', person.id)
        .execute();
      actors = [`person:${person.id}`, ...keys.map((k) => `api-key:${k.id}`)];
    }
    for (const [name, day] of [
      ['from', filters.from],
      ['to', filters.to],
    ] as const) {
      if (day !== undefined && !isCalendarDay(day))
        throw new AppError(
          'invalid_input',
          'invalid_filter',
          `${name} "${day}" is not a day such as 2026-12-31`,
        );
    }
    const rows = await this.audit.list({
      ...filters,
      actors,
      from: filters.from ? `${filters.from}T00:00:00.000Z` : undefined,
      to: filters.to
        ? new Date(Date.parse(`${filters.to}T00:00:00.000Z`) + 86_400_000).toISOString()
        : undefined,
      keyPrefix: filters.offboardingId ? offboardingKeyPrefix(filters.offboardingId) : undefined,
    });
    if (filters.connectionId && rows.length === 0) {
      const known =
        (await this.connections.exists(filters.connectionId)) ||
        (await this.audit.list({ connectionId: filters.connectionId, limit: 1 })).length > 0;
      if (!known)
        throw new AppError(
          'not_found',
          'connection_not_found',
          `no connection with id ${filters.connectionId}`,
        );
    }
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      connectionId: r.connection_id,
      action: r.action,
      via: r.via,
      dryRun: Boolean(Number(r.dry_run)),
      idempotencyKey: r.idempotency_key,
      outcome: r.outcome,
      targets: JSON.parse(r.targets),
      plan: JSON.parse(r.plan),
      results: JSON.parse(r.results),
      requestIds: JSON.parse(r.request_ids),
      error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
      targetLabels: targetLabels(JSON.parse(r.targets), JSON.parse(r.plan)),
      source: auditSource(r.idempotency_key),
    }));
  }
}

/** A day of the calendar written as YYYY-MM-DD (2026-02-30 is not one). */
export function isCalendarDay(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const at = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 10) === day;
}
