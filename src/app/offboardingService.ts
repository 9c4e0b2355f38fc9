import { z } from 'zod';
import type { ExecutionTiming } from '../actions/actionRunner.ts';
import { AppError } from '../domain/appError.ts';
import { footprintOf } from '../domain/footprint.ts';
import { hashText } from '../domain/hash.ts';
import { newId } from '../domain/ids.ts';
import { invalidInput } from '../domain/inputIssues.ts';
import {
  addressesOf,
  demoLeftOutReason,
  emailsNotFound,
  normaliseEmails,
  type OffboardingItem,
  type OffboardingStepView,
  type OffboardingView,
  offboardingKeyPrefix,
  offboardingResult,
  offboardingResultWords,
  type PersonInAccount,
  planOffboarding,
  type StepStatus,
  summariseOffboarding,
} from '../domain/offboarding.ts';
import type { Jobs } from '../jobs/jobs.ts';
import type { MondayApi, RemoteUser } from '../monday/mondayApi.ts';
import type { Store } from '../store/database.ts';
import { describeHolder } from '../store/leaseRepo.ts';
import { type OffboardingRow, type OffboardingStepRow, OffboardingsRepo } from '../store/offboardingsRepo.ts';
import { toDirectoryUser } from '../sync/toDirectoryUser.ts';
import type { ActionsService } from './actionsService.ts';
import type { ConnectionsService } from './connections.ts';
import type { InsightsService } from './insightsService.ts';

export const offboardingRequestSchema = z
  .object({
    emails: z
      .array(z.string().max(320))
      .min(1, 'give at least one email')
      .max(1000, 'at most 1000 people at once'),
    dryRun: z.boolean().default(false),
    idempotencyKey: z.string().trim().min(1).max(200).optional(),
  })
  .strict();
export type OffboardingRequest = z.input<typeof offboardingRequestSchema>;

export type { OffboardingStepView, OffboardingView, StepStatus } from '../domain/offboarding.ts';

/** A write of a run that another run of the same offboarding took over: it stops and writes nothing more. */
class OffboardingRunLost extends Error {}

/**
 * Takes people out of every connected monday account at once: finds them by email (and the organisation's alias
 * domains) live in each account, plans per account, and runs each account's step under that connection's lease
 * with an idempotency key of its own, keeping monday's state before and after as the receipt.
 */
export class OffboardingService {
  private readonly repo: OffboardingsRepo;

  constructor(
    store: Store,
    private readonly connections: ConnectionsService,
    private readonly actions: ActionsService,
    private readonly insights: Pick<InsightsService, 'orgDomains'>,
    private readonly jobs: Pick<Jobs, 'enqueue'>,
    private readonly now: () => Date = () => new Date(),
    private readonly timing: ExecutionTiming = { leaseMs: 60_000, heartbeatMs: 15_000 },
  ) {
    this.repo = new OffboardingsRepo(store.db);
  }

  /** A run's own token: its lease and every write of its steps are held by it alone, whatever the process. */
  private runToken(id: string): string {
    return describeHolder(`offboarding ${id} run ${newId('obr')}`);
  }

