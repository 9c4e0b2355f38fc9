import {
  addUser,
  type EmuAccount,
  type EmuKind,
  type EmuStatus,
  type EmuTeam,
  type EmuUser,
  isScimProvisioned,
  nonPersonKinds,
  type PlanTier,
  scimGroupId,
  teamMembers,
} from './model.ts';
import { Random } from './random.ts';
import { seedWorkspace } from './workspace.ts';

/** What to generate: the same options always give the same accounts, users and tokens. */
export interface SeedOptions {
  seed: number;
  accounts: number;
  usersPerAccount: number;
  plan: PlanTier;
  /** Dates (created, last activity) are spread backwards from this instant. */
  referenceDate: Date;
}

const companies = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Stark',
  'Wayne',
  'Wonka',
  'Tyrell',
  'Cyberdyne',
  'Soylent',
  'Vandelay',
  'Gringotts',
  'Oscorp',
  'Aperture',
  'Dunder',
  'Pied Piper',
  'Massive Dynamic',
];
const firstNames = [
  'Ada',
  'Alan',
  'Grace',
  'Linus',
  'Margaret',
  'Dennis',
  'Barbara',
  'Ken',
  'Radia',
  'Tim',
  'Frances',
  'Edsger',
  'Hedy',
  'John',
  'Katherine',
  'Donald',
  'Sophie',
  'Guido',
  'Annie',
  'Bjarne',
  'Joan',
  'Niklaus',
  'Mary',
  'Yukihiro',
  'Shafi',
  'Leslie',
  'Lin',
  'Whitfield',
  'Evelyn',
  'Brian',
  'Carol',
  'James',
  'Noor',
  'Mateo',
  'Amara',
  'Kenji',
  'Priya',
  'Omar',
  'Ingrid',
  'Tomás',
];
const lastNames = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Ritchie',
  'Liskov',
  'Thompson',
  'Perlman',
  'Berners',
  'Allen',
  'Dijkstra',
  'Lamarr',
  'McCarthy',
  'Johnson',
  'Knuth',
  'Wilson',
  'Rossum',
  'Easley',
  'Stroustrup',
  'Clarke',
  'Wirth',
  'Keller',
  'Matsumoto',
  'Goldwasser',
  'Lamport',
  'Chen',
  'Diffie',
  'Berezin',
  'Kernighan',
  'Shaw',
  'Gosling',
  'Haddad',
  'Silva',
  'Okafor',
  'Tanaka',
  'Patel',
  'Farouk',
  'Larsen',
  'García',
];
const titles = [
  'Engineer',
  'Designer',
  'Product Manager',
  'Analyst',
  'Marketing Lead',
  'Sales',
  'Support',
  'Ops',
  '',
];
const guestDomains = ['contractor.io', 'agency.example', 'partner.net', 'freelance.dev'];
const timeZones = ['Europe/London', 'America/New_York', 'Asia/Tokyo', 'Europe/Berlin', 'America/Los_Angeles'];
const teamNames = ['Engineering', 'Design', 'Marketing', 'Sales', 'Support', 'Finance', 'People', 'Partners'];
/** Guests are in the guest team; People is a team nobody is in yet; on Enterprise an IdP manages two teams. */
const guestTeam = 'Partners';
const emptyTeam = 'People';
const scimTeams = ['Engineering', 'Sales'];

/** monday sells member seats in buckets; max_users is the bucket the account bought. */
const seatBuckets = [
  3, 5, 10, 15, 20, 25, 30, 40, 50, 100, 150, 200, 250, 300, 400, 500, 1000, 1500, 2000, 5000,
];

const DAY = 86_400_000;

export function seedAccounts(options: SeedOptions): EmuAccount[] {
  const accounts: EmuAccount[] = [];
  const usedSlugs = new Set<string>();
  for (let index = 0; index < options.accounts; index++) {
    accounts.push(seedAccount(index, options, usedSlugs));
  }
  return accounts;
}

/**
 * A random stream for one part of the seeded world. Each account, each user and the tokens draw from their
 * own stream, so ids, emails and tokens depend only on the seed and the account (and user) index — never on
 * how many users there are or which plan the account is on.
 */
function streamFor(seed: number, ...parts: (number | string)[]): Random {
  let hash = 0x811c9dc5;
  for (const char of [seed, ...parts].join(':')) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return new Random(hash);
}

