/** How long ago an ISO time was, in words. */
export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
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
