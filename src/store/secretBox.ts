import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  scryptSync,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config.ts';

/**
 * Sealed values read `v3:<key id>:<base64 of iv, tag, data>`, the data bound to the row and column it is stored
 * in. Values of earlier versions (`v2:<old key id>:…`, `v1:…`) are still opened, only to be sealed again as v3 at
 * the next start.
 */
const VERSION = 'v3';
const OLD = 'v2';
const LEGACY = 'v1';
const KEY_FILE = 'secret.key';

/**
 * How a passphrase becomes a key: scrypt (memory-hard) with an installation's own salt, so a guess costs
 * 32 MiB and a tenth of a second, and no table of guesses serves two installations. Stored beside the data.
 */
export interface KdfParams {
  salt: string;
  N: number;
  r: number;
  p: number;
}

/** The parameters a new installation gets (scrypt N = 2^15, r = 8: 32 MiB a derivation). */
export function newKdfParams(): KdfParams {
  return { salt: randomBytes(16).toString('base64'), N: 2 ** 15, r: 8, p: 1 };
}

interface Key {
  id: string;
  bytes: Buffer;
}

/** Where a key comes from: a line of the key file (32 random bytes), or SEATWISE_SECRET_KEY's passphrase. */
type KeySource = { kind: 'file'; bytes: Buffer } | { kind: 'passphrase'; text: string };

/**
 * A key's public name, stored with every value sealed under it. It is computed from the key itself, so checking
 * a guessed passphrase against it costs the whole scrypt derivation, as opening a value would.
 */
function keyOf(bytes: Buffer): Key {
  return { id: createHmac('sha256', bytes).update('seatwise key id v3').digest('hex').slice(0, 12), bytes };
}

/** The keys of v1 and v2 values: a passphrase's single SHA-256, ids from a plain hash (read only). */
function legacyKeyOf(source: KeySource): Key {
  const bytes =
    source.kind === 'file' ? source.bytes : createHash('sha256').update(source.text, 'utf8').digest();
  const id = createHash('sha256').update('seatwise-key-id\0').update(bytes).digest('hex').slice(0, 12);
  return { id, bytes };
}

export interface SecretBoxOptions {
  /** SEATWISE_SECRET_KEY: the passphrase new values are sealed with. */
  secretKey?: string;
  /** SEATWISE_PREVIOUS_SECRET_KEYS: passphrases still accepted for opening values, during a rotation. */
  previousKeys?: string[];
  dataDir: string;
  /** With PostgreSQL every host must seal with the same key, so it must be given rather than generated. */
  databaseUrl?: string;
  /** The installation's scrypt salt and cost (usually read from the database with `setKdf`). */
  kdf?: KdfParams;
}

/** Where a sealed value lives: it opens only there (a value copied to another row or column does not). */
export function sealedAt(column: string, rowId: string): string {
  return `connections.${column}:${rowId}`;
}

/**
 * Encrypts secrets (monday tokens, webhook URLs) for storage with AES-256-GCM; each value gets its own IV, is
 * bound to the row and column it is stored in (additional authenticated data), and names the key it was sealed
 * with, so keys can be rotated while Seatwise runs.
 *
 * The key comes from SEATWISE_SECRET_KEY (through scrypt with the installation's salt) or, with the embedded
 * database only, from a key file of full-entropy keys in the data directory (created on first start, mode
 * 0600). The key file lists the current key first; `seatwise secrets rotate` adds a new one, re-seals every
 * value and drops the old one. A running process that meets a key id it does not know reads the file again, so
 * a rotation needs no restart. Keys are derived on first use, so a command that opens no secret pays nothing.
 */
export class SecretBox {
  private sources: KeySource[];
  private fileStamp: number | null = null;
  private kdf: KdfParams | null;
  private derived: Key[] | null = null;
  private legacy: Key[] | null = null;

  private constructor(
    sources: KeySource[],
    private readonly file: string | null,
    kdf: KdfParams | null,
  ) {
    this.sources = sources;
    this.kdf = kdf;
    if (file) this.fileStamp = statSync(file).mtimeMs;
  }

