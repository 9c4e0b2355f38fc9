import type { EmuAccount, EmuUser } from './model.ts';
import { activeMembersCount } from './model.ts';

/** monday's ISO8601DateTime renders without milliseconds. */
export function isoSeconds(date: Date | null): string | null {
  return date ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
}

/** Presents an emulator user with monday's GraphQL field names (graphql-js reads these getters). */
export class UserView {
  constructor(
    private readonly user: EmuUser,
    private readonly acct: EmuAccount,
  ) {}

  get id() {
    return this.user.id;
  }
  get account_id() {
    return this.acct.id;
  }
  account() {
    return new AccountView(this.acct);
  }
  get name() {
    return this.user.name;
  }
  get email() {
    return this.user.email;
  }
  get title() {
    return this.user.title;
  }
  get url() {
    return `https://${this.acct.slug}.monday.com/users/${this.user.id}`;
  }
  get created_at() {
    return isoSeconds(this.user.createdAt);
  }
  get join_date() {
    return this.user.becameActiveAt ? this.user.becameActiveAt.toISOString().slice(0, 10) : null;
  }
  get last_activity() {
    return isoSeconds(this.user.lastActivity);
  }
  get enabled() {
    return this.user.status !== 'INACTIVE';
  }
  get is_admin() {
    return this.user.kind === 'admin';
  }
  get is_guest() {
    return this.user.kind === 'guest';
  }
  get is_view_only() {
    return this.user.kind === 'view_only';
  }
  get is_pending() {
    return this.user.status === 'PENDING';
  }
  get is_verified() {
    return this.user.isEmailConfirmed;
  }
  get kind() {
    return this.user.kind;
  }
  get status() {
    return this.user.status;
  }
  get invitation_method() {
    return this.user.invitationMethod;
  }
  get is_email_confirmed() {
    return this.user.isEmailConfirmed;
  }
  get is_deleted() {
    return false;
  }
  get became_active_at() {
    return isoSeconds(this.user.becameActiveAt);
  }
  get time_zone_identifier() {
    return this.user.timeZone;
  }
  teams(args: { ids?: string[] | null }) {
    const wanted = args.ids ? new Set(args.ids.map(String)) : null;
    return this.acct.teams
      .filter((t) => this.user.teamIds.includes(t.id) && (!wanted || wanted.has(t.id)))
      .map((t) => ({ id: t.id, name: t.name, is_guest: t.isGuest, picture_url: null }));
  }
}

/** Presents an emulator account with monday's GraphQL field names. */
export class AccountView {
  constructor(private readonly account: EmuAccount) {}

  get id() {
    return this.account.id;
  }
  get name() {
    return this.account.name;
  }
  get slug() {
    return this.account.slug;
  }
  get tier() {
    return this.account.tier;
  }
  get plan() {
    const a = this.account;
    return { max_users: a.maxUsers, period: a.period, tier: a.tier, version: a.planVersion };
  }
  get products() {
    return this.account.products.map((p) => ({
      id: p.id,
      kind: p.kind,
      tier: p.tier,
      default_workspace_id: p.defaultWorkspaceId,
    }));
  }
  get active_members_count() {
    return activeMembersCount(this.account);
  }
  get is_during_trial() {
    return false;
  }
  get is_trial_expired() {
    return false;
  }
  get country_code() {
    return this.account.countryCode;
  }
}
