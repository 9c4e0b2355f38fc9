import { z } from 'zod';
import { AppError } from '../domain/appError.ts';
import { newId } from '../domain/ids.ts';
import { invalidInput } from '../domain/inputIssues.ts';
import {
  describeRule,
  draftProposals,
  isExcepted,
  type PolicyKind,
  type PolicyRule,
  type PolicyUser,
  type ProposalDraft,
  policyKinds,
  proposalStatuses,
} from '../domain/policies.ts';
import type { Store } from '../store/database.ts';
import { PoliciesRepo, type PolicyRow, type ProposalRow } from '../store/policiesRepo.ts';
import type { SyncResult } from '../sync/syncEngine.ts';
import type { ActionsService } from './actionsService.ts';
import type { ConnectionsService } from './connections.ts';
import type { Notifier } from './notifier.ts';
import type { SeatwiseAudit } from './seatwiseAudit.ts';
import type { UsersService, UserView } from './usersService.ts';

/** An email as every input takes it: trimmed, lowercased. */
export const emailField = z
  .string()
  .trim()
  .toLowerCase()
  .email('is not a well-formed email address')
  .max(320);
/** A domain such as example.com, trimmed and lowercased. */
export const domainField = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'is not a domain such as example.com');

/** What `policies add` takes (CLI flags and the HTTP body alike). */
export const newPolicySchema = z
  .object({
    connectionId: z.string().min(1).max(100),
    kind: z.enum(policyKinds),
    days: z.number().int().min(1).max(3650).optional(),
    emails: z.array(emailField).max(50_000).optional(),
    exceptEmails: z.array(emailField).max(10_000).default([]),
    exceptDomains: z.array(domainField).max(1000).default([]),
    autoApply: z.boolean().default(false),
    maxPerRun: z.number().int().min(1).max(1000).default(10),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.kind === 'hr_leavers_deactivate' && !v.emails?.length)
      ctx.addIssue({
        code: 'custom',
        path: ['emails'],
        message: 'the HR leavers list needs at least one email',
      });
    if (v.kind !== 'hr_leavers_deactivate' && v.emails)
      ctx.addIssue({
        code: 'custom',
        path: ['emails'],
        message: 'only the HR leavers rule takes a list of emails',
      });
    if (v.kind === 'right_size_to_bucket' && v.days !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['days'],
        message:
          "right-sizing uses the connection's inactivity threshold (connections update --inactive-days)",
      });
    if (v.kind === 'stale_invites_report' && v.autoApply)
      ctx.addIssue({ code: 'custom', path: ['autoApply'], message: 'a report has nothing to apply' });
  });
export type NewPolicyInput = z.input<typeof newPolicySchema>;

/** A policy as every interface shows it. */
export interface PolicyView {
  id: string;
  connectionId: string;
  kind: PolicyKind;
  description: string;
  days: number | null;
  emails: number | null;
  exceptions: { emails: string[]; domains: string[] };
  autoApply: boolean;
  maxPerRun: number;
  createdAt: string;
}

export interface ProposalView {
  id: string;
  policyId: string;
  connectionId: string;
  runId: string | null;
  userId: string;
  email: string;
  action: 'set_role' | 'deactivate' | 'report';
  params: { role?: string; via?: string };
  reason: string;
  status: ProposalRow['status'];
  createdAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  auditId: number | null;
  outcome: string | null;
}

/**
 * Policies turn each complete sync into proposals; people approve or reject them, and approved ones run as
 * ordinary actions (plan, idempotency, audit). A policy may apply its proposals itself, never more than its
 * `maxPerRun` in one sync; the rest wait for approval.
 */
export class PoliciesService {
  private readonly repo: PoliciesRepo;

  constructor(
    store: Store,
    private readonly connections: ConnectionsService,
    private readonly users: UsersService,
    private readonly actions: ActionsService,
    private readonly notifier: Notifier,
    private readonly now: () => Date = () => new Date(),
    private readonly audit?: SeatwiseAudit,
  ) {
    this.repo = new PoliciesRepo(store.db);
  }

