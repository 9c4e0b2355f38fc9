import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addressesOf,
  demoLeftOutReason,
  describePersonState,
  describeStep,
  describeSummary,
  emailsNotFound,
  normaliseEmails,
  notFoundWords,
  type OffboardingItemView,
  type OffboardingResult,
  type OffboardingSummary,
  offboardingKeyPrefix,
  offboardingResult,
  offboardingResultWords,
  type PersonInAccount,
  partlyDone,
  planOffboarding,
  resultReason,
  summariseOffboarding,
} from '../src/domain/offboarding.ts';

/** The rules of offboarding, each against a table written from its own words. */

const person = (over: Partial<PersonInAccount> & { userId: string }): PersonInAccount => ({
  email: `${over.userId}@acme.example`,
  name: over.userId,
  role: 'member',
  status: 'active',
  scimLinked: false,
  ...over,
});

describe('the emails asked for', () => {
  it('are well formed only as a whole', () => {
    expect(normaliseEmails(['a@b.co@x', 'a@b.co x', 'a@b.co']).malformed).toEqual(['a@b.co@x', 'a@b.co x']);
  });

  it('are trimmed, lowercased and counted once; blanks dropped, malformed ones apart as written', () => {
    expect(
      normaliseEmails([
        ' Jane@Acme.com ',
        'jane@acme.com',
        '',
        '   ',
        'not an email',
        'a@b',
        'x@y.co',
        'a b@c.de',
      ]),
    ).toEqual({ emails: ['jane@acme.com', 'x@y.co'], malformed: ['not an email', 'a@b', 'a b@c.de'] });
  });

  it("are also looked for at the organisation's other domains, only when theirs is one", () => {
    expect(addressesOf('jane@acme.com', ['Acme.com', 'acme.co.uk', 'acme.de'])).toEqual([
      'jane@acme.com',
      'jane@acme.co.uk',
      'jane@acme.de',
    ]);
    expect(addressesOf('jane@partner.com', ['acme.com', 'acme.co.uk'])).toEqual(['jane@partner.com']);
    expect(addressesOf('j@ne@acme.com', ['acme.com', 'acme.de'])).toEqual(['j@ne@acme.com', 'j@ne@acme.de']);
    expect(addressesOf('jane@acme.com', [])).toEqual(['jane@acme.com']);
  });

  it('not found in a step are those none of its people answers to, by address or by name at another domain', () => {
    const before = [
      person({ userId: '1', email: ' Jane@Acme.co.uk' }),
      person({ userId: '2', email: 'bo@x.io' }),
    ];
    const asked = ['jane@acme.com', 'bo@x.io', 'nobody@acme.com', 'BO@other.io'];
    expect(emailsNotFound(asked, { status: 'done', before })).toEqual(['nobody@acme.com']);
    expect(emailsNotFound(asked, { status: 'done', before: [] })).toEqual(asked);
    // An account that could not be read says nothing either way.
    expect(emailsNotFound(asked, { status: 'failed', before })).toEqual([]);
    expect(emailsNotFound(asked, { status: 'pending', before: null })).toEqual([]);
  });
});

describe('a person as receipts show them', () => {
  it.each([
    [undefined, 'not found'],
    [{ role: 'admin', status: 'active' }, 'admin, active'],
    [{ role: 'member', status: 'deactivated', teams: [] }, 'member, deactivated; in no team'],
    [{ role: 'guest', status: 'pending', teams: ['Design', 'Ops'] }, 'guest, pending; teams: Design, Ops'],
  ] as const)('%j → %s', (state, words) => {
    expect(describePersonState(state as never)).toBe(words);
  });
});

