import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../domain/appError.ts';
import { newId } from '../domain/ids.ts';
import { isSeatwiseRole, type SeatwiseRole, seatwiseRoles } from '../domain/roles.ts';
import { ApiKeysRepo } from '../store/apiKeysRepo.ts';
import type { Store } from '../store/database.ts';

export type KeyRole = SeatwiseRole;

export interface ApiKeyView {
  id: string;
  name: string;
  role: KeyRole;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Who is calling: the key (and its role) behind a request or session. */
export interface Principal {
  keyId: string;
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
  ) {
    this.repo = new ApiKeysRepo(store.db);
  }

  /** Creates a key; the returned `key` is the only time it is visible. */
  async create(role: KeyRole, name?: string): Promise<ApiKeyView & { key: string }> {
    if (!isSeatwiseRole(role))
      throw new AppError('invalid_input', 'invalid_role', `role must be one of ${seatwiseRoles.join(', ')}`);
    const cleanName = (name ?? `${role} key`).trim();
    if (!cleanName || cleanName.length > 100)
      throw new AppError('invalid_input', 'invalid_name', 'name must be 1 to 100 characters');
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
    });
    return { id, name: cleanName, role, createdAt: at, lastUsedAt: null, revokedAt: null, key };
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.repo.list()).map((r) => ({
      id: r.id,
      name: r.name,
      role: r.role,
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
    const names = new Map((await this.repo.list()).map((r) => [`api-key:${r.id}`, `${r.name} (API key)`]));
    return (actor) => names.get(actor) ?? actor;
  }

  async revoke(id: string): Promise<void> {
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
  }

  /** On a first start with no keys, an admin key so someone can sign in; null when keys exist. */
  async ensureInitialKey(): Promise<(ApiKeyView & { key: string }) | null> {
    // Any key, even a revoked one, means someone set Seatwise up already.
    if ((await this.repo.list()).length > 0) return null;
    return this.create('admin', 'initial admin key');
  }

  async authenticate(key: string): Promise<Principal | null> {
    if (!key.startsWith('sw_') || key.length > 200) return null;
    const row = await this.repo.findActiveByHash(sha256(key));
    if (!row) return null;
    this.noteUse(row.id, row.last_used_at);
    return { keyId: row.id, role: row.role, via: 'key' };
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
    if (!principal)
      throw new AppError('unauthorized', 'invalid_key', 'that API key is not valid (unknown or revoked)');
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
    return { sessionId, csrfToken, role: principal.role, expiresAt };
  }

  async session(sessionId: string): Promise<Principal | null> {
    const row = await this.repo.findSession(sha256(sessionId), this.now().toISOString());
    return row
      ? {
          keyId: row.key_id,
          role: row.role,
          via: 'session',
          csrfToken: row.csrf_token,
          expiresAt: row.expires_at,
        }
      : null;
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