  /** Adds a policy; `by` (an audit actor) records who added it, and its rule, in the audit log. */
  async add(raw: NewPolicyInput, by?: string): Promise<PolicyView> {
    const parsed = newPolicySchema.safeParse(raw);
    if (!parsed.success) throw invalidInput('invalid_policy', parsed.error, raw);
    const input = parsed.data;
    await this.connections.get(input.connectionId);
    const row: PolicyRow = {
      id: newId('pol'),
      connection_id: input.connectionId,
      kind: input.kind,
      params: JSON.stringify(
        input.kind === 'hr_leavers_deactivate'
          ? { emails: [...new Set(input.emails)] }
          : input.kind === 'right_size_to_bucket'
            ? {}
            : { days: input.days ?? (input.kind === 'stale_invites_report' ? 30 : 90) },
      ),
      exceptions: JSON.stringify({ emails: input.exceptEmails, domains: input.exceptDomains }),
      auto_apply: input.autoApply ? 1 : 0,
      max_per_run: input.maxPerRun,
      created_at: this.now().toISOString(),
    };
    await this.repo.insert(row);
    const view = toPolicyView(row);
    if (by) await this.recordPolicy(by, 'policy_created', view, null, { ...view });
    return view;
  }

  /**
   * The connection's right-sizing policy, made on first use. Its id is derived from the connection, so first
   * uses at once (two processes) make one policy and every caller answers with it; an older one made by hand
   * is used as it is.
   */
  async ensureRightSizing(connectionId: string, by?: string): Promise<PolicyView> {
    const existing = await this.findRightSizing(connectionId);
    if (existing) return existing;
    const row: PolicyRow = {
      id: `pol_rightsize_${connectionId}`,
      connection_id: connectionId,
      kind: 'right_size_to_bucket',
      params: '{}',
      exceptions: JSON.stringify({ emails: [], domains: [] }),
      auto_apply: 0,
      max_per_run: 10,
      created_at: this.now().toISOString(),
    };
    const inserted = await this.repo.insertIfAbsent(row);
    const view = toPolicyView(row);
    if (inserted && by) await this.recordPolicy(by, 'policy_created', view, null, { ...view });
    return (await this.findRightSizing(connectionId)) ?? view;
  }

