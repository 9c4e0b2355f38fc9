import type { SchemaVersion } from './schemaSdl.ts';

/**
 * monday's release calendar: each version's first day as release candidate and as current. At any instant the
 * newest version already current is `current`, the one before it `maintenance`, a version whose candidate
 * day has come `release_candidate`, and every older one deprecated (served as the maintenance version).
 */
const calendar = [
  { value: '2025-10', candidateFrom: '2025-07-01', currentFrom: '2025-10-01' },
  { value: '2026-01', candidateFrom: '2025-10-01', currentFrom: '2026-01-15' },
  { value: '2026-04', candidateFrom: '2026-01-15', currentFrom: '2026-04-01' },
  { value: '2026-07', candidateFrom: '2026-04-01', currentFrom: '2026-07-01' },
  { value: '2026-10', candidateFrom: '2026-07-01', currentFrom: '2026-10-01' },
  { value: '2027-01', candidateFrom: '2026-10-01', currentFrom: '2027-01-15' },
  { value: '2027-04', candidateFrom: '2027-01-15', currentFrom: '2027-04-01' },
] as const;

export type VersionKind = 'current' | 'maintenance' | 'release_candidate' | 'deprecated';

export interface ResolvedVersion {
  value: string;
  kind: VersionKind;
  schema: SchemaVersion;
}

export type VersionResult = { ok: true; version: ResolvedVersion } | { ok: false; message: string };

const day = (at: number) => new Date(at).toISOString().slice(0, 10);

/** Every calendar version's kind on the given instant (versions not yet a candidate are left out). */
export function versionKinds(at: number): { value: string; kind: VersionKind }[] {
  const today = day(at);
  const live = calendar.filter((v) => v.candidateFrom <= today);
  const currentIndex = live.reduce((found, v, i) => (v.currentFrom <= today ? i : found), -1);
  return live.map((v, i) => ({
    value: v.value,
    kind:
      i === currentIndex
        ? 'current'
        : i === currentIndex - 1
          ? 'maintenance'
          : i > currentIndex
            ? 'release_candidate'
            : 'deprecated',
  }));
}

/** The version served when no header is sent, on the given instant. */
export function currentVersion(at: number): string {
  return versionKinds(at).find((v) => v.kind === 'current')!.value;
}

/**
 * Resolves an `API-Version` header as monday does on the given instant: absent → current; malformed → error;
 * a deprecated or older well-formed version → the maintenance one; a well-formed version monday never had →
 * current.
 */
export function resolveApiVersion(header: string | undefined, at: number): VersionResult {
  const kinds = versionKinds(at);
  const current = kinds.find((v) => v.kind === 'current')!;
  const maintenance = kinds.find((v) => v.kind === 'maintenance') ?? current;
  const requested = header?.trim();
  if (!requested) return { ok: true, version: describe(current.value, 'current') };
  const match = /^(\d{4})-(\d{2})$/.exec(requested);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 12) {
    return {
      ok: false,
      message: `Invalid API version: '${requested}'. The version must be in the format YYYY-MM, for example ${current.value}`,
    };
  }
  const known = kinds.find((v) => v.value === requested);
  if (known && known.kind !== 'deprecated') return { ok: true, version: describe(known.value, known.kind) };
  if (known || requested < maintenance.value)
    return { ok: true, version: describe(maintenance.value, 'maintenance') };
  return { ok: true, version: describe(current.value, 'current') };
}

function describe(value: string, kind: VersionKind): ResolvedVersion {
  return { value, kind, schema: value >= '2026-10' ? '2026-10' : '2026-07' };
}

/** What `versions` answers: the versions monday serves now (deprecated ones are no longer listed). */
export function listVersions(at: number): { value: string; kind: string; display_name: string }[] {
  return versionKinds(at)
    .filter((v) => v.kind !== 'deprecated')
    .map((v) => ({ value: v.value, kind: v.kind, display_name: v.value }));
}
