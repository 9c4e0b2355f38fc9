import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../domain/appError.ts';
import { newId } from '../domain/ids.ts';
import { effectiveRole, type PersonView } from '../domain/people.ts';
import { isSeatwiseRole, type SeatwiseRole, seatwiseRoles, stricter } from '../domain/roles.ts';
import { ApiKeysRepo } from '../store/apiKeysRepo.ts';
import type { Store } from '../store/database.ts';
import type { SeatwiseAudit } from './seatwiseAudit.ts';

export type KeyRole = SeatwiseRole;

export interface ApiKeyView {
  id: string;
  name: string;
  role: KeyRole;
  /** The person who created it (null: the initial key, or one made with the CLI on the host). */
  owner: { id: string; email: string } | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Who is calling: a key (bearer or its browser session), or a person signed in with the identity provider. */
export interface Principal {
  kind: 'key' | 'person';
  /** The key (kind `key`). */
  keyId?: string;
  /** The person who owns the key (kind `key`; null: nobody, such as the initial key). */
  ownerId?: string | null;
  /** The key's name, as people recognise it (kind `key`). */
  keyName?: string;
  /** The person (kind `person`), and where their role came from. */
  person?: { id: string; email: string; name: string | null; roleSource: PersonView['roleSource'] };
  role: KeyRole;
  via: 'key' | 'session';
  csrfToken?: string;
  /** When the session ends (sessions only). */
  expiresAt?: string;
}

const SESSION_TTL_MS = 12 * 3600_000;

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** API keys (shown once, stored hashed) and browser sessions with a CSRF token. */
export class KeysService {
  private readonly repo: ApiKeysRepo;

  constructor(
    store: Store,
    private readonly now: () => Date = () => new Date(),
    private readonly options: { defaultPersonRole?: SeatwiseRole | null; audit?: SeatwiseAudit } = {},
  ) {
    this.repo = new ApiKeysRepo(store.db);
  }

  /**
   * Creates a key; the returned `key` is the only time it is visible. `by` is who asked (an audit actor); a
   * person, or a key with an owner, makes that person the new key's owner.
   */
  async create(
    role: KeyRole,
    name?: string,
    by: { actor: string; ownerPersonId?: string | null; forEmail?: string | null } = { actor: 'cli' },
  ): Promise<ApiKeyView & { key: string }> {
    if (!isSeatwiseRole(role))
      throw new AppError('invalid_input', 'invalid_role', `role must be one of ${seatwiseRoles.join(', ')}`);
    const cleanName = (name ?? `${role} key`).trim();
    if (!cleanName || cleanName.length > 100)
      throw new AppError('invalid_input', 'invalid_name', 'name must be 1 to 100 characters');
    const ownerId = await this.checkOwner(role, by);
    const id = newId('key');
    const key = `sw_${randomBytes(24).toString('base64url')}`;
    const at = this.now().toISOString();
    await this.repo.insert({
      id,
      name: cleanName,
      role,
      key_hash: sha256(key),
      created_at: at,
      last_used_at: null,
      revoked_at: null,
      owner_person_id: ownerId,
    });
    const owner = ownerId ? ((await this.repo.owners([ownerId])).get(ownerId) ?? null) : null;
    await this.options.audit?.record({
      actor: by.actor,
      action: 'key_created',
      via: by.actor.startsWith('cli') ? 'cli' : 'api',
      outcome: 'done',
      targets: [`${cleanName} (${id})`],
      detail: { keyId: id, role, owner: owner?.email ?? null },
    });
    return { id, name: cleanName, role, owner, createdAt: at, lastUsedAt: null, revokedAt: null, key };
  }

  /**
   * Whose the new key is: the person it is issued for (`forEmail`), else the person who asks. A key can do at
   * most what its owner may, and a reviewer key must belong to someone (reviews are assigned to people).
   */
  private async checkOwner(
    role: KeyRole,
    by: { ownerPersonId?: string | null; forEmail?: string | null },
  ): Promise<string | null> {
    const owner = by.forEmail
      ? await this.repo.personByEmail(by.forEmail)
      : by.ownerPersonId
        ? await this.repo.person(by.ownerPersonId)
        : undefined;
    if (by.forEmail && !owner)
      throw new AppError(
        'not_found',
        'person_not_found',
        `no person with email ${by.forEmail.trim().toLowerCase()}: invite them first (seatwise people invite, or the People page)`,
      );
    if (!owner) {
      if (role === 'reviewer')
        throw new AppError(
          'invalid_input',
          'reviewer_key_needs_owner',
          'a reviewer key must belong to the person whose reviews it opens: issue it for them (seatwise keys create --role reviewer --for EMAIL)',
        );
      return null;
    }
    if (owner.disabled_at)
      throw new AppError(
        'invalid_input',
        'person_disabled',
        `${owner.email} is disabled: a key of theirs would not work`,
      );
    const ownerRole = effectiveRole(owner, this.options.defaultPersonRole ?? null).role;
    if (!ownerRole || stricter(role, ownerRole) !== role)
      throw new AppError(
        'invalid_input',
        'role_above_owner',
        `${owner.email} has ${ownerRole ? `the ${ownerRole} role` : 'no role'}: a key of theirs can have at most ${ownerRole ? 'that role' : 'none'}`,
      );
    return owner.id;
  }

