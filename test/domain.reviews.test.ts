import { describe, expect, it } from 'vitest';
import {
  inScope,
  type ReviewerCandidate,
  type ReviewerRule,
  type ReviewScope,
  reviewerFor,
  type ScopedUser,
} from '../src/domain/reviews.ts';
import { daysAgo, NOW, scopedUser } from './helpers/scopedUser.ts';

const user = (over: Partial<ScopedUser> & { email: string }) => scopedUser(over);

const people = new Map<string, ReviewerCandidate>(
  [
    { id: 'per_ana', email: 'ana@acme.example', disabled: false },
    { id: 'per_ben', email: 'ben@acme.example', disabled: false },
    { id: 'per_cy', email: 'cy@acme.example', disabled: true },
    { id: 'per_fallback', email: 'fallback@acme.example', disabled: false },
  ].map((p) => [p.id, p]),
);
/** Team owners as monday lists them: Design by Ana and Ben, Ops by Cy (disabled), Sales by nobody in Seatwise. */
const owners: Record<string, string[]> = {
  '1': ['Ana@Acme.example', 'ben@acme.example'],
  '2': ['cy@acme.example'],
  '3': ['outsider@elsewhere.example'],
  '4': ['ben@acme.example'],
  '5': ['outsider@elsewhere.example'],
};
const ownerEmails = (teamId: string) => owners[teamId] ?? [];
const team = (teamId: string, name: string) => ({ teamId, name, owner: false });

describe('who reviews a user', () => {
  const teamOwner: ReviewerRule = { kind: 'team_owner', fallbackPersonId: 'per_fallback' };
  const named: ReviewerRule = { kind: 'people', personIds: ['per_ana', 'per_cy', 'per_ben'] };
  const byConnection: ReviewerRule = {
    kind: 'connection',
    byConnection: { con_a: 'per_ben' },
    fallbackPersonId: 'per_fallback',
  };

  (
    [
      // rule, the user, index, expected reviewer, why
      [
        teamOwner,
        user({ email: 'x@acme.example', teams: [team('1', 'Design')] }),
        0,
        'per_ana',
        'the first owner of their team (emails compared without case)',
      ],
      [
        teamOwner,
        user({ email: 'ana@acme.example', teams: [team('1', 'Design')] }),
        0,
        'per_ben',
        'an owner never reviews themself: the next owner',
      ],
      [
        teamOwner,
        user({ email: 'x@acme.example', teams: [team('2', 'Ops')] }),
        0,
        'per_fallback',
        'a disabled owner does not review: the fallback',
      ],
      [
        teamOwner,
        user({ email: 'x@acme.example', teams: [team('3', 'Sales')] }),
        0,
        'per_fallback',
        'an owner who is not a person in Seatwise: the fallback',
      ],
      [teamOwner, user({ email: 'x@acme.example' }), 0, 'per_fallback', 'no team: the fallback'],
      [
        teamOwner,
        user({ email: 'x@acme.example', teams: [team('3', 'Sales'), team('1', 'Design')] }),
        0,
        'per_ana',
        'teams in name order until one has an owner in Seatwise',
      ],
      [
        teamOwner,
        user({ email: 'fallback@acme.example' }),
        0,
        null,
        'the fallback does not review themself either: nobody',
      ],
      [
        teamOwner,
        user({ email: 'x@acme.example', teams: [team('1', 'Design'), team('4', 'Alpha')] }),
        0,
        'per_ben',
        'two teams with owners: the first by name (Alpha before Design), whatever order monday lists them in',
      ],
      [
        teamOwner,
        user({ email: 'x@acme.example', teams: [team('1', 'Design'), team('5', 'Admin')] }),
        0,
        'per_ana',
        'the first team by name has no owner in Seatwise: the next team',
      ],
      [
        { kind: 'people', personIds: ['per_cy'] },
        user({ email: 'x@acme.example' }),
        3,
        null,
        'every named person unusable and no fallback: nobody',
      ],
      [named, user({ email: 'x@acme.example' }), 0, 'per_ana', 'the named people in turn: the first'],
      [named, user({ email: 'x@acme.example' }), 1, 'per_ben', 'in turn, past a disabled one'],
      [named, user({ email: 'x@acme.example' }), 2, 'per_ben', 'in turn: the third'],
      [named, user({ email: 'ben@acme.example' }), 2, 'per_ana', 'in turn, past themself'],
      [named, user({ email: 'x@acme.example' }), 5, 'per_ben', 'in turn, round again'],
      [byConnection, user({ email: 'x@acme.example' }), 0, 'per_ben', "the connection's reviewer"],
      [
        byConnection,
        user({ email: 'ben@acme.example' }),
        0,
        'per_fallback',
        "the connection's reviewer is the user: the fallback",
      ],
      [
        byConnection,
        user({ email: 'x@acme.example', connectionId: 'con_b' }),
        0,
        'per_fallback',
        'a connection without a reviewer: the fallback',
      ],
    ] as [ReviewerRule, ScopedUser, number, string | null, string][]
  )
    .map(([rule, who, index, expected, why]) => ({ rule, who, index, expected, why }))
    .forEach(({ rule, who, index, expected, why }) => {
      it(`${rule.kind}: ${why}`, () => {
        expect(reviewerFor(rule, who, index, people, ownerEmails)).toBe(expected);
      });
    });

  it('never names the reviewed user, a disabled person or someone outside Seatwise, whatever the rule', () => {
    const rules: ReviewerRule[] = [teamOwner, named, byConnection];
    const everyone = [...people.values()].map((p) => p.email).concat('outsider@elsewhere.example');
    for (const rule of rules)
      for (const email of everyone)
        for (const teams of [[], [team('1', 'Design')], [team('2', 'Ops')], [team('3', 'Sales')]])
          for (let index = 0; index < 4; index++) {
            const chosen = reviewerFor(rule, user({ email, teams }), index, people, ownerEmails);
            if (chosen === null) continue;
            const person = people.get(chosen)!;
            expect(person.email).not.toBe(email);
            expect(person.disabled).toBe(false);
          }
  });
});

