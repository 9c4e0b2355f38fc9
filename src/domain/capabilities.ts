/** What Seatwise knows about a connection that decides what it may do. */
export interface ConnectionFacts {
  permission: 'read' | 'read_and_act';
  planTier: string | null;
  hasScimToken: boolean;
  /** monday `kind` of the API token's owner (admin, member, ...). */
  tokenOwnerKind: string | null;
  apiVersion: string;
  status: 'connected' | 'syncing' | 'error';
  /** The operator allowed offboarding to use GraphQL deactivate_users (users SCIM did not provision). */
  graphqlOffboarding?: boolean;
}

/** One precondition an action declares; the runner and the capabilities table both check these. */
export type Requirement =
  | { kind: 'permission' }
  | { kind: 'enterprise' }
  | { kind: 'scimToken' }
  | { kind: 'adminToken' }
  | { kind: 'graphqlOffboarding' }
  | { kind: 'apiVersion'; min: string };

/** Says, in words, why each unmet requirement blocks an action; empty when it may run. */
export function unmetRequirements(requirements: readonly Requirement[], facts: ConnectionFacts): string[] {
  const reasons: string[] = [];
  for (const requirement of requirements) {
    switch (requirement.kind) {
      case 'permission':
        if (facts.permission !== 'read_and_act') {
          reasons.push(
            'the connection\'s permission level is "read"; set it to "read_and_act" to run actions',
          );
        }
        break;
      case 'enterprise':
        if (!isEnterprise(facts)) {
          reasons.push(
            `SCIM is not available on this account's plan (${facts.planTier ?? 'unknown'}); monday offers it on Enterprise only`,
          );
        }
        break;
      case 'scimToken':
        // Below Enterprise a SCIM token would not help: the plan reason says it all.
        if (
          !facts.hasScimToken &&
          (isEnterprise(facts) || !requirements.some((r) => r.kind === 'enterprise'))
        )
          reasons.push('the connection has no SCIM token; add one to the connection');
        break;
      case 'adminToken':
        if (facts.tokenOwnerKind !== 'admin') {
          reasons.push(
            `the API token's owner is not an admin (${facts.tokenOwnerKind ?? 'unknown'}); monday allows this only to admins`,
          );
        }
        break;
      case 'graphqlOffboarding':
        if (!facts.graphqlOffboarding) {
          reasons.push(
            "GraphQL deactivation is not allowed for offboarding on this connection (it also stops the integrations and automations the user made); allow it in the connection's settings or with seatwise connections update ID --graphql-offboarding on",
          );
        }
        break;
      case 'apiVersion':
        if (facts.apiVersion < requirement.min) {
          reasons.push(
            `needs API version ${requirement.min} or later (the connection uses ${facts.apiVersion})`,
          );
        }
        break;
    }
  }
  return reasons;
}

function isEnterprise(facts: ConnectionFacts): boolean {
  return (facts.planTier ?? '').toLowerCase() === 'enterprise';
}

/** What a connection can read, and why not. Reading needs kind/status (2026-07+) and a working token. */
export function readCapabilities(
  facts: ConnectionFacts,
): { name: string; available: boolean; reason: string | null }[] {
  const broken = facts.status === 'error' ? 'the last sync failed; see the connection status' : null;
  const names = ['users', 'roles', 'statuses', 'licenses', 'last_activity', 'teams'];
  // monday lists service users to admins only.
  const serviceUsers =
    broken ??
    (facts.tokenOwnerKind === 'admin'
      ? null
      : `monday lists service users to admins only; the API token's owner is ${facts.tokenOwnerKind ?? 'of unknown kind'}`);
  return [
    ...names.map((name) => ({ name, available: broken === null, reason: broken })),
    { name: 'service_users', available: serviceUsers === null, reason: serviceUsers },
  ];
}