  /** The role a key acts with: its own, never more than its owner's now (null: the owner has none). */
  private keyRole(row: {
    role: KeyRole;
    owner_person_id?: string | null;
    owner_assigned_role: KeyRole | null;
    owner_provider_role: KeyRole | null;
  }): KeyRole | null {
    if (!row.owner_person_id) return row.role;
    const owner = effectiveRole(
      { assigned_role: row.owner_assigned_role, provider_role: row.owner_provider_role },
      this.options.defaultPersonRole ?? null,
    ).role;
    return owner ? stricter(row.role, owner) : null;
  }

  async list(): Promise<ApiKeyView[]> {
    const rows = await this.repo.list();
    const owners = await this.repo.owners(rows.map((r) => r.owner_person_id).filter((o) => o != null));
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      role: r.role,
      owner: (r.owner_person_id && owners.get(r.owner_person_id)) || null,
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
      revokedAt: r.revoked_at,
    }));
  }

  /**
   * Who an audit actor is, as people read it: the key's name for `api-key:<id>` (`test admin (API key)`), the
   * actor as stored otherwise (a policy, the scheduler).
   */
  async actorLabels(): Promise<(actor: string) => string> {
    const keys = await this.repo.list();
    const owners = await this.repo.owners(keys.map((r) => r.owner_person_id).filter((o) => o != null));
    const names = new Map(
      keys.map((r) => {
        const owner = r.owner_person_id ? owners.get(r.owner_person_id) : undefined;
        return [`api-key:${r.id}`, `${r.name} (API key${owner ? ` of ${owner.email}` : ''})`];
      }),
    );
    for (const person of await this.repo.people())
      names.set(`person:${person.id}`, person.name ? `${person.name} <${person.email}>` : person.email);
    return (actor) => {
      const name = names.get(actor);
      if (name) return name;
      if (actor.startsWith('sign-in:')) return `${actor.slice('sign-in:'.length)} (not signed in)`;
      if (actor === 'seatwise') return 'Seatwise (first start)';
      return actor;
    };
  }

  /** The person who owns a key, if any. */
  async ownerOf(keyId: string): Promise<string | null> {
    return (await this.repo.get(keyId))?.owner_person_id ?? null;
  }

  async revoke(id: string, by = 'cli'): Promise<void> {
    const row = await this.repo.get(id);
    if (!row) throw new AppError('not_found', 'key_not_found', `no API key with id ${id}`);
    if (row.revoked_at)
      throw new AppError('conflict', 'key_already_revoked', `API key ${id} was already revoked`);
    if (!(await this.repo.revoke(id, this.now().toISOString())))
      throw new AppError(
        'conflict',
        'last_admin_key',
        `API key ${id} is the last active admin key: create another admin key first (seatwise keys create --role admin), then revoke this one`,
      );
    await this.options.audit?.record({
      actor: by,
      action: 'key_revoked',
      via: by.startsWith('cli') ? 'cli' : 'api',
      outcome: 'done',
      targets: [`${row.name} (${id})`],
      detail: { keyId: id, role: row.role },
    });
  }

  /** On a first start with no keys, an admin key so someone can sign in; null when keys exist. */
  async ensureInitialKey(): Promise<(ApiKeyView & { key: string }) | null> {
    // Any key, even a revoked one, means someone set Seatwise up already.
    if ((await this.repo.list()).length > 0) return null;
    return this.create('admin', 'initial admin key', { actor: 'seatwise' });
  }

  async authenticate(key: string): Promise<Principal | null> {
    if (!key.startsWith('sw_') || key.length > 200) return null;
    const row = await this.repo.findActiveByHash(sha256(key));
    if (!row) return null;
    const role = this.keyRole(row);
    if (!role) return null;
    this.noteUse(row.id, row.last_used_at);
    return {
      kind: 'key',
      keyId: row.id,
      keyName: row.name,
      ownerId: row.owner_person_id ?? null,
      role,
      via: 'key',
    };
  }

  private readonly lastTouched = new Map<string, number>();

  /**
   * Records a key's use at most once a minute, off the request path: a read never waits on (or fails
   * because of) a write another process is committing.
   */
  private noteUse(keyId: string, storedLastUsed: string | null): void {
    const now = this.now();
    const last = Math.max(this.lastTouched.get(keyId) ?? 0, storedLastUsed ? Date.parse(storedLastUsed) : 0);
    if (now.getTime() - last < TOUCH_INTERVAL_MS) return;
    this.lastTouched.set(keyId, now.getTime());
    const write = this.repo.touch(keyId, now.toISOString()).catch(() => {
      // Busy or closing: the next use a minute later records it.
      this.lastTouched.delete(keyId);
    });
    this.pendingTouches.add(write);
    void write.finally(() => this.pendingTouches.delete(write));
  }

  private readonly pendingTouches = new Set<Promise<void>>();

  /** Waits for "last used" writes still in flight (before the store closes). */
  async flush(): Promise<void> {
    await Promise.all([...this.pendingTouches]);
  }

  /** Opens a browser session for a key: returns the cookie value and the CSRF token the UI must echo. */
  async openSession(
    key: string,
  ): Promise<{ sessionId: string; csrfToken: string; role: KeyRole; expiresAt: string }> {
    const principal = await this.authenticate(key);
    if (!principal?.keyId) {
      const message = 'that API key is not valid (unknown or revoked)';
      await this.options.audit?.record({
        actor: 'anonymous',
        action: 'sign_in',
        via: 'key',
        outcome: 'refused',
        targets: ['an unknown or revoked API key'],
        error: { code: 'invalid_key', message },
      });
      throw new AppError('unauthorized', 'invalid_key', message);
    }
    const sessionId = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const now = this.now();
    // Expired sessions are useless and hold a CSRF token: each sign-in sweeps them away.
    await this.repo.deleteExpiredSessions(now.toISOString());
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS).toISOString();
    await this.repo.insertSession({
      id_hash: sha256(sessionId),
      key_id: principal.keyId,
      csrf_token: csrfToken,
      created_at: now.toISOString(),
      expires_at: expiresAt,
    });
    await this.options.audit?.record({
      actor: `api-key:${principal.keyId}`,
      action: 'sign_in',
      via: 'key',
      outcome: 'done',
      targets: [],
      detail: { role: principal.role },
    });
    return { sessionId, csrfToken, role: principal.role, expiresAt };
  }

  /**
   * The key or person behind a session cookie. A person's role is read now, so a disabled person, or one left
   * with no role, is signed out at once.
   */
  async session(sessionId: string): Promise<Principal | null> {
    const hash = sha256(sessionId);
    const now = this.now().toISOString();
    const row = await this.repo.findSession(hash, now);
    const keyRole = row && this.keyRole(row);
    if (row && !keyRole) return null;
    if (row && keyRole)
      return {
        kind: 'key',
        keyId: row.key_id,
        keyName: row.key_name,
        ownerId: row.owner_person_id ?? null,
        role: keyRole,
        via: 'session',
        csrfToken: row.csrf_token,
        expiresAt: row.expires_at,
      };
    const personal = await this.repo.findPersonSession(hash, now);
    if (!personal) return null;
    const { role, source } = effectiveRole(personal, this.options.defaultPersonRole ?? null);
    if (!role) return null;
    return {
      kind: 'person',
      person: { id: personal.person_id, email: personal.email, name: personal.name, roleSource: source },
      role,
      via: 'session',
      csrfToken: personal.csrf_token,
      expiresAt: personal.expires_at,
    };
  }

  /** Opens a browser session for a person who signed in with the identity provider. */
  async openPersonSession(personId: string): Promise<{ sessionId: string; expiresAt: string }> {
    const sessionId = randomBytes(32).toString('base64url');
    const now = this.now();
    await this.repo.deleteExpiredSessions(now.toISOString());
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS).toISOString();
    await this.repo.insertPersonSession({
      id_hash: sha256(sessionId),
      person_id: personId,
      csrf_token: randomBytes(24).toString('base64url'),
      created_at: now.toISOString(),
      expires_at: expiresAt,
    });
    return { sessionId, expiresAt };
  }

  async closeSession(sessionId: string): Promise<void> {
    await this.repo.deleteSession(sha256(sessionId));
  }
}

/** How often a key's "last used" time is written at most. */
const TOUCH_INTERVAL_MS = 60_000;

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
