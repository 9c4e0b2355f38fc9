import type { Kysely } from 'kysely';
import { AppError } from '../domain/appError.ts';
import { newId } from '../domain/ids.ts';
import { effectiveRole, type PersonView } from '../domain/people.ts';
import { isSeatwiseRole, type SeatwiseRole, seatwiseRoles } from '../domain/roles.ts';

export type { PersonView } from '../domain/people.ts';

import type { Store } from '../store/database.ts';
import type { Database, PeopleTable } from '../store/schema.ts';
import type { SeatwiseAudit } from './seatwiseAudit.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function toView(row: PeopleTable, defaultRole: SeatwiseRole | null): PersonView {
  const { role, source } = effectiveRole(row, defaultRole);
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role,
    roleSource: source,
    assignedRole: row.assigned_role,
    providerRole: row.provider_role,
    invitedBy: row.invited_by,
    createdAt: row.created_at,
    lastSignInAt: row.last_sign_in_at,
    disabled: row.disabled_at !== null,
  };
}

/**
 * The people of Seatwise: invited by an admin (or created on their first sign-in), given a role, disabled.
 * The last active admin can neither lose that role nor be disabled.
 */
export class PeopleService {
  private readonly db: Kysely<Database>;

  constructor(
    store: Store,
    private readonly now: () => Date = () => new Date(),
    /** The role of a person whom neither Seatwise nor the provider's groups give one (SSO's default). */
    private readonly defaultRole: SeatwiseRole | null = null,
    private readonly audit?: SeatwiseAudit,
  ) {
    this.db = store.db;
  }

  async list(): Promise<PersonView[]> {
    const rows = await this.db.selectFrom('people').selectAll().orderBy('email').execute();
    return rows.map((r) => toView(r, this.defaultRole));
  }

  async get(id: string): Promise<PersonView> {
    return toView(await this.row(id), this.defaultRole);
  }

  private async row(id: string, db: Kysely<Database> = this.db): Promise<PeopleTable> {
    const row = await db.selectFrom('people').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('not_found', 'person_not_found', `no person with id ${id}`);
    return row;
  }

  /** Invites someone by email with a role; they are created now and sign in later. */
  async invite(
    input: { email: string; role: string; name?: string | null },
    by: string,
  ): Promise<PersonView> {
    const email = String(input.email ?? '')
      .trim()
      .toLowerCase();
    if (!EMAIL.test(email) || email.length > 320)
      throw new AppError(
        'invalid_input',
        'invalid_email',
        `"${input.email}" is not a well-formed email address`,
      );
    const role = checkRole(input.role);
    const name = input.name?.trim() || null;
    if (name && name.length > 200)
      throw new AppError('invalid_input', 'invalid_name', 'name must be at most 200 characters');
    const existing = await this.db
      .selectFrom('people')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirst();
    if (existing)
      throw new AppError(
        'conflict',
        'person_exists',
        `${email} is already a person in Seatwise (${existing.id})`,
        {
          id: existing.id,
        },
      );
    const row: PeopleTable = {
      id: newId('psn'),
      email,
      name,
      assigned_role: role,
      provider_role: null,
      invited_by: by,
      created_at: this.now().toISOString(),
      last_sign_in_at: null,
      disabled_at: null,
      oidc_subject: null,
    };
    await this.db.insertInto('people').values(row).execute();
    await this.audit?.record({
      actor: by,
      action: 'person_invited',
      via: by.startsWith('cli') ? 'cli' : 'api',
      outcome: 'done',
      targets: [email],
      detail: { personId: row.id, role },
    });
    return toView(row, this.defaultRole);
  }

  /** Gives a person a role in Seatwise; refused when it would leave no active admin. */
  async setRole(id: string, rawRole: string, by: string): Promise<PersonView> {
    const role = checkRole(rawRole);
    return this.change(id, by, 'person_role_changed', (row) => ({ ...row, assigned_role: role }));
  }

  /** Disables (or enables again) a person; a disabled person's sessions end at once. */
  async setDisabled(id: string, disabled: boolean, by: string): Promise<PersonView> {
    const at = this.now().toISOString();
    return this.change(id, by, disabled ? 'person_disabled' : 'person_enabled', (row) => ({
      ...row,
      disabled_at: disabled ? (row.disabled_at ?? at) : null,
    }));
  }

  /**
   * Applies a change in one transaction that first locks every person row (PostgreSQL; SQLite has one writer),
   * so two changes racing for the last two admins run one after the other and the second sees the first.
   * A change that changes nothing is not audited.
   */
  private async change(
    id: string,
    by: string,
    event: 'person_role_changed' | 'person_disabled' | 'person_enabled',
    apply: (row: PeopleTable) => PeopleTable,
  ): Promise<PersonView> {
    const { before, after } = await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('people')
        .set((eb) => ({ id: eb.ref('id') }))
        .execute();
      const before = await this.row(id, trx);
      const after = apply(before);
      const roleOf = (p: PeopleTable) => effectiveRole(p, this.defaultRole).role;
      const wasAdmin = before.disabled_at === null && roleOf(before) === 'admin';
      const staysAdmin = after.disabled_at === null && roleOf(after) === 'admin';
      if (wasAdmin && !staysAdmin) {
        const admins = (
          await trx.selectFrom('people').selectAll().where('disabled_at', 'is', null).execute()
        ).filter((p) => p.id !== id && roleOf(p) === 'admin');
        if (admins.length === 0)
          throw new AppError(
            'conflict',
            'last_admin',
            `${before.email} is the last active admin: give someone else the admin role first`,
          );
      }
      await trx
        .updateTable('people')
        .set({ assigned_role: after.assigned_role, disabled_at: after.disabled_at })
        .where('id', '=', id)
        .execute();
      // A disabled person is signed out everywhere in the same commit.
      if (after.disabled_at !== null)
        await trx.deleteFrom('person_sessions').where('person_id', '=', id).execute();
      return { before, after };
    });
    const changed =
      before.assigned_role !== after.assigned_role ||
      (before.disabled_at === null) !== (after.disabled_at === null);
    if (changed)
      await this.audit?.record({
        actor: by,
        action: event,
        via: by.startsWith('cli') ? 'cli' : 'api',
        outcome: 'done',
        targets: [before.email],
        detail:
          event === 'person_role_changed'
            ? { personId: id, before: before.assigned_role, after: after.assigned_role }
            : { personId: id },
      });
    return toView(after, this.defaultRole);
  }
}

function checkRole(role: unknown): SeatwiseRole {
  if (!isSeatwiseRole(role))
    throw new AppError('invalid_input', 'invalid_role', `role must be one of ${seatwiseRoles.join(', ')}`);
  return role;
}
