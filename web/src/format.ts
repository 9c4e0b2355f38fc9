/** How long ago an ISO time was, in words. */
export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  // Whole days gone by, as the inactivity rules count them ("inactive for 144 days" is "144 days ago").
  const days = Math.floor(seconds / 86_400);
  return `${days} ${days === 1 ? 'day' : 'days'} ago`;
}

/** How long until an ISO time, in words. */
export function until(iso: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  if (seconds <= 60) return 'due now';
  if (seconds < 3600) return `in ${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `in ${Math.round(seconds / 3600)} h`;
  return `in ${Math.round(seconds / 86_400)} days`;
}

export function day(iso: string | null): string {
  return iso ? iso.slice(0, 10) : '—';
}

export function daysSince(iso: string | null, now = Date.now()): number | null {
  return iso ? Math.floor((now - Date.parse(iso)) / 86_400_000) : null;
}

export const roleLabel: Record<string, string> = {
  admin: 'Admin',
  member: 'Member',
  viewer: 'Viewer',
  guest: 'Guest',
  other: 'Not a person',
};

export const licenseLabel: Record<string, string> = {
  member: 'Member seat',
  viewer: 'Viewer',
  guest: 'Guest',
};

/** A moment as people read it, in their own time zone: `Dec 4, 2026, 6:17 PM`. */
export function when(iso: string | null): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** How long something took, in words: `850 ms`, `4.2 s`, `3 min 5 s`. */
export function took(fromIso: string, toIso: string | null): string {
  if (!toIso) return '—';
  const ms = Math.max(0, Date.parse(toIso) - Date.parse(fromIso));
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** `1 user`, `2 users`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

export { invitationMethodLabel } from '../../src/domain/invitationMethods.ts';