function seedAccount(index: number, options: SeedOptions, usedSlugs: Set<string>): EmuAccount {
  const random = streamFor(options.seed, 'account', index);
  const company = companies[(options.seed + index) % companies.length]!;
  let slug = company.toLowerCase().replace(/[^a-z0-9]+/g, '');
  if (usedSlugs.has(slug)) slug = `${slug}${index + 1}`;
  usedSlugs.add(slug);
  const id = String(random.int(10_000_000, 39_999_999));
  const account: EmuAccount = {
    id,
    name: company,
    slug,
    tier: options.plan,
    maxUsers: 0,
    period: random.chance(0.6) ? 'yearly' : 'monthly',
    planVersion: random.int(5, 11),
    products: [
      { id: String(random.int(100_000, 999_999)), kind: 'core', tier: options.plan, defaultWorkspaceId: '1' },
    ],
    countryCode: random.pick(['US', 'GB', 'DE', 'IL', 'JP']),
    users: [],
    usersById: new Map(),
    usersByEmail: new Map(),
    teams: teamNames.map((name, i) => {
      const teamId = String(Number(id) * 100 + i + 1);
      return {
        id: teamId,
        name,
        isGuest: name === guestTeam,
        ownerIds: [],
        scimProvisioned: options.plan === 'enterprise' && scimTeams.includes(name),
        scimId: scimGroupId(teamId),
      };
    }),
    tokens: { admin: '', member: '', viewer: '' },
    tokenOwners: { admin: '', member: '', viewer: '' },
    scimToken: null,
    scimTokenOwnerId: null,
    nextUserId: 50_000_000 + index * 5_000_000 + random.int(0, 999),
    nextTeamId: Number(id) * 100 + 50,
    boards: [],
    automations: [],
    connections: [],
  };
  const domain = `${slug}.com`;
  const emailCounts = new Map<string, number>();
  const now = options.referenceDate.getTime();
  const total = Math.max(3, options.usersPerAccount);
  for (let n = 0; n < total; n++) {
    const user = seedUser(
      streamFor(options.seed, 'user', index, n),
      account,
      n,
      total,
      options,
      domain,
      emailCounts,
      now,
    );
    addUser(account, user);
  }
  account.nextUserId += total;
  seedTeams(account, streamFor(options.seed, 'teams', index));
  seedWorkspace(account, streamFor(options.seed, 'workspace', index));
  const tokenRandom = streamFor(options.seed, 'tokens', index);
  for (const role of ['admin', 'member', 'viewer'] as const) {
    const owner = account.users[role === 'admin' ? 0 : role === 'member' ? 1 : 2]!;
    account.tokenOwners[role] = owner.id;
    account.tokens[role] = apiToken(tokenRandom, account, owner);
  }
  const scimToken = tokenRandom.chars(48);
  if (options.plan === 'enterprise') {
    account.scimToken = scimToken;
    account.scimTokenOwnerId = account.tokenOwners.admin;
  }
  const seats = account.users.filter(
    (u) => u.status !== 'INACTIVE' && (u.kind === 'admin' || u.kind === 'member'),
  );
  account.maxUsers =
    options.plan === 'free' ? 2 : (seatBuckets.find((b) => b >= seats.length) ?? seats.length);
  return account;
}

