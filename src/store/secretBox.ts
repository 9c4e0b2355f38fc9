import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const VERSION = 'v1';

/** Encrypts secrets (monday tokens) for storage with AES-256-GCM; each value gets its own IV. */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /**
   * The key comes from SEATWISE_SECRET_KEY (any string; hashed to 32 bytes) or, failing that, from a key file
   * created on first start in the data dir with mode 0600.
   */
  static load(options: { secretKey?: string; dataDir: string }): SecretBox {
    if (options.secretKey)
      return new SecretBox(createHash('sha256').update(options.secretKey, 'utf8').digest());
    const file = join(options.dataDir, 'secret.key');
    if (!existsSync(file)) {
      mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
      writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    }
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) chmodSync(file, 0o600);
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`the key file ${file} does not hold a 32-byte base64 key`);
    return new SecretBox(key);
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')}`;
  }

  decrypt(sealed: string): string {
    const [version, payload] = sealed.split(':');
    if (version !== VERSION || !payload) throw new Error('stored secret has an unknown format');
    const raw = Buffer.from(payload, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error(
        'a stored token cannot be decrypted: SEATWISE_SECRET_KEY or the key file changed since it was saved',
      );
    }
  }
}
