import type { Insertable } from 'kysely';
import { AppError } from '../domain/appError.ts';
import { newId } from '../domain/ids.ts';
import { invitationMethodLabel } from '../domain/invitationMethods.ts';
import {
  type CampaignConfig,
  inScope,
  type ReviewerCandidate,
  recommendationsFor,
  reviewerFor,
  type ScopedUser,
} from '../domain/reviews.ts';
import type { ItemSnapshot } from '../domain/reviewViews.ts';
import type { Store } from '../store/database.ts';
import { DirectoryRepo } from '../store/directoryRepo.ts';
import type { ReviewItemsTable } from '../store/schema.ts';
import { TeamsRepo } from '../store/teamsRepo.ts';
import type { ConnectionsService } from './connections.ts';

export type { ItemSnapshot } from '../domain/reviewViews.ts';

/** A paid seat is a member license (admins included). */
function paid(license: string | null): boolean {
  return license === 'member';
}

/**
 * Reads every user of the connections in scope from the synced copy, keeps those in scope, and builds the
 * campaign's items: snapshot, recommendations and reviewer. Refuses, naming them, users nobody can review.
 */
export async function buildItems(
  store: Store,
  connections: ConnectionsService,
  people: ReadonlyMap<string, ReviewerCandidate>,
  orgDomains: readonly string[],
  config: CampaignConfig,
  campaignId: string,
  now: Date,
): Promise<Insertable<ReviewItemsTable>[]> {
  const directory = new DirectoryRepo(store.db, store.dialect);
  const teams = new TeamsRepo(store.db);
  const leavers = new Set(config.leavers);
  const items: Insertable<ReviewItemsTable>[] = [];
  const unreviewable: string[] = [];
  const at = now.toISOString();
  for (const connectionId of config.scope.connectionIds) {
    const connection = await connections.get(connectionId);
    if (!connection.lastSyncedAt)
      throw new AppError(
        'precondition',
        'connection_not_synced',
        `connection ${connectionId} (${connection.accountName}) has not been synced yet: sync it before reviewing its users`,
      );
    const owners = await teams.ownerEmails(connectionId);
    const inactiveDays = config.inactiveDays ?? connection.inactiveDays;
    for await (const rows of directory.stream({ connectionId }, { sort: 'email', direction: 'asc' })) {
      const teamsOf = await teams.teamsOfUsers(
        connectionId,
        rows.map((r) => r.remote_id),
      );
      for (const row of rows) {
        const user: ScopedUser = {
          connectionId,
          userId: row.remote_id,
          email: row.email,
          name: row.name,
          role: row.role,
          status: row.status,
          license: row.license,
          lastActivityAt: row.last_activity_at,
          scimLinked: Number(row.scim_linked) === 1,
          invitationMethod: row.invitation_method,
          teams: (teamsOf.get(row.remote_id) ?? []).map((t) => ({
            teamId: t.teamId,
            name: t.name,
            owner: t.owner,
          })),
        };
        if (!inScope(user, config.scope, now)) continue;
        const reviewerId = reviewerFor(
          config.reviewers,
          user,
          items.length,
          people,
          (teamId) => owners.get(teamId) ?? [],
        );
        if (!reviewerId) {
          unreviewable.push(`${user.email} (${connection.accountName})`);
          continue;
        }
        const snapshot: ItemSnapshot = {
          role: user.role,
          status: user.status,
          license: user.license,
          teams: user.teams.map((t) => t.name),
          ownedTeams: user.teams.filter((t) => t.owner).map((t) => t.name),
          lastActivityAt: user.lastActivityAt,
          provisioned: user.scimLinked
            ? 'by SCIM (identity provider)'
            : user.invitationMethod
              ? (invitationMethodLabel[user.invitationMethod] ?? user.invitationMethod.toLowerCase())
              : 'unknown',
          seatCost:
            paid(user.license) && connection.seatPrice !== null
              ? { monthly: connection.seatPrice, currency: connection.currency }
              : null,
          at,
        };
        items.push({
          id: newId('rvi'),
          campaign_id: campaignId,
          seq: items.length,
          connection_id: connectionId,
          account_name: connection.accountName,
          remote_user_id: user.userId,
          email: user.email,
          name: user.name,
          snapshot: JSON.stringify(snapshot),
          recommendations: JSON.stringify(
            recommendationsFor(user, { now, inactiveDays, orgDomains, leavers }),
          ),
          reviewer_id: reviewerId,
          decision: null,
          decision_role: null,
          comment: null,
          decided_by: null,
          decided_at: null,
          submitted_at: null,
          status: 'open',
          attempts: 0,
          holder: null,
          lease_until: null,
          result: null,
          after: null,
          after_at: null,
          audit_ids: '[]',
          updated_at: at,
        });
      }
    }
  }
  if (unreviewable.length > 0)
    throw new AppError(
      'invalid_input',
      'no_reviewer',
      `nobody can review ${unreviewable.length} user(s) under these reviewer rules (nobody reviews their own access; give a fallback reviewer): ${unreviewable.slice(0, 10).join(', ')}${unreviewable.length > 10 ? ', …' : ''}`,
      { users: unreviewable.slice(0, 100) },
    );
  return items;
}
