import { describe, expect, it } from 'vitest';
import { billedGuests, licenseFor } from '../src/domain/licenseRules.ts';
import { mapUserAccess } from '../src/domain/userMapping.ts';

describe('user mapping: role, status, license and why', () => {
  it('uses kind and status when monday sends them (2026-07 and 2026-10)', () => {
    expect(mapUserAccess({ kind: 'member', status: 'ACTIVE' })).toEqual({
      role: 'member',
      kind: 'member',
      status: 'active',
      license: 'member',
      scimLinked: false,
      explanation: 'member seat: kind=member, status=active',
    });
    expect(mapUserAccess({ kind: 'view_only', status: 'ACTIVE' })).toMatchObject({
      role: 'viewer',
      license: 'viewer',
      explanation: 'viewer license: kind=view_only, status=active',
    });
    expect(mapUserAccess({ kind: 'guest', status: 'ACTIVE' })).toMatchObject({
      role: 'guest',
      license: 'guest',
    });
    expect(mapUserAccess({ kind: 'admin', status: 'ACTIVE', invitation_method: 'SCIM' })).toMatchObject({
      role: 'admin',
      license: 'member',
      scimLinked: true,
    });
  });

  it('gives pending and deactivated users no license', () => {
    expect(mapUserAccess({ kind: 'member', status: 'PENDING' })).toMatchObject({
      status: 'pending',
      license: null,
      explanation: 'no license (invitation not accepted): kind=member, status=pending',
    });
    expect(mapUserAccess({ kind: 'admin', status: 'INACTIVE' })).toMatchObject({
      status: 'deactivated',
      license: null,
      explanation: 'no license (deactivated): kind=admin, status=deactivated',
    });
  });

  it('falls back to the legacy booleans, admin before guest before viewer', () => {
    expect(mapUserAccess({ is_admin: true, is_guest: true, enabled: true })).toMatchObject({
      role: 'admin',
      explanation: 'member seat: is_admin, enabled',
    });
    expect(mapUserAccess({ is_guest: true, is_view_only: true, enabled: true })).toMatchObject({
      role: 'guest',
      license: 'guest',
    });
    expect(mapUserAccess({ is_view_only: true, enabled: true })).toMatchObject({
      role: 'viewer',
      license: 'viewer',
    });
    expect(mapUserAccess({ enabled: true })).toMatchObject({ role: 'member', license: 'member' });
    expect(mapUserAccess({ enabled: false, is_pending: false })).toMatchObject({
      status: 'deactivated',
      license: null,
      explanation: 'no license (deactivated): no admin/guest/viewer flag, enabled=false',
    });
    expect(mapUserAccess({ enabled: true, is_pending: true })).toMatchObject({ status: 'pending' });
  });

  it('prefers kind/status over contradicting legacy booleans', () => {
    expect(
      mapUserAccess({ kind: 'view_only', status: 'INACTIVE', is_admin: true, enabled: true }),
    ).toMatchObject({ role: 'viewer', status: 'deactivated' });
  });

  it("keeps monday's kind, and gives a user that is not a person no seat, saying why", () => {
    for (const kind of [
      'service_user',
      'agent_member',
      'portal',
      'personal_agent_member',
      'external_agent_member',
    ]) {
      expect(mapUserAccess({ kind, status: 'ACTIVE', is_admin: false, is_guest: false })).toEqual({
        role: 'other',
        kind,
        status: 'active',
        license: null,
        scimLinked: false,
        explanation: `no seat (not a person): kind=${kind}: not a person, status=active`,
      });
    }
    // A kind Seatwise does not know is held apart as unclassified: never a seat, never a person.
    expect(mapUserAccess({ kind: 'some_future_kind', status: 'ACTIVE', is_admin: false })).toEqual({
      role: 'other',
      kind: 'some_future_kind',
      status: 'active',
      license: null,
      scimLinked: false,
      explanation:
        'no seat (not a person): unclassified kind some_future_kind: held apart, not counted as a person, status=active',
    });
    expect(mapUserAccess({ kind: 'SERVICE_USER', status: 'ACTIVE' }).kind).toBe('service_user');
    // Without a kind (older API versions), the legacy booleans still decide.
    expect(mapUserAccess({ enabled: true, is_admin: false })).toMatchObject({ role: 'member', kind: null });
  });
});

describe('license rules', () => {
  it('assigns seats by role for active users', () => {
    expect(licenseFor('admin', 'active').license).toBe('member');
    expect(licenseFor('member', 'active').license).toBe('member');
    expect(licenseFor('viewer', 'active').license).toBe('viewer');
    expect(licenseFor('guest', 'active').license).toBe('guest');
  });

  it('bills guests only on Standard (every 4th) and below', () => {
    expect(billedGuests('enterprise', 40)).toBe(0);
    expect(billedGuests('pro', 40)).toBe(0);
    expect(billedGuests('standard', 3)).toBe(0);
    expect(billedGuests('standard', 4)).toBe(1);
    expect(billedGuests('standard', 9)).toBe(2);
  });
});

describe('why a user maps as they do, in words', () => {
  it.each([
    [
      { kind: 'VIEWER', status: 'pending' },
      'viewer',
      'pending',
      'no license (invitation not accepted): kind=viewer, status=pending',
    ],
    [
      { kind: 'agent_member', status: 'ACTIVE' },
      'other',
      'active',
      'no seat (not a person): kind=agent_member: not a person, status=active',
    ],
    [
      { kind: 'monday_api_user', status: 'ACTIVE' },
      'other',
      'active',
      'no seat (not a person): kind=monday_api_user: not a person, status=active',
    ],
    [
      { kind: 'x_agent_member', status: 'ACTIVE' },
      'other',
      'active',
      'no seat (not a person): unclassified kind x_agent_member: held apart, not counted as a person, status=active',
    ],
    [
      { kind: 'agent_member_x', status: 'ACTIVE' },
      'other',
      'active',
      'no seat (not a person): unclassified kind agent_member_x: held apart, not counted as a person, status=active',
    ],
    [
      { kind: '1_api_user', status: 'ACTIVE' },
      'other',
      'active',
      'no seat (not a person): unclassified kind 1_api_user: held apart, not counted as a person, status=active',
    ],
    [
      { kind: 'a_api_user', status: 'ACTIVE' },
      'other',
      'active',
      'no seat (not a person): kind=a_api_user: not a person, status=active',
    ],
    [{ is_admin: true, is_guest: true }, 'admin', 'active', 'member seat: is_admin, enabled'],
    [
      { is_guest: true, is_view_only: true, enabled: false },
      'guest',
      'deactivated',
      'no license (deactivated): is_guest, enabled=false',
    ],
    [
      { is_view_only: true, is_pending: true },
      'viewer',
      'pending',
      'no license (invitation not accepted): is_view_only, is_pending',
    ],
    [{}, 'member', 'active', 'member seat: no admin/guest/viewer flag, enabled'],
    [
      { kind: '', status: 'SOMETHING', enabled: false },
      'member',
      'deactivated',
      'no license (deactivated): no admin/guest/viewer flag, enabled=false',
    ],
    [{ kind: 'guest', status: 'active' }, 'guest', 'active', 'guest license: kind=guest, status=active'],
  ] as const)('%j is %s, %s: %s', (fields, role, status, explanation) => {
    expect(mapUserAccess(fields)).toMatchObject({ role, status, explanation });
  });
});
