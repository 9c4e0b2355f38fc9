import type { ActionRequestInput } from '../actions/actionInput.ts';
import { type ActionResult, ActionRunner, type ExecutionTiming } from '../actions/actionRunner.ts';
import { actionDefinitions } from '../actions/definitions.ts';
import { readCapabilities, unmetRequirements } from '../domain/capabilities.ts';
import { AuditRepo } from '../store/auditRepo.ts';
import type { Store } from '../store/database.ts';
import type { ConnectionsService } from './connections.ts';

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
}

export interface AuditEntryView {
  id: number;
  at: string;
  actor: string;
  connectionId: string;
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
}

/** Runs actions, derives capabilities from the same action definitions, and reads the audit log. */
export class ActionsService {
  private readonly runner: ActionRunner;
  private readonly audit: AuditRepo;

  constructor(
    store: Store,
    private readonly connections: ConnectionsService,
    now?: () => Date,
    timing?: ExecutionTiming,
  ) {
    this.runner = new ActionRunner(store, connections, now, timing);
    this.audit = new AuditRepo(store.db);
  }

  run(request: ActionRequestInput, actor: string): Promise<ActionResult> {
    return this.runner.run(request, actor);
  }

  async capabilities(connectionId: string): Promise<CapabilitiesView> {
    const facts = await this.connections.facts(connectionId);
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
    };
  }

  async auditLog(
    filters: { connectionId?: string; action?: string; limit?: number } = {},
  ): Promise<AuditEntryView[]> {
    const rows = await this.audit.list(filters);
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
    }));
  }
}
