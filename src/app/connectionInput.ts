import { z } from 'zod';
import { scheduleProblem } from '../domain/syncSchedule.ts';

/** `current` follows monday's calendar (no `API-Version` header); a `YYYY-MM` pins that version. */
const apiVersion = z.union([
  z.literal('current'),
  z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be "current" or a version such as 2026-10')
    .refine((v) => v >= '2026-07', 'must be 2026-07 or later (older versions lack user kind and status)'),
]);

function isHttpUrl(v: string): boolean {
  try {
    return /^https?:$/.test(new URL(v).protocol);
  } catch {
    return false;
  }
}

/** An http(s) address; the example in the message is the kind of address the field takes. */
const httpUrl = (example: string) =>
  z.string().refine(isHttpUrl, `is not an http(s) address such as ${example}`);
const accountUrl = httpUrl('https://yourcompany.monday.com');
const apiUrl = httpUrl('https://api.monday.com/v2');
const scimUrl = httpUrl('https://yourcompany.monday.com/scim/v2');
const webhookUrl = httpUrl('https://hooks.example.com/seatwise');

// A token travels in an HTTP header, which cannot carry control characters.
const token = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(4096, 'is too long')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces, as monday issues tokens');

/** What `connect` takes (CLI flags and the HTTP body alike). */
export const newConnectionSchema = z.object({
  token,
  accountUrl: accountUrl.optional(),
  scimToken: token.optional(),
  permission: z.enum(['read', 'read_and_act']).default('read'),
  apiVersion: apiVersion.default('current'),
  apiUrl: apiUrl.optional(),
  scimUrl: scimUrl.optional(),
});
export type NewConnectionInput = z.input<typeof newConnectionSchema>;

/** What may change on an existing connection; `scimToken: null` removes the SCIM token. */
export const connectionUpdateSchema = z
  .object({
    token: token.optional(),
    scimToken: token.nullable().optional(),
    permission: z.enum(['read', 'read_and_act']).optional(),
    apiVersion: apiVersion.optional(),
    apiUrl: apiUrl.optional(),
    scimUrl: scimUrl.optional(),
    accountUrl: accountUrl.nullable().optional(),
    /** No activity for this many days makes a paid seat inactive. */
    inactiveDays: z.number().int().min(1).max(3650).optional(),
    /** What a paid seat costs a month (null: unknown), and the currency (ISO 4217, e.g. USD). */
    seatPrice: z.number().min(0).max(1_000_000).nullable().optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be a three-letter currency code such as USD')
      .optional(),
    /** Where notifications go (proposals, failed syncs, a token that stopped working); null removes it. */
    webhookUrl: webhookUrl.nullable().optional(),
    /** Offboarding may deactivate users SCIM did not provision with GraphQL deactivate_users (off by default). */
    graphqlOffboarding: z.boolean().optional(),
    /** A sync that would remove more than this percent of the stored users… */
    removalHoldPercent: z.number().int().min(0).max(100).optional(),
    /** …and more than this many people holds its removals until an admin confirms. */
    removalHoldMin: z.number().int().min(0).max(1_000_000).optional(),
    /** When it syncs by itself: a cron expression (UTC), or `off`. */
    syncSchedule: z
      .string()
      .trim()
      .max(100)
      .superRefine((value, ctx) => {
        const problem = scheduleProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
  })
  .strict()
  .refine(
    (v) => Object.values(v).some((x) => x !== undefined),
    'nothing to update: give a token, SCIM token, permission, API version, API URL, SCIM URL, account URL, inactive days, seat price, currency, webhook URL, sync schedule, GraphQL offboarding or removal hold',
  );
export type ConnectionUpdateInput = z.input<typeof connectionUpdateSchema>;