describe('what offboarding plans for each user of an account', () => {
  const facts = {
    permission: 'read_and_act' as const,
    planTier: 'enterprise',
    hasScimToken: true,
    tokenOwnerKind: 'admin',
    apiVersion: '2026-10',
    status: 'connected' as const,
    graphqlOffboarding: true,
    tokenOwnerId: 'owner',
  };
  const one = (p: PersonInAccount, f: Partial<typeof facts> = {}, admins = 3) => {
    const [item] = planOffboarding([p], { ...facts, ...f }, admins);
    return [item!.outcome, item!.via, item!.code, item!.reason];
  };

  it.each([
    [person({ userId: 'a', status: 'deactivated' }), {}, ['already', null, null, 'already deactivated']],
    [
      person({ userId: 'a', status: 'deactivated' }),
      { permission: 'read' },
      ['already', null, null, 'already deactivated'],
    ],
    [
      person({ userId: 'a' }),
      { permission: 'read' },
      [
        'refuse',
        null,
        'read_only_connection',
        'the connection is read-only ("read"); set it to "read_and_act" to offboard people from this account',
      ],
    ],
    [
      person({ userId: 'owner', role: 'admin' }),
      {},
      [
        'refuse',
        null,
        'token_owner',
        "is the owner of this connection's API token: deactivating them would lock Seatwise out of the account; connect with another admin's token first",
      ],
    ],
    [
      person({ userId: 'a', role: 'other' }),
      {},
      ['refuse', null, 'not_a_person', 'is not a person (an agent, service or portal user)'],
    ],
    [
      person({ userId: 'a', scimLinked: true }),
      {},
      ['deactivate', 'scim', null, 'will be deactivated through SCIM'],
    ],
    [
      person({ userId: 'a', scimLinked: true, status: 'pending' }),
      {},
      ['deactivate', 'scim', null, 'the pending invitation will be cancelled through SCIM'],
    ],
    [
      person({ userId: 'a', scimLinked: true }),
      { hasScimToken: false },
      ['deactivate', 'graphql', null, 'will be deactivated with GraphQL deactivate_users'],
    ],
    [
      person({ userId: 'a' }),
      {},
      ['deactivate', 'graphql', null, 'will be deactivated with GraphQL deactivate_users'],
    ],
    [
      person({ userId: 'a', status: 'pending' }),
      {},
      [
        'deactivate',
        'graphql',
        null,
        'the pending invitation will be cancelled with GraphQL deactivate_users',
      ],
    ],
  ] as [PersonInAccount, Partial<typeof facts>, unknown[]][])('%j with %j', (p, f, expected) => {
    expect(one(p, f)).toEqual(expected);
  });

  it('refuses, saying why, when no channel can reach someone', () => {
    const [outcome, via, code, reason] = one(person({ userId: 'a' }), { graphqlOffboarding: false });
    expect([outcome, via, code]).toEqual(['refuse', null, 'no_channel']);
    expect(reason).toMatch(
      /^was not provisioned through SCIM, so SCIM cannot deactivate them; and GraphQL: .+/,
    );
    const [, , , scimReason] = one(person({ userId: 'a', scimLinked: true }), {
      graphqlOffboarding: false,
      planTier: 'pro',
    });
    expect(scimReason).toMatch(/^was provisioned through SCIM, but .+; and GraphQL: .+/);
  });

  it('counts only admins as admins leaving, and refuses only admins as the last one', () => {
    const admin = person({ userId: 'x', role: 'admin' });
    const member = person({ userId: 'm' });
    expect(planOffboarding([admin, member], facts, 2).map((i) => i.outcome)).toEqual([
      'deactivate',
      'deactivate',
    ]);
    expect(planOffboarding([admin, member], facts, 1).map((i) => [i.code, i.outcome])).toEqual([
      ['last_admin', 'refuse'],
      [null, 'deactivate'],
    ]);
  });

  it('names every reason neither channel can be used, one after another', () => {
    const [item] = planOffboarding(
      [person({ userId: 'p', scimLinked: false })],
      { ...facts, graphqlOffboarding: false, tokenOwnerKind: 'member' },
      3,
    );
    expect(item!.reason).toBe(
      "was not provisioned through SCIM, so SCIM cannot deactivate them; and GraphQL: GraphQL deactivation is not allowed for offboarding on this connection (it also stops the integrations and automations the user made); allow it in the connection's settings or with seatwise connections update ID --graphql-offboarding on; the API token's owner is not an admin (member); monday allows this only to admins",
    );
    const [linked] = planOffboarding(
      [person({ userId: 'p', scimLinked: true })],
      { ...facts, hasScimToken: false, graphqlOffboarding: false, tokenOwnerKind: 'member' },
      3,
    );
    expect(linked!.reason).toMatch(
      /^was provisioned through SCIM, but the connection has no SCIM token; add one to the connection; and GraphQL: GraphQL deactivation .+; the API token's owner is not an admin \(member\)/,
    );
  });

  it('never leaves the account without an active admin, counting every admin leaving at once', () => {
    const admins = [person({ userId: 'x', role: 'admin' }), person({ userId: 'y', role: 'admin' })];
    const last = 'is the last active admin of the account; make someone else an admin first';
    expect(planOffboarding(admins, facts, 2).map((i) => i.reason)).toEqual([last, last]);
    expect(planOffboarding(admins, facts, 3).map((i) => i.outcome)).toEqual(['deactivate', 'deactivate']);
    expect(planOffboarding([admins[0]!], facts, 1).map((i) => i.code)).toEqual(['last_admin']);
    expect(planOffboarding([admins[0]!], facts, 2).map((i) => i.code)).toEqual([null]);
    // A deactivated or pending admin is not one of the active ones.
    const idle = [person({ userId: 'z', role: 'admin', status: 'pending' }), admins[0]!];
    expect(planOffboarding(idle, facts, 2).map((i) => i.outcome)).toEqual(['deactivate', 'deactivate']);
    expect(planOffboarding(idle, facts, 1).map((i) => i.code)).toEqual([null, 'last_admin']);
  });

  it('groups its actions in the audit log under one key prefix', () => {
    expect(offboardingKeyPrefix('off_1')).toBe('offboarding-off_1-');
  });
});

