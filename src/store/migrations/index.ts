import type { MigrationProvider } from 'kysely';
import { migration001 } from './001_initial.ts';
import { migration002 } from './002_actions_and_audit.ts';
import { migration003 } from './003_api_keys_and_sessions.ts';
import { migration004 } from './004_leases_and_attempts.ts';
import { migration005 } from './005_streamed_sync_and_read_indexes.ts';
import { migration006 } from './006_policies_insights_webhooks.ts';
import { migration007 } from './007_jobs_and_schedules.ts';
import { migration008 } from './008_shared_monday_budgets.ts';
import { migration009 } from './009_offboardings.ts';
import { migration010 } from './010_removal_holds.ts';
import { migration011 } from './011_teams.ts';
import { migration012 } from './012_people.ts';
import { migration013 } from './013_sign_in.ts';
import { migration014 } from './014_access_reviews.ts';
import { migration015 } from './015_leaner_change_events.ts';
import { migration016 } from './016_review_approvals.ts';
import { migration017 } from './017_api_calendar_usage_service_users.ts';
import { migration018 } from './018_review_overrides_change_authors.ts';
import type { Dialect } from './dialect.ts';

/** Numbered migrations, one file each, applied in order on start. Never edit a released one; add the next number. */
export function migrationsFor(dialect: Dialect): MigrationProvider {
  const migrations = {
    '001_initial': migration001(dialect),
    '002_actions_and_audit': migration002(dialect),
    '003_api_keys_and_sessions': migration003(dialect),
    '004_leases_and_attempts': migration004(dialect),
    '005_streamed_sync_and_read_indexes': migration005(dialect),
    '006_policies_insights_webhooks': migration006(dialect),
    '007_jobs_and_schedules': migration007(dialect),
    '008_shared_monday_budgets': migration008(dialect),
    '009_offboardings': migration009(dialect),
    '010_removal_holds': migration010(dialect),
    '011_teams': migration011(dialect),
    '012_people': migration012(dialect),
    '013_sign_in': migration013(dialect),
    '014_access_reviews': migration014(dialect),
    '015_leaner_change_events': migration015(dialect),
    '016_review_approvals': migration016(dialect),
    '017_api_calendar_usage_service_users': migration017(dialect),
    '018_review_overrides_change_authors': migration018(dialect),
  };
  return { getMigrations: async () => migrations };
}