  private async findRightSizing(connectionId: string): Promise<PolicyView | null> {
    const all = (await this.list(connectionId)).filter((p) => p.kind === 'right_size_to_bucket');
    return (
      all.find((p) => p.id === `pol_rightsize_${connectionId}`) ??
      all.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))[0] ??
      null
    );
  }

  private async recordPolicy(
    by: string,
    action: 'policy_created' | 'policy_deleted',
    view: PolicyView,
    before: Record<string, unknown> | null,
    after: Record<string, unknown> | null,
  ): Promise<void> {
    const connection = await this.connections.get(view.connectionId).catch(() => null);
    await this.audit?.recordChange({
      actor: by,
      action,
      targets: [`${view.description} on ${connection?.accountName ?? view.connectionId} (${view.id})`],
      before,
      after,
      detail: { policyId: view.id, connectionId: view.connectionId },
    });
  }

  async list(connectionId?: string): Promise<PolicyView[]> {
    if (connectionId) await this.connections.get(connectionId);
    return (await this.repo.list(connectionId)).map(toPolicyView);
  }

  /** Removes a policy (its proposals with it); `by` records who removed it, and what it was, in the audit log. */
  async remove(id: string, by?: string): Promise<void> {
    const row = by ? await this.repo.get(id) : undefined;
    if (!(await this.repo.delete(id)))
      throw new AppError('not_found', 'policy_not_found', `no policy with id ${id}`);
    if (by && row) {
      const view = toPolicyView(row);
      await this.recordPolicy(by, 'policy_deleted', view, { ...view }, null);
    }
  }

  async proposals(
    filters: { connectionId?: string; status?: string; limit?: number } = {},
  ): Promise<ProposalView[]> {
    if (filters.status && !(proposalStatuses as readonly string[]).includes(filters.status)) {
      throw new AppError(
        'invalid_input',
        'invalid_filter',
        `status must be one of: ${proposalStatuses.join(', ')}`,
      );
    }
    if (filters.connectionId) await this.connections.get(filters.connectionId);
    return (await this.repo.proposals(filters)).map(toProposalView);
  }

  /** After a complete sync: every policy of the connection proposes, applies what it may, and notifies. */
  async afterSync(result: SyncResult): Promise<void> {
    if (result.status !== 'succeeded') return;
    const policies = await this.repo.list(result.connectionId);
    for (const policy of policies) await this.evaluate(policy, result.runId);
  }

  /** What a policy would propose now, from the synced copy, without storing anything. */
  async preview(id: string): Promise<ProposalDraft[]> {
    const policy = await this.repo.get(id);
    if (!policy) throw new AppError('not_found', 'policy_not_found', `no policy with id ${id}`);
    return this.drafts(policy);
  }

  /** Evaluates one policy now (also `POST /api/policies/{id}/evaluate`): the proposals it made. */
  async evaluateNow(id: string): Promise<ProposalView[]> {
    const policy = await this.repo.get(id);
    if (!policy) throw new AppError('not_found', 'policy_not_found', `no policy with id ${id}`);
    return this.evaluate(policy, null);
  }

  private async evaluate(policy: PolicyRow, runId: string | null): Promise<ProposalView[]> {
    const rule = ruleOf(policy);
    const drafts = await this.drafts(policy);
    // Open proposals the users no longer match are withdrawn: nobody approves a stale one.
    const wanted = new Set(drafts.map((d) => d.remoteUserId));
    for (const open of await this.repo.openFor(policy.id)) {
      if (!wanted.has(open.remote_user_id))
        await this.repo.transition(open.id, ['open'], {
          status: 'withdrawn',
          decided_at: this.now().toISOString(),
          decided_by: 'seatwise',
          outcome: 'the user no longer matches the policy',
        });
    }
    const added: ProposalRow[] = [];
    for (const draft of drafts) {
      const row = proposalRow(policy, runId, draft, this.now());
      if (await this.repo.propose(row)) added.push(row);
    }
    if (added.length === 0) return [];
    let applied = 0;
    if (policy.auto_apply && rule.kind !== 'stale_invites_report') {
      // Applied without review, but never more than the policy's cap in one go; the rest wait for people.
      const batch = added.slice(0, Number(policy.max_per_run));
      applied = batch.length;
      await this.approve(
        batch.map((p) => p.id),
        `policy:${policy.id}`,
      );
    }
    const open = added.filter((p) => p.status === 'open').length - applied;
    const connection = await this.connections.get(policy.connection_id);
    await this.notifier.notify(
      policy.connection_id,
      'proposals',
      `Seatwise: ${added.length} new proposal${added.length === 1 ? '' : 's'} for ${connection.accountName} (${describeRule(rule)})${policy.auto_apply ? `; up to ${policy.max_per_run} applied automatically` : ''}. Review them with: seatwise proposals`,
      { policyId: policy.id, proposals: added.length, waitingForReview: open },
    );
    return added.map(toProposalView);
  }

  /**
   * Where right-sizing proposals come from: the account's plan (seat economics), which needs more than the
   * users a rule sees. Set once when Seatwise is put together.
   */
  setRightSizing(draft: (connectionId: string) => Promise<ProposalDraft[]>): void {
    this.rightSizing = draft;
  }

  private rightSizing: ((connectionId: string) => Promise<ProposalDraft[]>) | null = null;

  /** What a policy proposes now: never for the token's owner nor for one of its exceptions. */
  private async drafts(policy: PolicyRow): Promise<ProposalDraft[]> {
    const rule = ruleOf(policy);
    const facts = await this.connections.facts(policy.connection_id);
    if (rule.kind === 'right_size_to_bucket') {
      if (!this.rightSizing) throw new Error('right-sizing is not wired to the policies');
      return (await this.rightSizing(policy.connection_id)).filter(
        (d) => d.remoteUserId !== facts.tokenOwnerId && !isExcepted(rule, d.email),
      );
    }
    return draftProposals(
      rule,
      await this.candidates(policy.connection_id, rule),
      this.now(),
      facts.tokenOwnerId,
    );
  }

  /** The users a rule could concern, narrowed by the store (the rule checks each again). */
  private async candidates(connectionId: string, rule: PolicyRule): Promise<PolicyUser[]> {
    let users: UserView[];
    if (rule.kind === 'inactive_members_to_viewer') {
      users = await this.users.list({
        connectionId,
        role: 'member',
        status: 'active',
        license: 'member',
        inactiveDays: rule.params.days,
      });
    } else if (rule.kind === 'stale_invites_report') {
      users = await this.users.list({ connectionId, status: 'pending' });
    } else {
      users = await this.users.byEmails(connectionId, rule.params.emails ?? []);
    }
    return users.map((u) => ({
      remoteUserId: u.id,
      email: u.email,
      name: u.name,
      role: u.role,
      status: u.status,
      license: u.license,
      lastActivityAt: u.lastActivityAt,
      createdAt: u.createdAt,
      scimLinked: u.scimLinked,
    }));
  }

  /**
   * Runs approved proposals as ordinary actions, one per proposal, with the proposal's id as idempotency key:
   * approving again (or at once elsewhere) never acts twice. Failed ones may be approved again.
   */
  approve(ids: string[], actor: string): Promise<ProposalDecisions> {
    return decideEach(ids, (id) => this.approveOne(id, actor));
  }

  private async approveOne(id: string, actor: string): Promise<ProposalView> {
    const proposal = await this.repo.getProposal(id);
    if (!proposal) throw new AppError('not_found', 'proposal_not_found', `no proposal with id ${id}`);
    if (proposal.action === 'report') {
      throw new AppError(
        'invalid_input',
        'nothing_to_approve',
        `proposal ${id} is a report: there is nothing to run`,
      );
    }
    const claimed = await this.repo.transition(id, ['open', 'failed', 'approved'], {
      status: 'approved',
      decided_at: this.now().toISOString(),
      decided_by: actor,
    });
    if (!claimed) {
      throw new AppError('conflict', 'proposal_decided', `proposal ${id} is already ${proposal.status}`, {
        status: proposal.status,
      });
    }
    const params = JSON.parse(proposal.params) as { role?: 'viewer'; via?: 'scim' | 'graphql' };
    let status: 'applied' | 'failed';
    let outcome: string;
    let auditId: number | null = null;
    try {
      const result = await this.actions.run(
        proposal.action === 'set_role'
          ? {
              action: 'set_role',
              connectionId: proposal.connection_id,
              targets: [{ userId: proposal.remote_user_id }],
              role: params.role ?? 'viewer',
              idempotencyKey: `proposal-${proposal.id}`,
            }
          : {
              action: 'deactivate',
              connectionId: proposal.connection_id,
              targets: [{ userId: proposal.remote_user_id }],
              via: params.via ?? 'scim',
              idempotencyKey: `proposal-${proposal.id}`,
            },
        actor,
      );
      auditId = result.auditId;
      const item = result.results[0];
      status = result.outcome === 'succeeded' ? 'applied' : 'failed';
      outcome = item ? `${item.outcome}: ${item.reason}` : result.outcome;
    } catch (error) {
      // Another approval of this proposal is acting now: it records what monday shows, not this one.
      if (error instanceof AppError && error.kind === 'conflict') throw error;
      status = 'failed';
      outcome = (error as Error).message;
    }
    // What monday showed wins: an applied proposal is recorded even over a failure recorded meanwhile, and a
    // failure never overwrites an applied one.
    await this.repo.transition(id, status === 'applied' ? ['approved', 'failed'] : ['approved'], {
      status,
      audit_id: auditId,
      outcome,
    });
    return toProposalView((await this.repo.getProposal(id))!);
  }

  /** Rejects open proposals: the users are left as they are. */
  reject(ids: string[], actor: string): Promise<ProposalDecisions> {
    return decideEach(ids, (id) => this.rejectOne(id, actor));
  }

  private async rejectOne(id: string, actor: string): Promise<ProposalView> {
    const proposal = await this.repo.getProposal(id);
    if (!proposal) throw new AppError('not_found', 'proposal_not_found', `no proposal with id ${id}`);
    const moved = await this.repo.transition(id, ['open', 'failed'], {
      status: 'rejected',
      decided_at: this.now().toISOString(),
      decided_by: actor,
      outcome: 'rejected; the user was not changed',
    });
    if (!moved) {
      throw new AppError('conflict', 'proposal_decided', `proposal ${id} is already ${proposal.status}`, {
        status: proposal.status,
      });
    }
    return toProposalView((await this.repo.getProposal(id))!);
  }
}