describe("what became of a user, by monday's state read after the act", () => {
  const after = [person({ userId: 'gone', status: 'deactivated' }), person({ userId: 'here' })];
  it.each([
    ['refuse', 'gone', after, false, 'refused'],
    ['refuse', 'gone', null, true, 'refused'],
    ['already', 'gone', null, true, 'already'],
    ['deactivate', 'gone', null, true, 'planned'],
    ['deactivate', 'gone', null, false, 'pending'],
    ['deactivate', 'gone', after, false, 'deactivated'],
    ['already', 'gone', after, false, 'already'],
    ['deactivate', 'here', after, false, 'not_deactivated'],
    ['already', 'here', after, false, 'not_deactivated'],
    ['deactivate', 'missing', after, false, 'not_deactivated'],
  ] as const)('%s of %s (after %#) → %s', (outcome, userId, read, dryRun, result) => {
    expect(offboardingResult({ userId, outcome }, read, dryRun)).toBe(result);
  });
});

const item = (result: OffboardingResult): OffboardingItemView => ({
  ...person({ userId: result }),
  outcome: result === 'refused' ? 'refuse' : 'deactivate',
  via: null,
  code: null,
  reason: '',
  result,
});

describe('why, beside a result', () => {
  it('says what was done once monday confirms it, and the reason otherwise', () => {
    const reason = 'will be deactivated through SCIM';
    expect(resultReason({ result: 'deactivated', via: 'scim', reason })).toBe(
      'deactivated through SCIM; monday shows them deactivated',
    );
    expect(resultReason({ result: 'deactivated', via: 'graphql', reason })).toBe(
      'deactivated with GraphQL deactivate_users; monday shows them deactivated',
    );
    expect(resultReason({ result: 'planned', via: 'scim', reason })).toBe(reason);
    expect(resultReason({ result: 'not_deactivated', via: 'scim', reason })).toBe(reason);
  });
});

