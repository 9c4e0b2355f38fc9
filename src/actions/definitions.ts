import type { Requirement } from '../domain/capabilities.ts';

export const actionNames = ['create', 'deactivate', 'invite', 'set_role', 'reactivate'] as const;
export type ActionName = (typeof actionNames)[number];
export type Channel = 'scim' | 'graphql';

/** One action as implemented: its channel and every precondition; capabilities are derived from this list. */
export interface ActionDefinition {
  /** Stable id, e.g. `deactivate:scim`. */
  id: string;
  action: ActionName;
  via: Channel;
  label: string;
  /** The monday operation it performs. */
  operation: string;
  requirements: readonly Requirement[];
}

const act: Requirement = { kind: 'permission' };

export const actionDefinitions: readonly ActionDefinition[] = [
  {
    id: 'create:scim',
    action: 'create',
    via: 'scim',
    label: 'Create user',
    operation: 'SCIM POST /Users',
    requirements: [act, { kind: 'enterprise' }, { kind: 'scimToken' }],
  },
  {
    id: 'deactivate:scim',
    action: 'deactivate',
    via: 'scim',
    label: 'Deactivate user (SCIM)',
    operation: 'SCIM PATCH /Users/{id} active=false',
    requirements: [act, { kind: 'enterprise' }, { kind: 'scimToken' }],
  },
  {
    id: 'deactivate:graphql',
    action: 'deactivate',
    via: 'graphql',
    label: 'Deactivate user (GraphQL)',
    operation: 'deactivate_users',
    requirements: [act, { kind: 'adminToken' }, { kind: 'apiVersion', min: '2025-01' }],
  },
  {
    id: 'invite:graphql',
    action: 'invite',
    via: 'graphql',
    label: 'Invite user',
    operation: 'invite_users',
    requirements: [act, { kind: 'apiVersion', min: '2025-04' }],
  },
  {
    id: 'set_role:graphql',
    action: 'set_role',
    via: 'graphql',
    label: 'Change role',
    operation: 'update_users_role',
    requirements: [act, { kind: 'adminToken' }, { kind: 'apiVersion', min: '2025-01' }],
  },
  {
    id: 'reactivate:graphql',
    action: 'reactivate',
    via: 'graphql',
    label: 'Reactivate user',
    operation: 'activate_users',
    requirements: [act, { kind: 'adminToken' }, { kind: 'apiVersion', min: '2025-01' }],
  },
];

export function definitionFor(action: ActionName, via: Channel): ActionDefinition | undefined {
  return actionDefinitions.find((d) => d.action === action && d.via === via);
}