function ruleOf(policy: PolicyRow): PolicyRule {
  return {
    kind: policy.kind as PolicyKind,
    params: JSON.parse(policy.params),
    exceptions: JSON.parse(policy.exceptions),
  };
}

function proposalRow(policy: PolicyRow, runId: string | null, draft: ProposalDraft, now: Date): ProposalRow {
  return {
    id: newId('prp'),
    policy_id: policy.id,
    connection_id: policy.connection_id,
    run_id: runId,
    remote_user_id: draft.remoteUserId,
    email: draft.email,
    action: draft.action,
    params: JSON.stringify(draft.params),
    reason: draft.reason,
    // A report has nothing to decide: it is recorded as reported.
    status: draft.action === 'report' ? 'reported' : 'open',
    created_at: now.toISOString(),
    decided_at: null,
    decided_by: null,
    audit_id: null,
    outcome: null,
  };
}

function toPolicyView(row: PolicyRow): PolicyView {
  const rule = ruleOf(row);
  return {
    id: row.id,
    connectionId: row.connection_id,
    kind: rule.kind,
    description: describeRule(rule),
    days: rule.params.days ?? null,
    emails: rule.params.emails?.length ?? null,
    exceptions: rule.exceptions,
    autoApply: Boolean(Number(row.auto_apply)),
    maxPerRun: Number(row.max_per_run),
    createdAt: row.created_at,
  };
}