  /** Plans (dryRun) or runs an offboarding; a repeated idempotency key resumes or repeats the stored one. */
  async offboard(raw: OffboardingRequest, actor: string): Promise<OffboardingView> {
    const parsed = offboardingRequestSchema.safeParse(raw);
    if (!parsed.success) throw invalidInput('invalid_offboarding', parsed.error, raw);
    const { emails, malformed } = normaliseEmails(parsed.data.emails);
    if (malformed.length > 0)
      throw new AppError(
        'invalid_input',
        'invalid_offboarding',
        `not well-formed email addresses: ${malformed.map((m) => JSON.stringify(m)).join(', ')}`,
        { field: 'emails' },
      );
    if (emails.length === 0)
      throw new AppError('invalid_input', 'invalid_offboarding', 'give at least one email', {
        field: 'emails',
      });
    const { connections, leftOut } = await this.accountsReachable();
    if (parsed.data.dryRun) return this.plan(emails, actor, connections, leftOut);

    const id = newId('off');
    const token = this.runToken(id);
    const at = this.now().toISOString();
    const key = parsed.data.idempotencyKey ?? id;
    const { created, row } = await this.repo.createOrFind(
      {
        id,
        emails: JSON.stringify(emails),
        idempotency_key: key,
        requested_by: actor,
        requested_at: at,
        status: 'running',
        finished_at: null,
        // Held by this process from the start; if it dies, a worker resumes it once the lease has lapsed.
        holder: token,
        lease_until: new Date(this.now().getTime() + this.timing.leaseMs).toISOString(),
      },
      connections.map((c) => ({
        offboarding_id: id,
        connection_id: c.id,
        account_name: c.accountName,
        status: 'pending' as const,
        plan: '[]',
        before: null,
        after: null,
        request_ids: '[]',
        message: null,
        attempts: 0,
        updated_at: at,
      })),
    );
    if (created) {
      await this.watch(id);
      return this.run(id, token, actor);
    }
    if (row.emails !== JSON.stringify(emails))
      throw new AppError(
        'conflict',
        'idempotency_key_reused',
        `idempotency key ${key} was already used for offboarding ${row.id} of other people`,
      );
    if (row.status !== 'running') return this.asMondayShowsNow(await this.get(row.id));
    // The same request again while it runs answers with the running offboarding; only a lapsed run is taken
    // over (its process died).
    try {
      return { ...(await this.run(row.id, this.runToken(row.id), actor)), repeated: true };
    } catch (error) {
      if (error instanceof AppError && error.code === 'offboarding_in_progress')
        return { ...(await this.get(row.id)), repeated: true };
      throw error;
    }
  }

  /**
   * Runs an offboarding's steps again: the ones a stopped process left, and the accounts that failed (a finished
   * offboarding with failures is reopened for them). Refused accounts stay refused.
   */
  async resume(id: string, actor?: string): Promise<OffboardingView> {
    await this.row(id);
    await this.repo.reopen(id);
    return this.run(id, this.runToken(id), actor);
  }

  /**
   * A worker's look at an offboarding whose process may have died: finishes it if nobody holds it any more;
   * otherwise says until when its holder does.
   */
  async continueAbandoned(id: string): Promise<{ finished: OffboardingView } | { heldUntil: Date }> {
    const row = await this.row(id);
    if (row.status !== 'running') return { finished: await this.get(id) };
    try {
      return { finished: await this.run(id, this.runToken(id)) };
    } catch (error) {
      if (error instanceof AppError && error.code === 'offboarding_in_progress')
        return { heldUntil: new Date(String(error.details?.retryAfter)) };
      throw error;
    }
  }

  /** A safety net: a worker looks at the offboarding once this process's lease could have lapsed. */
  private async watch(id: string): Promise<void> {
    await this.jobs
      .enqueue(
        'offboarding',
        null,
        { offboardingId: id },
        { runAfter: new Date(this.now().getTime() + this.timing.leaseMs + 1_000) },
      )
      .catch(() => {});
  }

  /**
   * A finished offboarding asked for again: nothing is done again, and each user's result is what monday shows
   * now (someone reactivated since is `not_deactivated`, not the receipt's earlier `deactivated`).
   */
  private async asMondayShowsNow(view: OffboardingView): Promise<OffboardingView> {
    const steps = await Promise.all(
      view.steps.map(async (step): Promise<OffboardingStepView> => {
        const ids = step.items.map((i) => i.userId);
        if (ids.length === 0) return step;
        try {
          const api = await this.connections.api(step.connectionId);
          const now = await withTeams(api, (await api.usersByIds(ids)).map(toPerson));
          return {
            ...step,
            after: now,
            items: step.items.map((item) => ({ ...item, result: offboardingResult(item, now, false) })),
          };
        } catch (error) {
          return {
            ...step,
            message: `monday could not be asked now: ${(error as Error).message}`,
            items: step.items.map((item) => ({
              ...item,
              result: item.outcome === 'refuse' ? ('refused' as const) : ('unverified' as const),
            })),
          };
        }
      }),
    );
    return { ...view, repeated: true, steps, summary: summariseOffboarding(steps) };
  }