describe("an offboarding's counts and words", () => {
  it('counts every result and step from the rows, whatever they are', () => {
    const results = fc.constantFrom<OffboardingResult>(
      'planned',
      'pending',
      'deactivated',
      'already',
      'refused',
      'not_deactivated',
      'unverified',
    );
    const status = fc.constantFrom('pending', 'done', 'refused', 'failed', 'not_found');
    fc.assert(
      fc.property(
        fc.array(fc.record({ status, items: fc.array(results, { maxLength: 4 }) }), { maxLength: 5 }),
        (raw) => {
          const steps = raw.map((s) => ({ status: s.status, items: s.items.map(item), notFound: [] }));
          const all = raw.flatMap((s) => s.items);
          const n = (r: OffboardingResult) => all.filter((x) => x === r).length;
          expect(summariseOffboarding(steps)).toEqual({
            planned: n('planned'),
            deactivated: n('deactivated'),
            already: n('already'),
            refused: n('refused'),
            notDeactivated: n('not_deactivated'),
            notFound: raw.filter((s) => s.status === 'not_found').length,
            failed: raw.filter((s) => s.status === 'failed').length,
            notFoundAnywhere: [],
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('names the emails missing from every account that could be read, not from a failed one', () => {
    const step = (status: string, notFound: string[]) => ({ status, items: [], notFound });
    expect(
      summariseOffboarding([step('done', ['a@x.io', 'b@x.io']), step('not_found', ['b@x.io', 'a@x.io'])])
        .notFoundAnywhere,
    ).toEqual(['a@x.io', 'b@x.io']);
    expect(
      summariseOffboarding([step('done', ['a@x.io', 'b@x.io']), step('done', ['b@x.io'])]).notFoundAnywhere,
    ).toEqual(['b@x.io']);
    expect(summariseOffboarding([step('failed', []), step('done', ['a@x.io'])]).notFoundAnywhere).toEqual([
      'a@x.io',
    ]);
    expect(summariseOffboarding([step('failed', [])]).notFoundAnywhere).toEqual([]);
    expect(summariseOffboarding([]).notFoundAnywhere).toEqual([]);
  });

  const zero: OffboardingSummary = {
    planned: 0,
    deactivated: 0,
    already: 0,
    refused: 0,
    notDeactivated: 0,
    notFound: 0,
    failed: 0,
    notFoundAnywhere: [],
  };
  it.each([
    [{}, '0 deactivated'],
    [{ planned: 2 }, '2 to deactivate'],
    [{ planned: 2, deactivated: 1 }, '2 to deactivate, 1 deactivated'],
    [
      { deactivated: 1, already: 2, notDeactivated: 3, refused: 4, failed: 1, notFound: 1 },
      '1 deactivated, 2 already deactivated, 3 not deactivated, 4 refused, 1 account failed, not in 1 account',
    ],
    [{ failed: 2, notFound: 3 }, '0 deactivated, 2 accounts failed, not in 3 accounts'],
    [
      { deactivated: 1, notFoundAnywhere: ['a@x.io', 'b@x.io'] },
      '1 deactivated, not found in any account: a@x.io, b@x.io',
    ],
  ] as [Partial<OffboardingSummary>, string][])('%j → %s', (counts, words) => {
    expect(describeSummary({ ...zero, ...counts })).toBe(words);
  });

  it.each([
    ['pending', [], 'Not run yet', false],
    ['failed', [], 'Failed: run again', false],
    ['not_found', [], 'Not in this account', false],
    ['done', ['deactivated'], 'Done', false],
    ['refused', ['refused', 'refused'], 'Refused', false],
    ['refused', ['refused', 'deactivated', 'refused'], 'Done, 2 refused', true],
    ['refused', ['already', 'refused'], 'Done, 1 refused', true],
    ['refused', ['not_deactivated', 'refused'], 'Refused', false],
  ] as const)('a %s step of %j reads "%s"', (status, results, words, partly) => {
    const step = { status, items: results.map(item) };
    expect(describeStep(step)).toBe(words);
    expect(partlyDone(step)).toBe(partly);
  });
});

describe('the words offboarding uses on every surface', () => {
  it('for each result, an email not found, and the demo left out', () => {
    expect(offboardingResultWords).toEqual({
      planned: 'will be deactivated',
      pending: 'not done yet',
      deactivated: 'deactivated (monday confirms)',
      already: 'already deactivated',
      refused: 'refused',
      not_deactivated: 'not deactivated',
      unverified: 'not confirmed: monday could not be asked now',
    });
    expect(notFoundWords).toBe('not found in monday (checked now)');
    expect(demoLeftOutReason).toBe(
      'the demo account (sample people, none of them real) runs inside the Seatwise server that started it: left out of an offboarding started elsewhere',
    );
  });

  it('an email asked with spaces around it is still found', () => {
    const step = { status: 'done', before: [person({ userId: 'u', email: 'jane@acme.example' })] };
    expect(emailsNotFound([' Jane@Acme.example '], step)).toEqual([]);
  });
});
