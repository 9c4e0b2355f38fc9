import type { Requirement } from '../domain/capabilities.ts';

export const actionNames = [
  'create',
  'deactivate',
  'invite',
  'set_role',
  'reactivate',
  'add_to_team',
  'remove_from_team',
] as const;
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
  {
    id: 'add_to_team:graphql',
    action: 'add_to_team',
    via: 'graphql',
    label: 'Add to team',
    operation: 'add_users_to_team',
    requirements: [act, { kind: 'adminToken' }],
  },
  {
    id: 'add_to_team:scim',
    action: 'add_to_team',
    via: 'scim',
    label: 'Add to team (SCIM)',
    operation: 'SCIM PATCH /Groups/{id} add members',
    requirements: [act, { kind: 'enterprise' }, { kind: 'scimToken' }],
  },
  {
    id: 'remove_from_team:graphql',
    action: 'remove_from_team',
    via: 'graphql',
    label: 'Remove from team',
    operation: 'remove_users_from_team',
    requirements: [act, { kind: 'adminToken' }],
  },
  {
    id: 'remove_from_team:scim',
    action: 'remove_from_team',
    via: 'scim',
    label: 'Remove from team (SCIM)',
    operation: 'SCIM PATCH /Groups/{id} remove members',
    requirements: [act, { kind: 'enterprise' }, { kind: 'scimToken' }],
  },
];

export function definitionFor(action: ActionName, via: Channel): ActionDefinition | undefined {
  return actionDefinitions.find((d) => d.action === action && d.via === via);
}
