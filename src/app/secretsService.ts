import { ConnectionsRepo } from '../store/connectionsRepo.ts';
import type { Store } from '../store/database.ts';
import { SecretBox, sealedAt } from '../store/secretBox.ts';

export interface RotationResult {
  /** The key every token is now sealed with. */
  keyId: string;
  /** Tokens re-sealed by this rotation. */
  resealed: number;
  /** Tokens that were already under the current key. */
  alreadyCurrent: number;
  /** Whether the key file was given a new key (embedded mode) rather than SEATWISE_SECRET_KEY being used. */
  newKeyGenerated: boolean;
}

/**
 * Re-seals every stored token under the current key, with no downtime: values are replaced one at a time, only
 * if unchanged since read, and every process can open both keys meanwhile.
 *
 * With a key file, a new key is generated first and the old one is dropped once nothing needs it. With
 * SEATWISE_SECRET_KEY, that variable is the new key and SEATWISE_PREVIOUS_SECRET_KEYS holds the old ones.
 */
export async function rotateSecrets(store: Store, secrets: SecretBox): Promise<RotationResult> {
  const repo = new ConnectionsRepo(store.db, store.dialect);
  const newKeyGenerated = secrets.usesKeyFile;
  if (newKeyGenerated) secrets.addNewKey();
  let resealed = 0;
  let alreadyCurrent = 0;
  // A second pass catches tokens another process sealed under the old key while the first pass ran.
  for (let pass = 0; pass < 2; pass++) {
    for (const row of await repo.sealedTokens()) {
      for (const column of ['token_ciphertext', 'scim_token_ciphertext', 'webhook_ciphertext'] as const) {
        let sealed = row[column];
        while (sealed !== null) {
          if (!secrets.isStale(sealed)) {
            if (pass === 0) alreadyCurrent++;
            break;
          }
          const at = sealedAt(column, row.id);
          if (
            await repo.replaceSealed(row.id, column, sealed, secrets.encrypt(secrets.decrypt(sealed, at), at))
          ) {
            resealed++;
            break;
          }
          // Changed since read: look at the value now stored.
          sealed = (await repo.get(row.id))?.[column] ?? null;
        }
      }
    }
  }
  if (newKeyGenerated) secrets.retireOldKeys();
  return { keyId: secrets.currentKeyId, resealed, alreadyCurrent, newKeyGenerated };
}

/**
 * Seals again, under the current key and bound to their place, the values an earlier version sealed (a
 * passphrase hashed once, nothing binding them to their row): run at every start, it costs one read when there
 * are none, and is safe beside other processes (each value is replaced only if unchanged since read).
 */
export async function resealOldFormats(store: Store, secrets: SecretBox): Promise<number> {
  const repo = new ConnectionsRepo(store.db, store.dialect);
  let resealed = 0;
  for (const row of await repo.sealedTokens()) {
    for (const column of ['token_ciphertext', 'scim_token_ciphertext', 'webhook_ciphertext'] as const) {
      const sealed = row[column];
      if (sealed === null || !SecretBox.isOldFormat(sealed)) continue;
      const at = sealedAt(column, row.id);
      if (await repo.replaceSealed(row.id, column, sealed, secrets.encrypt(secrets.decrypt(sealed, at), at)))
        resealed++;
    }
  }
  return resealed;
}
