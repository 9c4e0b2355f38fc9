import { type ConnectionFacts, type Requirement, unmetRequirements } from './capabilities.ts';
import type { Status, StoredRole } from './directory.ts';
import type { PersonFootprint } from './footprint.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Emails as asked, trimmed and lowercased, without repeats; the malformed ones apart. */
export function normaliseEmails(raw: readonly string[]): { emails: string[]; malformed: string[] } {
  const emails = new Set<string>();
  const malformed: string[] = [];
  for (const value of raw) {
    const email = value.trim().toLowerCase();
    if (!email) continue;
    if (EMAIL.test(email)) emails.add(email);
    else malformed.push(value);
  }
  return { emails: [...emails], malformed };
}

/**
 * Every address one person may have: the email itself and, when its domain is one of the organisation's own
 * domains, the same local part at each of the others (jane@acme.com is also jane@acme.co.uk).
 */
export function addressesOf(email: string, orgDomains: readonly string[]): string[] {
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  const own = orgDomains.map((d) => d.toLowerCase());
  if (!own.includes(domain)) return [email];
  return [email, ...own.filter((d) => d !== domain).map((d) => `${local}@${d}`)];
}

/** One user of an account as monday reports them now. */
export interface PersonInAccount {
  userId: string;
  email: string;
  name: string;
  role: StoredRole;
  status: Status;
  scimLinked: boolean;
  /** The monday teams they are in, by name, as monday showed them then (absent on older receipts). */
  teams?: string[];
}

/** A person's state in an account as receipts show it: role, status and (when known) their teams. */
export function describePersonState(
  person: Pick<PersonInAccount, 'role' | 'status' | 'teams'> | undefined,
): string {
  if (!person) return 'not found';
  const base = `${person.role}, ${person.status}`;
  if (!person.teams) return base;
  return `${base}; ${person.teams.length ? `teams: ${person.teams.join(', ')}` : 'in no team'}`;
}

/** What offboarding does to one user of one account, and why. */
export interface OffboardingItem extends PersonInAccount {
  outcome: 'deactivate' | 'already' | 'refuse';
  via: 'scim' | 'graphql' | null;
  code: string | null;
  reason: string;
  /** In a plan: what deactivating them switches off or leaves without an owner in monday, read now. */
  footprint?: PersonFootprint;
}

const act: Requirement = { kind: 'permission' };
/** The channels offboarding deactivates through, with what each needs. */
export const offboardingChannels = {
  scim: [act, { kind: 'enterprise' }, { kind: 'scimToken' }] as Requirement[],
  graphql: [
    act,
    { kind: 'graphqlOffboarding' },
    { kind: 'adminToken' },
    { kind: 'apiVersion', min: '2025-01' },
  ] as Requirement[],
};

/**
 * Decides, for each user of one account who is the person, what offboarding does: nothing for a user already
 * deactivated; a refusal with its reason for a read-only connection, the token's owner, the last active admin
 * or someone no channel can reach; otherwise deactivation through SCIM (the user was provisioned through SCIM
 * and the connection has a SCIM token) or through GraphQL `deactivate_users` (only where the operator allowed
 * it). A pending user's invitation is cancelled the same way.
 */
export function planOffboarding(
  people: readonly PersonInAccount[],
  facts: ConnectionFacts & { tokenOwnerId: string },
  activeAdmins: number,
): OffboardingItem[] {
  const adminsLeaving = people.filter((p) => p.role === 'admin' && p.status === 'active').length;
  return people.map((person): OffboardingItem => {
    const item = (
      outcome: OffboardingItem['outcome'],
      via: OffboardingItem['via'],
      code: string | null,
      reason: string,
    ) => ({
      ...person,
      outcome,
      via,
      code,
      reason,
    });
    if (person.status === 'deactivated') return item('already', null, null, 'already deactivated');
    if (facts.permission !== 'read_and_act')
      return item(
        'refuse',
        null,
        'read_only_connection',
        'the connection is read-only ("read"); set it to "read_and_act" to offboard people from this account',
      );
    if (person.userId === facts.tokenOwnerId)
      return item(
        'refuse',
        null,
        'token_owner',
        "is the owner of this connection's API token: deactivating them would lock Seatwise out of the account; connect with another admin's token first",
      );
    if (person.role === 'other')
      return item('refuse', null, 'not_a_person', 'is not a person (an agent, service or portal user)');
    if (person.role === 'admin' && person.status === 'active' && activeAdmins - adminsLeaving < 1)
      return item(
        'refuse',
        null,
        'last_admin',
        'is the last active admin of the account; make someone else an admin first',
      );
    const what =
      person.status === 'pending' ? 'the pending invitation will be cancelled' : 'will be deactivated';
    const scim = unmetRequirements(offboardingChannels.scim, facts);
    if (person.scimLinked && scim.length === 0)
      return item('deactivate', 'scim', null, `${what} through SCIM`);
    const graphql = unmetRequirements(offboardingChannels.graphql, facts);
    if (graphql.length === 0)
      return item('deactivate', 'graphql', null, `${what} with GraphQL deactivate_users`);
    const why = person.scimLinked
      ? `was provisioned through SCIM, but ${scim.join('; ')}; and GraphQL: ${graphql.join('; ')}`
      : `was not provisioned through SCIM, so SCIM cannot deactivate them; and GraphQL: ${graphql.join('; ')}`;
    return item('refuse', null, 'no_channel', why);
  });
}

