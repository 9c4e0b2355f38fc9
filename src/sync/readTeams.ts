import type { MondayApi } from '../monday/mondayApi.ts';
import type { ScimClient } from '../monday/scimClient.ts';
import { type StoredTeams, scimManagedTeams, type TeamsEvidence, unconfirmedMembers } from './teamsDiff.ts';

/**
 * Reads the account's teams in full, with the evidence a sync needs before it ends anything: monday asked
 * again by id about each stored team missing from the list, and about each user whose stored membership was
 * not read. SCIM Groups say which teams an identity provider manages; if SCIM cannot be read, that stays as
 * the copy had it (it is not a reason to fail the sync).
 */
export async function readTeams(
  api: MondayApi,
  scim: ScimClient | null,
  stored: StoredTeams,
  removedUsers: readonly string[],
): Promise<Omit<TeamsEvidence, 'writtenByActions'>> {
  const teams = await api.teams();
  const read = new Set(teams.map((t) => t.id));
  const missing = [...stored.teams]
    .filter(([id, t]) => t.removed_at === null && !read.has(id))
    .map(([id]) => id);
  const stillThere = missing.length > 0 ? await api.existingTeams(missing) : new Set<string>();
  const removed = new Set(removedUsers);
  const ask = unconfirmedMembers(stored, teams).filter((u) => !removed.has(u));
  const userTeams = ask.length > 0 ? await api.userTeams(ask) : new Map<string, string[]>();
  let scimManaged: Map<string, boolean> | null = null;
  if (scim) {
    try {
      scimManaged = scimManagedTeams(await scim.groups(), teams);
    } catch {
      scimManaged = null;
    }
  }
  return { teams, stillThere, scimManaged, userTeams, removedUsers: removed };
}
