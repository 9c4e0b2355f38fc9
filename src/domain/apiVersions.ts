/**
 * What Seatwise tells about a connection's monday API version: it either follows monday's current version or
 * pins one; monday serves a deprecated pin as its maintenance version without an error, so the version it
 * served (its `API-Version` response header) is what counts.
 */

export const FOLLOW_CURRENT = 'current';

export interface ListedVersion {
  kind: string;
  value: string;
}

export interface VersionNotice {
  /** `warning`: the pin is deprecated or served as another version; `info`: it is the maintenance version. */
  level: 'warning' | 'info';
  /** Since when Seatwise has seen it (a warning), or null. */
  since: string | null;
  message: string;
}

/** The notice for a pin, or null when there is nothing to say (following current, or pinned to current). */
export function versionNotice(input: {
  connectionId: string;
  setting: string;
  served: string | null;
  versions: ListedVersion[] | null;
  since: string | null;
}): VersionNotice | null {
  const { setting, served, versions } = input;
  if (setting === FOLLOW_CURRENT) return null;
  const current = versions?.find((v) => v.kind === 'current')?.value ?? null;
  const listed = versions?.find((v) => v.value === setting) ?? null;
  const remedy = `follow monday's current version (seatwise connections update ${input.connectionId} --api-version current)${current && current !== setting ? ` or pin ${current}` : ''}`;
  const sinceText = input.since ? ` since ${input.since.slice(0, 10)}` : '';
  if (served && served !== setting)
    return {
      level: 'warning',
      since: input.since,
      message: `monday serves API ${served} for this connection's pinned ${setting}${sinceText}: ${setting} is deprecated. Seatwise sends ${served}'s documents, so syncs and actions keep working; ${remedy}.`,
    };
  if (versions && (!listed || listed.kind === 'deprecated'))
    return {
      level: 'warning',
      since: input.since,
      message: `monday no longer lists API ${setting} as a live version${sinceText}: it is deprecated and will be served as the maintenance version; ${remedy}.`,
    };
  if (listed?.kind === 'maintenance')
    return {
      level: 'info',
      since: null,
      message: `API ${setting} is monday's maintenance version: it is deprecated when the next version becomes current; ${remedy}.`,
    };
  if (listed?.kind === 'release_candidate' || listed?.kind === 'dev')
    return {
      level: 'info',
      since: null,
      message: `API ${setting} is monday's ${listed.kind === 'dev' ? 'development' : 'release candidate'} version: it may change without notice; ${remedy}.`,
    };
  return null;
}

/** The version a connection's documents and requirements are judged by: the served one, else the setting. */
export function effectiveVersion(setting: string, served: string | null, newestKnown: string): string {
  return served ?? (setting === FOLLOW_CURRENT ? newestKnown : setting);
}

/**
 * Whether a scheduled sync should wait for tomorrow's calls: it goes ahead unless the day's remaining calls
 * cannot finish it and still leave a reserve for actions (an action is never refused for a scheduled sync).
 * The reason in words, or null.
 */
export function dailyLimitDeferral(usage: {
  limit: number | null;
  usedToday: number | null;
  syncCost: number | null;
}): string | null {
  if (usage.limit === null || usage.usedToday === null) return null;
  const left = Math.max(0, usage.limit - usage.usedToday);
  const reserve = Math.max(10, Math.ceil(usage.limit * 0.02));
  const cost = usage.syncCost ?? 0;
  if (left >= cost + reserve) return null;
  const needs = usage.syncCost === null ? '' : `, a sync needs ${cost}`;
  return `deferred: ${left} calls left today${needs} and ${reserve} are kept for actions; monday's daily limit resets 00:00 UTC`;
}