function seedUser(
  random: Random,
  account: EmuAccount,
  n: number,
  total: number,
  options: SeedOptions,
  domain: string,
  emailCounts: Map<string, number>,
  now: number,
): EmuUser {
  // The first three users own the admin, member and viewer tokens.
  let kind: EmuKind;
  let status: EmuStatus = 'ACTIVE';
  if (n === 0) kind = 'admin';
  else if (n === 1) kind = 'member';
  else if (n === 2) kind = 'view_only';
  else {
    const roll = random.next();
    kind = roll < 0.04 ? 'admin' : roll < 0.66 ? 'member' : roll < 0.86 ? 'view_only' : 'guest';
    const statusRoll = random.next();
    status = statusRoll < 0.08 ? 'PENDING' : statusRoll < 0.15 ? 'INACTIVE' : 'ACTIVE';
    // About 1.5% are not people: AI agents, service (API) users and portal users, always active.
    const botRoll = random.next();
    if (botRoll < 0.015) {
      kind =
        botRoll < 0.006
          ? 'agent_member'
          : botRoll < 0.009
            ? 'personal_agent_member'
            : botRoll < 0.012
              ? 'service_user'
              : 'portal';
      status = 'ACTIVE';
    }
  }
  const first = random.pick(firstNames);
  const last = random.pick(lastNames);
  const local = `${first}.${last}`
    .toLowerCase()
    .normalize('NFD')
    .replace(/[^a-z.]/g, '');
  const seen = emailCounts.get(local) ?? 0;
  emailCounts.set(local, seen + 1);
  const userDomain = kind === 'guest' ? random.pick(guestDomains) : domain;
  const email = `${local}${seen ? seen + 1 : ''}@${userDomain}`;
  // Creation dates run from about three years ago to today in id order.
  const createdAt = new Date(now - Math.round((1 - n / total) * 3 * 365 * DAY) - random.int(0, DAY));
  let becameActiveAt: Date | null = null;
  let lastActivity: Date | null = null;
  if (status !== 'PENDING') {
    becameActiveAt = new Date(createdAt.getTime() + random.int(0, 2 * DAY));
    // About 6% never did anything; the rest were last seen up to a year ago.
    if (n < 3 || !random.chance(0.06)) {
      const span = Math.min(365 * DAY, now - becameActiveAt.getTime());
      lastActivity = new Date(now - Math.floor(random.next() * Math.max(span, 0)));
    }
  }
  let invitationMethod = n === 0 ? 'FIRST_USER' : random.pick(['USER', 'USER', 'SSO', 'AUTH_DOMAIN']);
  // Drawn on every plan, so the rest of the user does not depend on the plan.
  const scimRoll = random.chance(0.3);
  if (options.plan === 'enterprise' && n > 2 && status !== 'PENDING' && scimRoll) invitationMethod = 'SCIM';
  if (nonPersonKinds.includes(kind))
    invitationMethod =
      kind === 'service_user'
        ? 'API_USER_CREATION'
        : kind === 'portal'
          ? 'SERVICE_PORTAL_USER_INVITATION'
          : 'AGENT_USER_CREATION';
  const id = String(account.nextUserId + n);
  return {
    id,
    accountId: account.id,
    name: `${first} ${last}`,
    email,
    title: random.pick(titles),
    kind,
    status,
    invitationMethod,
    isEmailConfirmed: status !== 'PENDING',
    createdAt,
    becameActiveAt,
    lastActivity,
    timeZone: random.pick(timeZones),
    locale: 'en',
    externalId: invitationMethod === 'SCIM' ? `idp-${random.chars(10)}` : null,
    teamIds: [],
    updatedAt: createdAt,
    // A service user was made by an earlier user; most hold a token, some used lately, some never. Derived
    // from the position alone, so the rest of the seed stays as it was.
    ...(kind === 'service_user'
      ? {
          invitedById: String(account.nextUserId + (n % 2 === 0 ? 0 : n - 1)),
          serviceToken:
            n % 4 === 0
              ? null
              : { lastUsedAt: n % 3 === 0 ? null : new Date(now - ((n * 7919) % 200) * DAY) },
        }
      : {}),
  };
}

/**
 * Puts people in teams as real accounts have them: most people in one team, some in two, some in none;
 * guests only in the guest team; SCIM-provisioned people (alone) in the teams an IdP manages; one team
 * empty. Each team with members has an active member or admin as owner (two for the largest). Drawn from the
 * account's own stream, after its users, so teams never change who the users are.
 */
function seedTeams(account: EmuAccount, random: Random): void {
  const byName = new Map(account.teams.map((t) => [t.name, t]));
  const open = account.teams.filter((t) => !t.isGuest && t.name !== emptyTeam);
  const scimManaged = open.filter((t) => t.scimProvisioned);
  const others = open.filter((t) => !t.scimProvisioned);
  for (const user of account.users) {
    if (nonPersonKinds.includes(user.kind)) continue;
    if (user.kind === 'guest') {
      if (random.chance(0.6)) user.teamIds.push(byName.get(guestTeam)!.id);
      continue;
    }
    const roll = random.next();
    if (roll < 0.25) continue;
    const pool = isScimProvisioned(user) && scimManaged.length > 0 ? scimManaged : others;
    const first = random.pick(pool);
    user.teamIds.push(first.id);
    if (roll > 0.8) {
      const second = random.pick(others);
      if (second.id !== first.id) user.teamIds.push(second.id);
    }
  }
  let largest: EmuTeam | null = null;
  let largestSize = 0;
  for (const team of account.teams) {
    const members = teamMembers(account, team.id);
    const candidates = members.filter(
      (u) => u.status === 'ACTIVE' && (u.kind === 'admin' || u.kind === 'member'),
    );
    if (candidates.length > 0) team.ownerIds.push(candidates[0]!.id);
    if (members.length > largestSize) {
      largest = team;
      largestSize = members.length;
    }
  }
  if (largest) {
    const second = teamMembers(account, largest.id).find(
      (u) =>
        u.status === 'ACTIVE' &&
        (u.kind === 'admin' || u.kind === 'member') &&
        !largest.ownerIds.includes(u.id),
    );
    if (second) largest.ownerIds.push(second.id);
  }
}

/** Tokens look like monday's personal API tokens (a signed JWT) and are unique per seed, account and user. */
function apiToken(random: Random, account: EmuAccount, owner: EmuUser): string {
  const header = Buffer.from('{"alg":"HS256"}').toString('base64url');
  const payload = Buffer.from(
    JSON.stringify({
      tid: random.int(100_000_000, 999_999_999),
      aai: 11,
      uid: Number(owner.id),
      actid: Number(account.id),
      per: 'me:write',
      rgn: 'use1',
    }),
  ).toString('base64url');
  return `${header}.${payload}.${random.chars(43)}`;
}
