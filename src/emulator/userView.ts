import type { EmuAccount, EmuUser } from './model.ts';
import { activeMembersCount } from './model.ts';
import { TeamView } from './teamView.ts';

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
  /** Every team the user is in, whatever the user's status: a deactivated user keeps their teams. */
  teams(args: { ids?: string[] | null }) {
    const wanted = args.ids ? new Set(args.ids.map(String)) : null;
    return this.acct.teams
      .filter((t) => this.user.teamIds.includes(t.id) && (!wanted || wanted.has(t.id)))
      .map((t) => new TeamView(t, this.acct));
  }
  // Fields monday serves that the emulator does not model answer realistic values or null, so any client
  // asking for them gets an answer rather than an error.
  activity_logs() {
    return { logs: [], cursor: null };
  }
  get department() {
    return null;
  }
  get account_products() {
    return new AccountView(this.acct).products;
  }
  get birthday() {
    return null;
  }
  get country_code() {
    return this.acct.countryCode;
  }
  get current_language() {
    return this.user.locale;
  }
  get custom_field_metas() {
    return [];
  }
  get custom_field_values() {
    return [];
  }
  get encrypt_api_token() {
    return null;
  }
  get location() {
    return null;
  }
  get mobile_phone() {
    return null;
  }
  get out_of_office() {
    return null;
  }
  get phone() {
    return null;
  }
  get photo_original() {
    return this.photo('original');
  }
  get photo_small() {
    return this.photo('small');
  }
  get photo_thumb() {
    return this.photo('thumb');
  }
  get photo_thumb_small() {
    return this.photo('thumb_small');
  }
  get photo_tiny() {
    return this.photo('tiny');
  }
  get photo_url() {
    const sizes = ['original', 'small', 'thumb', 'thumb_small', 'tiny'] as const;
    return Object.fromEntries(sizes.map((size) => [size, this.photo(size)]));
  }
  get sign_up_product_kind() {
    return 'core';
  }
  get utc_hours_diff() {
    return utcHoursDiff(this.user.timeZone);
  }
  get serial_number() {
    return null;
  }
  get bb_visitor_id() {
    return `bbv-${this.user.id}`;
  }
  get user_config() {
    const roleIds: Record<string, string> = { admin: '1', member: '2', guest: '3', view_only: '4' };
    return {
      kind: this.user.kind,
      role_id: roleIds[this.user.kind] ?? '5',
      visibility: [],
      behaviors: [],
      group: roleIds[this.user.kind] ? 'basic' : 'system',
    };
  }
  private photo(size: string) {
    return `https://files.monday.com/use1/photos/${this.user.id}/${size}/${this.user.id}-user_${size}.png`;
  }
}

/** The user's offset from UTC in hours now, as monday reports it. */
function utcHoursDiff(timeZone: string | null): number | null {
  if (!timeZone) return null;
  try {
    const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'shortOffset' })
      .formatToParts(new Date())
      .find((p) => p.type === 'timeZoneName')?.value;
    const match = /GMT([+-]\d+)(?::(\d+))?/.exec(name ?? '');
    if (!match) return 0;
    const hours = Number(match[1]);
    return hours + Math.sign(hours || 1) * (Number(match[2] ?? 0) / 60);
  } catch {
    return null;
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
  get created_at() {
    const first = this.account.users[0];
    return first ? first.createdAt.toISOString().slice(0, 10) : null;
  }
  get first_day_of_the_week() {
    return 'sunday';
  }
  get logo() {
    return null;
  }
  get show_timeline_weekends() {
    return true;
  }
  get sign_up_product_kind() {
    return 'core';
  }
}
