import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { KdfParams } from './secretBox.ts';

/** Organisation-wide settings, each a JSON value under a key. */
export class SettingsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get<T>(key: string, fallback: T): Promise<T> {
    const row = await this.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst();
    return row ? (JSON.parse(row.value) as T) : fallback;
  }

  async set(key: string, value: unknown): Promise<void> {
    await this.db
      .insertInto('settings')
      .values({ key, value: JSON.stringify(value) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value) }))
      .execute();
  }

  /**
   * The installation's scrypt parameters for SEATWISE_SECRET_KEY, made once: the first process to ask stores
   * them and every other one (on every host) reads the same.
   */
  async kdfParams(fresh: () => KdfParams): Promise<KdfParams> {
    await this.db
      .insertInto('settings')
      .values({ key: KDF_KEY, value: JSON.stringify(fresh()) })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    return this.get<KdfParams>(KDF_KEY, fresh());
  }
}

const KDF_KEY = 'secret_key_kdf';