/** The idempotency keys of an offboarding's actions start with this: its steps group under it in the audit log. */
export function offboardingKeyPrefix(offboardingId: string): string {
  return `offboarding-${offboardingId}-`;
}

/**
 * What became of one user of an offboarding, by monday's state read after the act, never by the plan:
 * `deactivated` only when that read shows them deactivated. `planned` in a dry run; `pending` until the
 * after-state has been read; `not_deactivated` when monday still shows them otherwise.
 */
export type OffboardingResult =
  | 'planned'
  | 'pending'
  | 'deactivated'
  | 'already'
  | 'refused'
  | 'not_deactivated'
  | 'unverified';

export function offboardingResult(
  item: Pick<OffboardingItem, 'userId' | 'outcome'>,
  after: readonly PersonInAccount[] | null,
  dryRun: boolean,
): OffboardingResult {
  if (item.outcome === 'refuse') return 'refused';
  if (dryRun) return item.outcome === 'already' ? 'already' : 'planned';
  if (after === null) return 'pending';
  const now = after.find((p) => p.userId === item.userId);
  if (now?.status !== 'deactivated') return 'not_deactivated';
  return item.outcome === 'already' ? 'already' : 'deactivated';
}

/** Words for a result, the same on every surface (CLI, receipt, web). */
export const offboardingResultWords: Record<OffboardingResult, string> = {
  planned: 'will be deactivated',
  pending: 'not done yet',
  deactivated: 'deactivated (monday confirms)',
  already: 'already deactivated',
  refused: 'refused',
  not_deactivated: 'not deactivated',
  unverified: 'not confirmed: monday could not be asked now',
};

/**
 * Why, beside a result: what was done once monday confirms it (the plan's "will be deactivated …" is only
 * right before), the plan's reason otherwise.
 */
export function resultReason(item: Pick<OffboardingItemView, 'result' | 'via' | 'reason'>): string {
  if (item.result === 'deactivated')
    return `deactivated ${item.via === 'scim' ? 'through SCIM' : 'with GraphQL deactivate_users'}; monday shows them deactivated`;
  return item.reason;
}

/** An offboarding item with its result. */
export interface OffboardingItemView extends OffboardingItem {
  result: OffboardingResult;
}

/** Counts of an offboarding, computed from its items' results and its steps. */
export interface OffboardingSummary {
  planned: number;
  deactivated: number;
  already: number;
  refused: number;
  notDeactivated: number;
  notFound: number;
  failed: number;
  /** Emails asked about that no account read showed (an unknown address, or a typo). */
  notFoundAnywhere: string[];
}

/** The counts in a sentence, naming only what happened (no "0 failed", no "not in 0 accounts"). */
export function describeSummary(s: OffboardingSummary): string {
  const parts = [
    s.planned ? `${s.planned} to deactivate` : null,
    s.deactivated || !s.planned ? `${s.deactivated} deactivated` : null,
    s.already ? `${s.already} already deactivated` : null,
    s.notDeactivated ? `${s.notDeactivated} not deactivated` : null,
    s.refused ? `${s.refused} refused` : null,
    s.failed ? `${s.failed} ${s.failed === 1 ? 'account' : 'accounts'} failed` : null,
    s.notFound ? `not in ${s.notFound} ${s.notFound === 1 ? 'account' : 'accounts'}` : null,
    s.notFoundAnywhere.length ? `not found in any account: ${s.notFoundAnywhere.join(', ')}` : null,
  ];
  return parts.filter(Boolean).join(', ');
}

