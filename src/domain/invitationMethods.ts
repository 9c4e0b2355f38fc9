/** How monday says a user came into the account (`invitation_method`), in words. */
export const invitationMethodLabel: Record<string, string> = {
  USER: 'invited by a person',
  SCIM: 'by SCIM (identity provider)',
  SSO: 'by single sign-on',
  AUTH_DOMAIN: 'signed up from an allowed email domain',
  FIRST_USER: 'created the account',
  CONSOLIDATION: 'moved in from a merged account',
  INTERNAL_CREATION: 'created by monday',
  UNKNOWN: 'unknown',
  SERVICE_PORTAL_AUTH_DOMAIN: 'service portal (allowed domain)',
  SERVICE_PORTAL_USER_INVITATION: 'invited to the service portal',
  API_USER_CREATION: 'created through the API',
  AGENT_USER_CREATION: 'created as an agent',
  SYSTEM_CREATION: 'created by the system',
};