  static load(options: SecretBoxOptions): SecretBox {
    if (options.secretKey) {
      const sources: KeySource[] = [options.secretKey, ...(options.previousKeys ?? [])]
        .filter(Boolean)
        .map((text) => ({ kind: 'passphrase', text }));
      return new SecretBox(sources, null, options.kdf ?? null);
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
    return new SecretBox(readKeyFile(file), file, options.kdf ?? null);
  }

  /** Whether the keys come from a passphrase, which needs the installation's scrypt parameters. */
  get needsKdf(): boolean {
    return this.sources.some((s) => s.kind === 'passphrase');
  }

  /** Gives the box the installation's scrypt salt and cost (stored in the database). */
  setKdf(params: KdfParams): void {
    this.kdf = params;
    this.derived = null;
  }

  /** The id of the key new values are sealed with. */
  get currentKeyId(): string {
    return this.keys()[0]!.id;
  }

  /** Whether the box was loaded from the data directory's key file (rather than SEATWISE_SECRET_KEY). */
  get usesKeyFile(): boolean {
    return this.file !== null;
  }

  /** Seals a value for one place (`sealedAt(column, rowId)`): it opens only there. */
  encrypt(plain: string, at: string): string {
    const key = this.keys()[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.bytes, iv);
    cipher.setAAD(aad(at));
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}:${key.id}:${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')}`;
  }

  /** Opens a value stored at `at` (the place it was sealed for). */
  decrypt(sealed: string, at: string): string {
    const parts = sealed.split(':');
    if (parts[0] === LEGACY && parts.length === 2) {
      for (const key of this.legacyKeys()) {
        const plain = open(key, parts[1] as string, null);
        if (plain !== null) return plain;
      }
      throw new Error(
        'a stored token cannot be decrypted: SEATWISE_SECRET_KEY or the key file changed since it was saved',
      );
    }
    if ((parts[0] !== VERSION && parts[0] !== OLD) || parts.length !== 3)
      throw new Error('stored secret has an unknown format');
    const [version, id, payload] = parts as [string, string, string];
    const find = () => (version === VERSION ? this.keys() : this.legacyKeys()).find((k) => k.id === id);
    let key = find();
    if (!key && this.file) {
      this.reloadFile();
      key = find();
    }
    if (!key) {
      throw new Error(
        `a stored token was sealed with key ${id}, which this Seatwise does not have: set SEATWISE_SECRET_KEY to that key or list it in SEATWISE_PREVIOUS_SECRET_KEYS`,
      );
    }
    const plain = open(key, payload, version === VERSION ? aad(at) : null);
    if (plain === null)
      throw new Error(
        `a stored token sealed with key ${id} cannot be opened: it is damaged, or was copied from another row or column`,
      );
    return plain;
  }

  /** Whether a sealed value is under another key than the current one (and so due for re-sealing). */
  isStale(sealed: string): boolean {
    return !sealed.startsWith(`${VERSION}:${this.currentKeyId}:`);
  }

  /** Whether a value was sealed by an earlier version (no scrypt, not bound to its place): re-sealed at start. */
  static isOldFormat(sealed: string): boolean {
    return !sealed.startsWith(`${VERSION}:`);
  }

  /**
   * Key file only: makes a new key the current one, keeping the old ones for opening until `retireOldKeys`.
   * Written to a temporary file and renamed, so a reader never sees half a file.
   */
  addNewKey(): string {
    if (!this.file) throw new Error('the key comes from SEATWISE_SECRET_KEY, not from a key file');
    const bytes = randomBytes(32);
    this.setSources([{ kind: 'file', bytes }, ...readKeyFile(this.file)]);
    this.writeKeyFile();
    return keyOf(bytes).id;
  }

  /** Key file only: keeps the current key alone, once every value is sealed with it. */
  retireOldKeys(): void {
    if (!this.file) throw new Error('the key comes from SEATWISE_SECRET_KEY, not from a key file');
    this.setSources([this.sources[0]!]);
    this.writeKeyFile();
  }

  /** The v3 keys, current first, derived on first use. */
  private keys(): Key[] {
    this.refreshIfFileChanged();
    if (!this.derived) {
      if (this.needsKdf && !this.kdf)
        throw new Error('the secret key cannot be derived yet: the installation scrypt salt was not read');
      this.derived = this.sources.map((source) =>
        keyOf(source.kind === 'file' ? source.bytes : derive(source.text, this.kdf!)),
      );
    }
    return this.derived;
  }

  private legacyKeys(): Key[] {
    this.refreshIfFileChanged();
    this.legacy ??= this.sources.map(legacyKeyOf);
    return this.legacy;
  }

  private setSources(sources: KeySource[]): void {
    this.sources = sources;
    this.derived = null;
    this.legacy = null;
  }

  private writeKeyFile(): void {
    const file = this.file as string;
    const temporary = `${file}.${process.pid}.tmp`;
    const lines = this.sources.map((s) => (s.kind === 'file' ? s.bytes.toString('base64') : ''));
    writeFileSync(temporary, `${lines.join('\n')}\n`, { mode: 0o600 });
    renameSync(temporary, file);
    this.fileStamp = statSync(file).mtimeMs;
  }

  private reloadFile(): void {
    this.setSources(readKeyFile(this.file as string));
    this.fileStamp = statSync(this.file as string).mtimeMs;
  }

  /** Another process rotated the key file: seal with its new current key from now on. */
  private refreshIfFileChanged(): void {
    if (!this.file) return;
    if (statSync(this.file).mtimeMs !== this.fileStamp) this.reloadFile();
  }
}

function derive(passphrase: string, kdf: KdfParams): Buffer {
  return scryptSync(passphrase, Buffer.from(kdf.salt, 'base64'), 32, {
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    maxmem: 256 * kdf.N * kdf.r * kdf.p,
  });
}

function aad(at: string): Buffer {
  return Buffer.from(`seatwise sealed at ${at}`, 'utf8');
}

function readKeyFile(file: string): KeySource[] {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const keys = lines.map((line) => Buffer.from(line, 'base64'));
  if (keys.length === 0 || keys.some((k) => k.length !== 32)) {
    throw new ConfigError(`the key file ${file} does not hold 32-byte base64 keys, one per line`);
  }
  return keys.map((bytes) => ({ kind: 'file', bytes }));
}

function open(key: Key, payload: string, boundTo: Buffer | null): string | null {
  const raw = Buffer.from(payload, 'base64');
  if (raw.length < 28) return null;
  const decipher = createDecipheriv('aes-256-gcm', key.bytes, raw.subarray(0, 12));
  if (boundTo) decipher.setAAD(boundTo);
  decipher.setAuthTag(raw.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
