/**
 * What the audit log records about Seatwise itself, beside the actions on monday accounts: who signed in (or
 * was refused, and why), keys, people and settings.
 */
export const seatwiseEventNames = [
  'sign_in',
  'sign_out',
  'key_created',
  'key_revoked',
  'person_invited',
  'person_role_changed',
  'person_disabled',
  'person_enabled',
  'settings_changed',
  'connection_created',
  'connection_updated',
  'connection_deleted',
  'policy_created',
  'policy_deleted',
  'review_launched',
  'review_reassigned',
  'review_raise_approved',
  'review_raise_declined',
  'review_closed',
  'review_reminded',
] as const;
export type SeatwiseEventName = (typeof seatwiseEventNames)[number];

/** How an event came in: the identity provider, an API key sign-in, the HTTP API, or the CLI on the host. */
export type SeatwiseEventVia = 'oidc' | 'key' | 'api' | 'cli' | 'scheduler';