function toProposalView(row: ProposalRow): ProposalView {
  return {
    id: row.id,
    policyId: row.policy_id,
    connectionId: row.connection_id,
    runId: row.run_id,
    userId: row.remote_user_id,
    email: row.email,
    action: row.action as ProposalView['action'],
    params: JSON.parse(row.params),
    reason: row.reason,
    status: row.status,
    createdAt: row.created_at,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
    auditId: row.audit_id === null ? null : Number(row.audit_id),
    outcome: row.outcome,
  };
}

/** What a batch of decisions did: the proposals decided, and each id that could not be, with why. */
export interface ProposalDecisions {
  proposals: ProposalView[];
  errors: { id: string; code: string; message: string }[];
}

/**
 * Decides every proposal of a batch, one bad id never stopping the others. A batch of one answers its
 * refusal as an error, as a single request would.
 */
async function decideEach(
  ids: string[],
  decide: (id: string) => Promise<ProposalView>,
): Promise<ProposalDecisions> {
  const out: ProposalDecisions = { proposals: [], errors: [] };
  for (const id of ids) {
    try {
      out.proposals.push(await decide(id));
    } catch (error) {
      if (!(error instanceof AppError) || ids.length === 1) throw error;
      out.errors.push({ id, code: error.code, message: error.message });
    }
  }
  return out;
}
