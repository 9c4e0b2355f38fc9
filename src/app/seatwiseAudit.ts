import { fieldChanges } from '../domain/fieldChanges.ts';
import type { SeatwiseEventName, SeatwiseEventVia } from '../domain/seatwiseEvents.ts';
import { AuditRepo } from '../store/auditRepo.ts';
import type { Store } from '../store/database.ts';

export interface SeatwiseEvent {
  /** Who: `person:<id>`, `api-key:<id>`, `cli`, or for a refused sign-in `sign-in:<email or subject>`. */
  actor: string;
  action: SeatwiseEventName;
  via: SeatwiseEventVia;
  /** `done`, or `refused` (with the reason in `error`). */
  outcome: 'done' | 'refused';
  /** Whom or what it concerned, as people read it (emails, key names). */
  targets: string[];
  /** What changed, before and after where it applies. */
  detail?: Record<string, unknown>;
  error?: { code: string; message: string };
}

/** Appends events about Seatwise itself to the audit log (entries with no connection). */
export class SeatwiseAudit {
  private readonly repo: AuditRepo;

  constructor(
    store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.repo = new AuditRepo(store.db);
  }

  /**
   * Records an administrative change with who made it and, field by field, what was before and after (secrets
   * only as set, changed or removed). An update that changed nothing is not recorded; a creation (`before`
   * null) or a deletion (`after` null) always is.
   */
  async recordChange(change: {
    actor: string;
    action: SeatwiseEventName;
    targets: string[];
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
    secrets?: ReadonlySet<string>;
    detail?: Record<string, unknown>;
  }): Promise<void> {
    const changes = fieldChanges(change.before, change.after, change.secrets);
    if (changes.length === 0 && change.before && change.after) return;
    await this.record({
      actor: change.actor,
      action: change.action,
      via: viaOf(change.actor),
      outcome: 'done',
      targets: change.targets,
      detail: { ...change.detail, changes },
    });
  }

  async record(event: SeatwiseEvent): Promise<void> {
    await this.repo.append({
      at: this.now().toISOString(),
      actor: event.actor,
      connection_id: null,
      action: event.action,
      via: event.via,
      dry_run: 0,
      idempotency_key: null,
      outcome: event.outcome,
      targets: JSON.stringify(event.targets),
      plan: JSON.stringify(event.detail ?? {}),
      results: '[]',
      request_ids: '[]',
      error_code: event.error?.code ?? null,
      error_message: event.error?.message ?? null,
    });
  }
}

/** How a change came in, from its actor: the CLI on the host, or the HTTP API. */
export function viaOf(actor: string): SeatwiseEventVia {
  return actor.startsWith('cli') ? 'cli' : 'api';
}
