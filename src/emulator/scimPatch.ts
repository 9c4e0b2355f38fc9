import type { EmuAccount, EmuKind, EmuStatus, EmuUser } from './model.ts';
import { SCIM_PATCH_SCHEMA, userTypeToKind } from './scimResource.ts';
import { accessChanged } from './workspace.ts';

/** The changes one PATCH asks for, validated before anything is applied. */
export interface ScimChanges {
  status?: EmuStatus;
  kind?: EmuKind;
  name?: string;
  givenName?: string;
  familyName?: string;
  title?: string;
  email?: string;
  externalId?: string;
  locale?: string;
  timezone?: string;
}

export type ParsedPatch =
  | { ok: true; changes: ScimChanges }
  | { ok: false; scimType: string; detail: string };

const bad = (scimType: string, detail: string): ParsedPatch => ({ ok: false, scimType, detail });

/**
 * Reads a PatchOp in both shapes IdPs send: Okta's `{op:"replace", value:{active:false}}` and Entra's
 * `{op:"Replace", path:"active", value:false}`; `op` is case-insensitive and booleans may come as strings.
 */
export function parsePatch(body: unknown): ParsedPatch {
  if (!body || typeof body !== 'object')
    return bad('invalidSyntax', 'The request body must be a PatchOp JSON object');
  const { schemas, Operations } = body as { schemas?: unknown; Operations?: unknown };
  if (!Array.isArray(schemas) || !schemas.includes(SCIM_PATCH_SCHEMA)) {
    return bad('invalidSyntax', `schemas must contain ${SCIM_PATCH_SCHEMA}`);
  }
  if (!Array.isArray(Operations) || Operations.length === 0) {
    return bad('invalidSyntax', 'Operations must be a non-empty array');
  }
  const changes: ScimChanges = {};
  for (const raw of Operations) {
    const operation = raw as { op?: unknown; path?: unknown; value?: unknown };
    const op = typeof operation.op === 'string' ? operation.op.toLowerCase() : '';
    if (op !== 'replace' && op !== 'add') {
      return bad('invalidSyntax', `Unsupported op '${String(operation.op)}': use replace or add`);
    }
    const entries: [string, unknown][] =
      typeof operation.path === 'string'
        ? [[operation.path, operation.value]]
        : operation.value && typeof operation.value === 'object'
          ? flatten(operation.value as Record<string, unknown>)
          : [];
    if (entries.length === 0) return bad('invalidSyntax', 'Each operation needs a path or a value object');
    for (const [path, value] of entries) {
      const error = applyPath(changes, path, value);
      if (error) return error;
    }
  }
  return { ok: true, changes };
}

function flatten(value: Record<string, unknown>): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'name' && inner && typeof inner === 'object') {
      for (const [sub, v] of Object.entries(inner)) out.push([`name.${sub}`, v]);
    } else out.push([key, inner]);
  }
  return out;
}

function applyPath(changes: ScimChanges, path: string, value: unknown): ParsedPatch | null {
  const stringValue = (): string | null => (typeof value === 'string' ? value : null);
  switch (path.toLowerCase()) {
    case 'active': {
      const active =
        typeof value === 'boolean'
          ? value
          : typeof value === 'string'
            ? { true: true, false: false }[value.toLowerCase()]
            : undefined;
      if (active === undefined)
        return bad('invalidValue', `active must be a boolean, got ${JSON.stringify(value)}`);
      changes.status = active ? 'ACTIVE' : 'INACTIVE';
      return null;
    }
    case 'usertype': {
      const kind = typeof value === 'string' ? userTypeToKind[value.toLowerCase()] : undefined;
      if (!kind) {
        return bad(
          'invalidValue',
          `userType must be one of admin, member, viewer, guest; got ${JSON.stringify(value)}`,
        );
      }
      changes.kind = kind;
      return null;
    }
    case 'displayname':
    case 'title':
    case 'username':
    case 'externalid':
    case 'locale':
    case 'timezone':
    case 'name.givenname':
    case 'name.familyname': {
      const text = stringValue();
      if (text === null) return bad('invalidValue', `${path} must be a string`);
      const key = (
        {
          displayname: 'name',
          title: 'title',
          username: 'email',
          externalid: 'externalId',
          locale: 'locale',
          timezone: 'timezone',
          'name.givenname': 'givenName',
          'name.familyname': 'familyName',
        } as const
      )[path.toLowerCase() as 'title'];
      changes[key] = text;
      return null;
    }
    default:
      return bad('invalidPath', `Attribute '${path}' cannot be changed`);
  }
}

/** Applies validated changes to a user; the caller has checked uniqueness and who may be changed. */
export function applyChanges(account: EmuAccount, user: EmuUser, changes: ScimChanges, now: Date): void {
  const before = { kind: user.kind, status: user.status };
  if (changes.status && changes.status !== user.status) {
    user.status = changes.status;
    if (changes.status === 'ACTIVE' && !user.becameActiveAt) user.becameActiveAt = now;
  }
  if (changes.kind) user.kind = changes.kind;
  if (changes.name !== undefined) user.name = changes.name;
  if (changes.givenName !== undefined || changes.familyName !== undefined) {
    const [given, ...rest] = user.name.split(' ');
    user.name = `${changes.givenName ?? given ?? ''} ${changes.familyName ?? rest.join(' ')}`.trim();
  }
  if (changes.title !== undefined) user.title = changes.title;
  if (changes.email !== undefined) user.email = changes.email.toLowerCase();
  if (changes.externalId !== undefined) user.externalId = changes.externalId;
  if (changes.locale !== undefined) user.locale = changes.locale;
  if (changes.timezone !== undefined) user.timeZone = changes.timezone;
  user.updatedAt = now;
  accessChanged(account, user, before, now);
}