export function summariseOffboarding(
  steps: readonly { status: string; items: readonly OffboardingItemView[]; notFound: readonly string[] }[],
): OffboardingSummary {
  const summary: OffboardingSummary = {
    planned: 0,
    deactivated: 0,
    already: 0,
    refused: 0,
    notDeactivated: 0,
    notFound: 0,
    failed: 0,
    notFoundAnywhere: [],
  };
  // Missing from every account that could be read (a failed account says nothing either way).
  const read = steps.filter((s) => s.status !== 'failed');
  if (read.length > 0)
    summary.notFoundAnywhere = read[0]!.notFound.filter((email) =>
      read.every((s) => s.notFound.includes(email)),
    );
  for (const step of steps) {
    if (step.status === 'not_found') summary.notFound++;
    if (step.status === 'failed') summary.failed++;
    for (const item of step.items) {
      if (item.result === 'planned') summary.planned++;
      else if (item.result === 'deactivated') summary.deactivated++;
      else if (item.result === 'already') summary.already++;
      else if (item.result === 'refused') summary.refused++;
      else if (item.result === 'not_deactivated') summary.notDeactivated++;
    }
  }
  return summary;
}

export type StepStatus = 'pending' | 'done' | 'refused' | 'failed' | 'not_found';

/** One account's part: the plan per user, monday's state before and after, and its request ids. */
export interface OffboardingStepView {
  connectionId: string;
  accountName: string;
  status: StepStatus;
  items: OffboardingItemView[];
  before: PersonInAccount[] | null;
  after: PersonInAccount[] | null;
  requestIds: string[];
  message: string | null;
  attempts: number;
  updatedAt: string | null;
  /**
   * The emails asked for that monday did not show in this account when the step read it: a row each on every
   * receipt, so a receipt names everyone it was asked about. Empty when the account could not be read.
   */
  notFound: string[];
}

/** Words for an email monday did not show in an account, the same on every surface. */
export const notFoundWords = 'not found in monday (checked now)';

/**
 * The emails of a request that none of the people a step found answers to: the same address, or the same name
 * at another of the organisation's domains (the addresses offboarding looks people up by).
 */
export function emailsNotFound(
  emails: readonly string[],
  step: { status: string; before: readonly PersonInAccount[] | null },
): string[] {
  if (step.before === null || step.status === 'failed') return [];
  const found = step.before.map((p) => p.email.trim().toLowerCase());
  const local = (e: string) => e.slice(0, e.lastIndexOf('@'));
  return emails.filter((asked) => {
    const email = asked.trim().toLowerCase();
    return !found.some((f) => f === email || local(f) === local(email));
  });
}

export interface OffboardingView {
  id: string | null;
  dryRun: boolean;
  emails: string[];
  requestedBy: string;
  requestedAt: string;
  status: 'planned' | 'running' | 'done' | 'partial' | 'failed';
  finishedAt: string | null;
  /** This request repeated an earlier one (same idempotency key): nothing new was done. */
  repeated: boolean;
  /** While it runs: which run holds it and until when without a heartbeat (after then it can be resumed). */
  runningIn: { holder: string | null; until: string | null } | null;
  summary: OffboardingSummary;
  steps: OffboardingStepView[];
  /**
   * Accounts this offboarding did not look in, and why: only the demo account (sample people), from a process
   * other than the server that runs it.
   */
  leftOut: { connectionId: string; accountName: string; reason: string }[];
}

/** Why the demo account is left out of an offboarding started outside the server that runs it. */
export const demoLeftOutReason =
  'the demo account (sample people, none of them real) runs inside the Seatwise server that started it: left out of an offboarding started elsewhere';

/**
 * An account's part in words, from its users' results (the same on the receipt and the web): a step where some
 * were deactivated and others refused is "Done, 1 refused", never only "Refused".
 */
export function describeStep(step: Pick<OffboardingStepView, 'status' | 'items'>): string {
  const refused = step.items.filter((i) => i.result === 'refused').length;
  switch (step.status) {
    case 'pending':
      return 'Not run yet';
    case 'failed':
      return 'Failed: run again';
    case 'not_found':
      return 'Not in this account';
    case 'refused':
      return partlyDone(step) ? `Done, ${refused} refused` : 'Refused';
    case 'done':
      return 'Done';
  }
}

/** A refused step in which monday shows some of the people deactivated all the same (the others were refused). */
export function partlyDone(step: Pick<OffboardingStepView, 'status' | 'items'>): boolean {
  return (
    step.status === 'refused' && step.items.some((i) => i.result === 'deactivated' || i.result === 'already')
  );
}
