import type { SchemaVersion } from './schemaSdl.ts';

/** monday's live API versions as its versioning page lists them: maintenance, current, release candidate. */
const knownVersions = [
  { value: '2026-04', kind: 'maintenance' },
  { value: '2026-07', kind: 'current' },
  { value: '2026-10', kind: 'release_candidate' },
] as const;

/** The current version, served when no header is sent; it has both the legacy booleans and kind/status. */
export const DEFAULT_API_VERSION = '2026-07';

export interface ResolvedVersion {
  value: string;
  kind: string;
  schema: SchemaVersion;
}

export type VersionResult = { ok: true; version: ResolvedVersion } | { ok: false; message: string };

/**
 * Resolves an `API-Version` header as monday does: absent → default; malformed → error; a deprecated version →
 * the oldest maintained one; a well-formed unknown future version → the default.
 */
export function resolveApiVersion(header: string | undefined): VersionResult {
  const requested = header?.trim();
  if (!requested) return { ok: true, version: describe(DEFAULT_API_VERSION) };
  const match = /^(\d{4})-(\d{2})$/.exec(requested);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 12) {
    return {
      ok: false,
      message: `Invalid API version: '${requested}'. The version must be in the format YYYY-MM, for example 2026-07`,
    };
  }
  const oldest = knownVersions[0].value;
  if (requested < oldest) return { ok: true, version: describe(oldest) };
  if (!knownVersions.some((v) => v.value === requested))
    return { ok: true, version: describe(DEFAULT_API_VERSION) };
  return { ok: true, version: describe(requested) };
}

function describe(value: string): ResolvedVersion {
  const known = knownVersions.find((v) => v.value === value);
  return { value, kind: known?.kind ?? 'current', schema: value >= '2026-10' ? '2026-10' : '2026-07' };
}

export function listVersions(): { value: string; kind: string; display_name: string }[] {
  return knownVersions.map((v) => ({ value: v.value, kind: v.kind, display_name: v.value }));
}