  /** Runs the pending and failed steps under the offboarding's lease, then records how it went. */
  private async run(id: string, token: string, actor?: string): Promise<OffboardingView> {
    if (!(await this.repo.claim(id, token, this.now(), this.timing.leaseMs))) {
      const row = await this.row(id);
      if (row.status !== 'running') return this.get(id);
      throw new AppError(
        'conflict',
        'offboarding_in_progress',
        `offboarding ${id} is running in ${row.holder ?? 'another process'}; if that process has stopped, it can be resumed after ${row.lease_until}`,
        { holder: row.holder, retryAfter: row.lease_until },
      );
    }
    const run = { token, lost: false };
    const stop = this.keepAlive(async () => {
      if (!(await this.repo.heartbeat(id, token, this.now(), this.timing.leaseMs))) run.lost = true;
    });
    try {
      const row = await this.row(id);
      const emails = JSON.parse(row.emails) as string[];
      const addresses = await this.addressesOf(emails);
      for (const step of await this.repo.steps(id)) {
        if (step.status !== 'pending' && step.status !== 'failed') continue;
        if (run.lost) throw new OffboardingRunLost();
        await this.runStep(row, step, emails, addresses, actor ?? row.requested_by, run);
      }
      const steps = await this.repo.steps(id);
      const open = steps.filter((s) => s.status === 'refused' || s.status === 'failed');
      await this.repo.finish(
        id,
        token,
        open.length === 0 ? 'done' : steps.every((s) => s.status === 'failed') ? 'failed' : 'partial',
        this.now().toISOString(),
      );
    } catch (error) {
      // Another run took this offboarding over (this one was taken for dead): it answers for it now.
      if (!(error instanceof OffboardingRunLost)) throw error;
    } finally {
      stop();
    }
    return this.get(id);
  }