describe("a campaign's scope", () => {
  const population: ScopedUser[] = [
    user({
      email: 'member.recent@a.example',
      license: 'member',
      lastActivityAt: daysAgo(2),
      teams: [team('1', 'Design')],
    }),
    user({ email: 'member.old@a.example', license: 'member', lastActivityAt: daysAgo(200) }),
    user({
      email: 'member.never@a.example',
      license: 'member',
      lastActivityAt: null,
      teams: [team('2', 'Ops')],
    }),
    user({ email: 'viewer@a.example', role: 'viewer', license: 'viewer', lastActivityAt: daysAgo(95) }),
    user({
      email: 'guest@b.example',
      role: 'guest',
      license: 'guest',
      lastActivityAt: daysAgo(10),
      teams: [team('2', 'Ops')],
    }),
    user({ email: 'guest.old@b.example', role: 'guest', license: 'guest', lastActivityAt: daysAgo(400) }),
    user({
      email: 'admin@a.example',
      role: 'admin',
      license: 'member',
      lastActivityAt: daysAgo(91),
      teams: [team('1', 'Design'), team('2', 'Ops')],
    }),
    user({ email: 'gone@a.example', status: 'deactivated', license: null, lastActivityAt: daysAgo(30) }),
  ];
  const emails = (scope: Omit<ReviewScope, 'connectionIds'>) =>
    population.filter((u) => inScope(u, { connectionIds: ['con_a'], ...scope }, NOW)).map((u) => u.email);

  it.each([
    [{}, population.map((u) => u.email)],
    [{ licenses: ['viewer', 'guest'] }, ['viewer@a.example', 'guest@b.example', 'guest.old@b.example']],
    [
      { licenses: ['member'] },
      ['member.recent@a.example', 'member.old@a.example', 'member.never@a.example', 'admin@a.example'],
    ],
    [{ guestsOnly: true }, ['guest@b.example', 'guest.old@b.example']],
    [{ adminsOnly: true }, ['admin@a.example']],
    [{ teamIds: ['2'] }, ['member.never@a.example', 'guest@b.example', 'admin@a.example']],
    [
      { teamIds: ['1', '2'] },
      ['member.recent@a.example', 'member.never@a.example', 'guest@b.example', 'admin@a.example'],
    ],
    [{ teamIds: ['99'] }, []],
    // More than 90 days without activity, never active included; 90 days exactly is not more.
    [
      { inactiveDays: 90 },
      [
        'member.old@a.example',
        'member.never@a.example',
        'viewer@a.example',
        'guest.old@b.example',
        'admin@a.example',
      ],
    ],
    [{ inactiveDays: 90, guestsOnly: true }, ['guest.old@b.example']],
    [{ statuses: ['deactivated'] }, ['gone@a.example']],
    [
      { roles: ['member'], statuses: ['active'], inactiveDays: 30 },
      ['member.old@a.example', 'member.never@a.example'],
    ],
  ] as [Omit<ReviewScope, 'connectionIds'>, string[]][])('%o', (scope, expected) => {
    expect(emails(scope)).toEqual(expected);
  });

  it('counts the boundary: active 90 days ago to the minute is not inactive for more than 90 days', () => {
    expect(
      inScope(
        user({ email: 'edge@a.example', lastActivityAt: daysAgo(90) }),
        { connectionIds: ['con_a'], inactiveDays: 90 },
        NOW,
      ),
    ).toBe(false);
    expect(
      inScope(
        user({ email: 'edge@a.example', lastActivityAt: daysAgo(90.001) }),
        { connectionIds: ['con_a'], inactiveDays: 90 },
        NOW,
      ),
    ).toBe(true);
  });
});
