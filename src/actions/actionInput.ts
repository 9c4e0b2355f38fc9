import { z } from 'zod';
import { roles } from '../domain/directory.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const products = [
  'work_management',
  'crm',
  'dev',
  'service',
  'whiteboard',
  'knowledge',
  'forms',
  'workflows',
] as const;

const email = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => EMAIL.test(v), { message: 'is not a well-formed email address' });

/** A user named by monday id or by email; both must exist in the synced data. */
export const targetSchema = z.union([
  z.object({ userId: z.string().regex(/^\d+$/, 'must be a monday user id (digits)') }),
  z.object({ email }),
]);
export type TargetRef = z.infer<typeof targetSchema>;

const targets = z
  .array(targetSchema)
  .min(1, 'name at least one user')
  .max(5000, 'at most 5000 users per request');
const common = {
  connectionId: z.string().min(1),
  dryRun: z.boolean().default(false),
  idempotencyKey: z.string().trim().min(1).max(200).optional(),
};

const teamId = z
  .string()
  .trim()
  .regex(/^\d{1,20}$/, 'must be a monday team id (digits)');
/** Without a channel, a team an identity provider manages goes through SCIM (where the connection has it). */
const teamVia = z.enum(['scim', 'graphql']).optional();

export const teamActions = ['add_to_team', 'remove_from_team'] as const;
export type TeamActionRequest = Extract<ActionRequest, { action: (typeof teamActions)[number] }>;
export function isTeamAction(request: { action: string }): request is TeamActionRequest {
  return (teamActions as readonly string[]).includes(request.action);
}

/** Every action request, validated the same way for the CLI and the HTTP API. */
export const actionRequestSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('create'),
    ...common,
    email,
    name: z.string().trim().min(1, 'must not be empty').max(200),
    role: z.enum(roles).default('member'),
  }),
  z.object({
    action: z.literal('deactivate'),
    ...common,
    targets,
    via: z.enum(['scim', 'graphql']).default('scim'),
  }),
  z.object({
    action: z.literal('invite'),
    ...common,
    emails: z.array(email).min(1, 'give at least one email').max(5000),
    role: z.enum(roles).default('member'),
    product: z.enum(products).optional(),
  }),
  z.object({ action: z.literal('set_role'), ...common, targets, role: z.enum(roles) }),
  z.object({ action: z.literal('reactivate'), ...common, targets }),
  z.object({ action: z.literal('add_to_team'), ...common, targets, teamId, via: teamVia }),
  z.object({ action: z.literal('remove_from_team'), ...common, targets, teamId, via: teamVia }),
]);
export type ActionRequestInput = z.input<typeof actionRequestSchema>;
export type ActionRequest = z.output<typeof actionRequestSchema>;

/** The channel an action goes through: create and default deactivate use SCIM, the rest GraphQL (also read from requests that failed validation, for the audit). */
export function channelOf(request: { action?: unknown; via?: unknown }): 'scim' | 'graphql' {
  if (request.action === 'create') return 'scim';
  if (request.action === 'deactivate') return request.via === 'graphql' ? 'graphql' : 'scim';
  if (request.action === 'add_to_team' || request.action === 'remove_from_team')
    return request.via === 'scim' ? 'scim' : 'graphql';
  return 'graphql';
}
