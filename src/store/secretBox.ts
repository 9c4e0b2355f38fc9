import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config.ts';

/** Sealed values read `v2:<key id>:<base64 of iv, tag, data>`; `v1:` values (no key id) are still opened. */
const VERSION = 'v2';
const LEGACY = 'v1';
const KEY_FILE = 'secret.key';

interface Key {
  id: string;
  bytes: Buffer;
}

/** A short public name for a key, stored with every value sealed under it: never the key itself. */
function keyOf(bytes: Buffer): Key {
  const id = createHash('sha256').update('seatwise-key-id\0').update(bytes).digest('hex').slice(0, 12);
  return { id, bytes };
}

function fromPassphrase(secret: string): Key {
  return keyOf(createHash('sha256').update(secret, 'utf8').digest());
}

export interface SecretBoxOptions {
  /** SEATWISE_SECRET_KEY: the key new values are sealed with (any string; hashed to 32 bytes). */
  secretKey?: string;
  /** SEATWISE_PREVIOUS_SECRET_KEYS: keys still accepted for opening values, during a rotation. */
  previousKeys?: string[];
  dataDir: string;
  /** With PostgreSQL every host must seal with the same key, so it must be given rather than generated. */
  databaseUrl?: string;
}

/**
 * Encrypts secrets (monday tokens) for storage with AES-256-GCM; each value gets its own IV and names the key it
 * was sealed with, so keys can be rotated while Seatwise runs.
 *
 * The key comes from SEATWISE_SECRET_KEY or, with the embedded database only, from a key file in the data
 * directory (created on first start, mode 0600). The key file lists the current key first; `seatwise secrets
 * rotate` adds a new one, re-seals every value and drops the old one. A running process that meets a key id it
 * does not know reads the file again, so a rotation needs no restart.
 */
export class SecretBox {
  private keys: Key[];
  private fileStamp: number | null = null;

  private constructor(
    keys: Key[],
    private readonly file: string | null,
  ) {
    this.keys = keys;
    if (file) this.fileStamp = statSync(file).mtimeMs;
  }

  static load(options: SecretBoxOptions): SecretBox {
    if (options.secretKey) {
      const keys = [options.secretKey, ...(options.previousKeys ?? [])].filter(Boolean).map(fromPassphrase);
      return new SecretBox(keys, null);
    }
    if (options.databaseUrl) {
      throw new ConfigError(
        'SEATWISE_SECRET_KEY is required with DATABASE_URL: every Seatwise process on the database must seal tokens with the same key (set the same value, 16 characters or more, on every host)',
      );
    }
    const file = join(options.dataDir, KEY_FILE);
    if (!existsSync(file)) {
      mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
      try {
        writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        // Another process created it first: use theirs.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) chmodSync(file, 0o600);
    return new SecretBox(readKeyFile(file), file);
  }

  /** The id of the key new values are sealed with. */
  get currentKeyId(): string {
    this.refreshIfFileChanged();
    return (this.keys[0] as Key).id;
  }

  /** Whether the box was loaded from the data directory's key file (rather than SEATWISE_SECRET_KEY). */
  get usesKeyFile(): boolean {
    return this.file !== null;
  }

  encrypt(plain: string): string {
    this.refreshIfFileChanged();
    const key = this.keys[0] as Key;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.bytes, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}:${key.id}:${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')}`;
  }

  decrypt(sealed: string): string {
    const parts = sealed.split(':');
    if (parts[0] === LEGACY && parts.length === 2) {
      for (const key of this.keys) {
        const plain = open(key, parts[1] as string);
        if (plain !== null) return plain;
      }
      throw new Error(
        'a stored token cannot be decrypted: SEATWISE_SECRET_KEY or the key file changed since it was saved',
      );
    }
    if (parts[0] !== VERSION || parts.length !== 3) throw new Error('stored secret has an unknown format');
    const [, id, payload] = parts as [string, string, string];
    let key = this.keys.find((k) => k.id === id);
    if (!key && this.file) {
      this.keys = readKeyFile(this.file);
      key = this.keys.find((k) => k.id === id);
    }
    if (!key) {
      throw new Error(
        `a stored token was sealed with key ${id}, which this Seatwise does not have: set SEATWISE_SECRET_KEY to that key or list it in SEATWISE_PREVIOUS_SECRET_KEYS`,
      );
    }
    const plain = open(key, payload);
    if (plain === null)
      throw new Error(`a stored token sealed with key ${id} is damaged and cannot be opened`);
    return plain;
  }

  /** Whether a sealed value is under another key than the current one (and so due for re-sealing). */
  isStale(sealed: string): boolean {
    return !sealed.startsWith(`${VERSION}:${this.currentKeyId}:`);
  }

  /**
   * Key file only: makes a new key the current one, keeping the old ones for opening until `retireOldKeys`.
   * Written to a temporary file and renamed, so a reader never sees half a file.
   */
  addNewKey(): string {
    if (!this.file) throw new Error('the key comes from SEATWISE_SECRET_KEY, not from a key file');
    const fresh = keyOf(randomBytes(32));
    this.keys = [fresh, ...readKeyFile(this.file)];
    this.writeKeyFile();
    return fresh.id;
  }

  /** Key file only: keeps the current key alone, once every value is sealed with it. */
  retireOldKeys(): void {
    if (!this.file) throw new Error('the key comes from SEATWISE_SECRET_KEY, not from a key file');
    this.keys = [this.keys[0] as Key];
    this.writeKeyFile();
  }

  private writeKeyFile(): void {
    const file = this.file as string;
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${this.keys.map((k) => k.bytes.toString('base64')).join('\n')}\n`, {
      mode: 0o600,
    });
    renameSync(temporary, file);
    this.fileStamp = statSync(file).mtimeMs;
  }

  /** Another process rotated the key file: seal with its new current key from now on. */
  private refreshIfFileChanged(): void {
    if (!this.file) return;
    const stamp = statSync(this.file).mtimeMs;
    if (stamp === this.fileStamp) return;
    this.keys = readKeyFile(this.file);
    this.fileStamp = stamp;
  }
}

function readKeyFile(file: string): Key[] {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const keys = lines.map((line) => Buffer.from(line, 'base64'));
  if (keys.length === 0 || keys.some((k) => k.length !== 32)) {
    throw new ConfigError(`the key file ${file} does not hold 32-byte base64 keys, one per line`);
  }
  return keys.map(keyOf);
}

function open(key: Key, payload: string): string | null {
  const raw = Buffer.from(payload, 'base64');
  if (raw.length < 28) return null;
  const decipher = createDecipheriv('aes-256-gcm', key.bytes, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