  /** Renews a lease every heartbeat interval until the returned function is called. */
  private keepAlive(beat: () => Promise<unknown>): () => void {
    const timer = setInterval(() => {
      void beat().catch(() => {});
    }, this.timing.heartbeatMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  async get(id: string): Promise<OffboardingView> {
    const row = await this.row(id);
    return this.view(row, await this.repo.steps(id), await this.demoConnection());
  }

  async list(limit = 50): Promise<OffboardingView[]> {
    const rows = await this.repo.list(limit);
    const demo = await this.demoConnection();
    return Promise.all(rows.map(async (row) => this.view(row, await this.repo.steps(row.id), demo)));
  }

  /** The demo connection, when there is one. */
  private async demoConnection() {
    const demoId = await this.connections.demoId();
    return demoId ? this.connections.get(demoId).catch(() => null) : null;
  }

  /**
   * The accounts an offboarding started here looks in: every connection, except the demo account when this
   * process cannot reach it (its emulator runs inside the server that started it; its people are samples).
   */
  private async accountsReachable() {
    const all = await this.connections.list();
    const connections: typeof all = [];
    const leftOut: OffboardingView['leftOut'] = [];
    for (const c of all)
      if (c.demo && !(await this.connections.demoReachableHere(c.id)))
        leftOut.push({ connectionId: c.id, accountName: c.accountName, reason: demoLeftOutReason });
      else connections.push(c);
    return { connections, leftOut };
  }

  /** A stored offboarding as shown: a demo account that has no step in it was left out (it existed then). */
  private view(
    row: OffboardingRow,
    steps: OffboardingStepRow[],
    demo: { id: string; accountName: string; createdAt: string } | null,
  ): OffboardingView {
    const view = toView(row, steps);
    if (demo && !steps.some((s) => s.connection_id === demo.id) && demo.createdAt <= row.requested_at)
      view.leftOut = [{ connectionId: demo.id, accountName: demo.accountName, reason: demoLeftOutReason }];
    return view;
  }

  private async row(id: string): Promise<OffboardingRow> {
    const row = await this.repo.get(id);
    if (!row) throw new AppError('not_found', 'offboarding_not_found', `no offboarding with id ${id}`);
    return row;
  }

  /** What would happen, account by account, found and checked live; nothing is stored or sent. */
  private async plan(
    emails: string[],
    actor: string,
    connections: Awaited<ReturnType<ConnectionsService['list']>>,
    leftOut: OffboardingView['leftOut'],
  ): Promise<OffboardingView> {
    const steps: OffboardingStepView[] = [];
    const addresses = await this.addressesOf(emails);
    for (const connection of connections) {
      const base = {
        connectionId: connection.id,
        accountName: connection.accountName,
        after: null,
        attempts: 0,
        updatedAt: null,
      };
      try {
        const found = await this.find(connection.id, addresses);
        const decided = found.people.length ? await this.decide(connection.id, found.people) : [];
        const items = await this.withFootprints(connection.id, decided);
        steps.push({
          ...base,
          status: found.people.length === 0 ? 'not_found' : 'pending',
          items: items.map((item) => ({ ...item, result: offboardingResult(item, null, true) })),
          before: found.people,
          requestIds: found.requestIds,
          message: found.people.length === 0 ? notFoundMessage(emails) : describePlan(items),
          notFound: emailsNotFound(emails, { status: 'pending', before: found.people }),
        });
      } catch (error) {
        steps.push({
          ...base,
          status: 'failed',
          items: [],
          before: null,
          requestIds: [],
          message: (error as Error).message,
          notFound: [],
        });
      }
    }
    return {
      id: null,
      dryRun: true,
      emails,
      requestedBy: actor,
      requestedAt: this.now().toISOString(),
      status: 'planned',
      finishedAt: null,
      repeated: false,
      runningIn: null,
      summary: summariseOffboarding(steps),
      steps,
      leftOut,
    };
  }

  /** Every address the people may have: the emails and the same names at the organisation's other domains. */
  private async addressesOf(emails: string[]): Promise<Set<string>> {
    const domains = await this.insights.orgDomains();
    return new Set(emails.flatMap((e) => addressesOf(e, domains)));
  }

  /** The person's users in one account as monday reports them now (looked up by every address they may have). */
  private async find(
    connectionId: string,
    addresses: Set<string>,
  ): Promise<{ people: PersonInAccount[]; remote: RemoteUser[]; requestIds: string[] }> {
    const api = await this.connections.api(connectionId);
    // monday may match emails exactly, and its spelling may differ from the one asked for: users the copy
    // knows under these addresses are also asked for by id, which matches whatever the spelling.
    const known = await this.actions.storedIdsForEmails(connectionId, [...addresses]);
    const byEmail = await api.usersByEmailsTraced([...addresses]);
    const byId = known.length > 0 ? await api.usersByIdsTraced(known) : { users: [], requestIds: [] };
    const users = [...byEmail.users, ...byId.users];
    const requestIds = [...byEmail.requestIds, ...byId.requestIds];
    const remote = users.filter((u) => addresses.has(u.email.trim().toLowerCase()));
    const unique = [...new Map(remote.map((u) => [u.id, u])).values()];
    const people = await withTeams(api, unique.map(toPerson));
    return { people, remote: unique, requestIds };
  }

  /**
   * What deactivating each planned person breaks in monday: the account's automations, integrations and boards
   * read once for the plan (unknown where monday would not say), beside each person to deactivate.
   */
  private async withFootprints(connectionId: string, items: OffboardingItem[]): Promise<OffboardingItem[]> {
    if (!items.some((i) => i.outcome === 'deactivate')) return items;
    const facts = await this.connections.facts(connectionId);
    const api = await this.connections.api(connectionId);
    const workspace = await api.workspace(facts.tokenOwnerKind === 'admin');
    return items.map((item) =>
      item.outcome === 'deactivate' ? { ...item, footprint: footprintOf(item.userId, workspace) } : item,
    );
  }

  private async decide(connectionId: string, people: PersonInAccount[]): Promise<OffboardingItem[]> {
    const facts = await this.connections.facts(connectionId);
    const needsAdmins = people.some((p) => p.role === 'admin' && p.status === 'active');
    const admins = needsAdmins ? await (await this.connections.api(connectionId)).activeAdminCount() : 0;
    return planOffboarding(people, facts, admins);
  }

  private async runStep(
    row: OffboardingRow,
    step: OffboardingStepRow,
    emails: string[],
    addresses: Set<string>,
    actor: string,
    run: { token: string; lost: boolean },
  ): Promise<void> {
    const { connection_id: connectionId } = step;
    const attempts = Number(step.attempts) + 1;
    // Every write is fenced to this run: a run taken over stops at its next write.
    const save = async (changes: Parameters<OffboardingsRepo['updateStep']>[3]) => {
      const saved = await this.repo.updateStep(row.id, connectionId, run.token, {
        ...changes,
        attempts,
        updated_at: this.now().toISOString(),
      });
      if (!saved) {
        run.lost = true;
        throw new OffboardingRunLost();
      }
    };
    // No lease of the account is taken: actions check monday first and write the copy under its own guard, so
    // a sync of the account may run meanwhile.
    const requestIds: string[] = [];
    try {
      const found = await this.find(connectionId, addresses);
      requestIds.push(...found.requestIds);
      if (found.people.length === 0)
        return await save({
          status: 'not_found',
          plan: '[]',
          before: '[]',
          after: '[]',
          request_ids: JSON.stringify(requestIds),
          message: notFoundMessage(emails),
        });
      await this.actions.recordObserved(connectionId, found.remote);
      const items = await this.decide(connectionId, found.people);
      await save({
        plan: JSON.stringify(items),
        before: JSON.stringify(found.people),
        request_ids: JSON.stringify(requestIds),
      });

      const problems: string[] = [];
      for (const via of ['scim', 'graphql'] as const) {
        const targets = items.filter((i) => i.outcome === 'deactivate' && i.via === via);
        if (targets.length === 0) continue;
        if (run.lost) throw new OffboardingRunLost();
        try {
          const result = await this.actions.run(
            {
              action: 'deactivate',
              connectionId,
              via,
              targets: targets.map((t) => ({ userId: t.userId })),
              // Keyed by exactly the users still to act on: a resume after a partial failure acts at once on
              // those left, and the same users again are never acted on twice.
              idempotencyKey: `${offboardingKeyPrefix(row.id)}${connectionId}-${via}-${hashText(
                targets
                  .map((t) => t.userId)
                  .sort()
                  .join(','),
              ).slice(0, 16)}`,
            },
            actor,
          );
          requestIds.push(...result.requestIds);
          for (const r of result.results)
            if (r.outcome === 'failed') problems.push(`${r.email}: ${r.reason}`);
        } catch (error) {
          problems.push((error as Error).message);
        }
      }

      // The receipt's "after" is monday's word, read fresh, not what the actions reported.
      const api = await this.connections.api(connectionId);
      const after = await api.usersByIdsTraced(found.people.map((p) => p.userId));
      requestIds.push(...after.requestIds);
      const afterPeople = await withTeams(api, after.users.map(toPerson));
      // The step's status follows the users' results, derived from monday's after-state by the one rule.
      const missed = items.filter((i) => offboardingResult(i, afterPeople, false) === 'not_deactivated');
      const refused = items.filter((i) => i.outcome === 'refuse');
      const status: StepStatus = missed.length > 0 ? 'failed' : refused.length > 0 ? 'refused' : 'done';
      await save({
        status,
        after: JSON.stringify(afterPeople),
        request_ids: JSON.stringify([...new Set(requestIds)]),
        message:
          status === 'failed'
            ? `not deactivated: ${missed.map((m) => m.email).join(', ')}${problems.length ? ` (${problems.join('; ')})` : ''}; ${retryAdvice(row.id)}`
            : describeOutcome(items, afterPeople),
      });
    } catch (error) {
      if (error instanceof OffboardingRunLost) throw error;
      await save({
        status: 'failed',
        request_ids: JSON.stringify(requestIds),
        message: `${(error as Error).message}; ${retryAdvice(row.id)}`,
      });
    }
  }
}

/** How to retry a failed account: a resume (a repeat with the same key only answers with the receipt). */
function retryAdvice(id: string): string {
  return `to retry, resume it: seatwise offboard --resume ${id} (or Resume on its receipt, POST /api/offboardings/${id}/resume)`;
}

function toPerson(remote: RemoteUser): PersonInAccount {
  const user = toDirectoryUser(remote);
  return {
    userId: user.remoteId,
    email: user.email,
    name: user.name,
    role: user.role,
    status: user.status,
    scimLinked: user.scimLinked,
  };
}

/** The people with the teams monday shows them in now (the receipt's teams before and after). */
async function withTeams(api: MondayApi, people: PersonInAccount[]): Promise<PersonInAccount[]> {
  if (people.length === 0) return people;
  const teams = await api.userTeamsNamed(people.map((p) => p.userId));
  return people.map((p) => ({ ...p, teams: (teams.get(p.userId) ?? []).map((t) => t.name).sort() }));
}

function notFoundMessage(emails: string[]): string {
  return `no user with ${emails.join(', ')} (or an alias) in this account, checked with monday just now`;
}

function describePlan(items: OffboardingItem[]): string {
  return items.map((i) => `${i.email}: ${i.reason}`).join('; ');
}

function describeOutcome(items: OffboardingItem[], after: PersonInAccount[]): string {
  return items
    .map((i) => {
      const result = offboardingResult(i, after, false);
      const via = i.via === 'scim' ? 'SCIM' : 'GraphQL';
      return result === 'refused'
        ? `${i.email}: not offboarded: ${i.reason}`
        : result === 'already'
          ? `${i.email}: already deactivated, nothing to do`
          : `${i.email}: ${offboardingResultWords[result]}${result === 'deactivated' ? ` (${via})` : ''}`;
    })
    .join('; ');
}

function toView(row: OffboardingRow, steps: OffboardingStepRow[]): OffboardingView {
  const stepViews = steps.map((s): OffboardingStepView => {
    const after = s.after ? (JSON.parse(s.after) as PersonInAccount[]) : null;
    return {
      connectionId: s.connection_id,
      accountName: s.account_name,
      status: s.status as StepStatus,
      items: (JSON.parse(s.plan) as OffboardingItem[]).map((item) => ({
        ...item,
        result: offboardingResult(item, after, false),
      })),
      before: s.before ? (JSON.parse(s.before) as PersonInAccount[]) : null,
      after,
      requestIds: JSON.parse(s.request_ids) as string[],
      message: s.message,
      attempts: Number(s.attempts),
      updatedAt: s.updated_at,
      notFound: [],
    };
  });
  const emails = JSON.parse(row.emails) as string[];
  for (const step of stepViews) step.notFound = emailsNotFound(emails, step);
  return {
    id: row.id,
    dryRun: false,
    emails,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    status: row.status,
    finishedAt: row.finished_at,
    repeated: false,
    runningIn: row.status === 'running' ? { holder: row.holder, until: row.lease_until } : null,
    summary: summariseOffboarding(stepViews),
    steps: stepViews,
    leftOut: [],
  };
}
