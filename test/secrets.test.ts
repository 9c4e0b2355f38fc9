import { createCipheriv, createHash, createHmac, randomBytes, scryptSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeatwise } from '../src/compose.ts';
import { ConfigError } from '../src/config.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { newKdfParams, SecretBox, sealedAt } from '../src/store/secretBox.ts';
import { freePort, runCli, startServeWithKey } from './helpers/cli.ts';
import { createTestDatabase, postgresAvailable } from './helpers/databases.ts';

describe('sealed tokens', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'seatwise-secrets-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A value as Seatwise sealed it before v3: one SHA-256 of a passphrase (or the key file's bytes), no binding. */
  const oldSeal = (keyBytes: Buffer, plain: string, version: 'v1' | 'v2') => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', keyBytes, iv);
    const data = Buffer.concat([cipher.update(plain), cipher.final()]);
    const payload = Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64');
    if (version === 'v1') return `v1:${payload}`;
    const id = createHash('sha256').update('seatwise-key-id\0').update(keyBytes).digest('hex').slice(0, 12);
    return `v2:${id}:${payload}`;
  };
  const at = sealedAt('token_ciphertext', 'con_a');

  it('seal with a salted scrypt key, bound to their row and column, under a key id no cheap guess can check', () => {
    const kdf = newKdfParams();
    expect(kdf.N).toBeGreaterThanOrEqual(2 ** 15);
    expect(Buffer.from(kdf.salt, 'base64')).toHaveLength(16);
    const box = SecretBox.load({ dataDir: dir(), secretKey: 'first-key-0123456789', kdf });
    const sealed = box.encrypt('token-123', at);
    expect(sealed).toMatch(new RegExp(`^v3:${box.currentKeyId}:[A-Za-z0-9+/=]+$`));
    expect(sealed).not.toContain('first-key');
    expect(box.decrypt(sealed, at)).toBe('token-123');
    // Moved to another row or another column, it does not open.
    for (const elsewhere of [
      sealedAt('token_ciphertext', 'con_b'),
      sealedAt('scim_token_ciphertext', 'con_a'),
    ])
      expect(() => box.decrypt(sealed, elsewhere)).toThrow('copied from another row or column');

    // The id follows from the scrypt key only: checking a guess costs the derivation itself (32 MiB), and the
    // old cheap check (one SHA-256 of the guess) no longer matches.
    const derived = scryptSync('first-key-0123456789', Buffer.from(kdf.salt, 'base64'), 32, {
      N: kdf.N,
      r: kdf.r,
      p: kdf.p,
      maxmem: 256 * kdf.N * kdf.r,
    });
    expect(box.currentKeyId).toBe(
      createHmac('sha256', derived).update('seatwise key id v3').digest('hex').slice(0, 12),
    );
    const cheap = createHash('sha256').update('first-key-0123456789').digest();
    const cheapId = createHash('sha256').update('seatwise-key-id\0').update(cheap).digest('hex').slice(0, 12);
    expect(box.currentKeyId).not.toBe(cheapId);
    // Another installation (another salt) derives another key from the same passphrase.
    const elsewhere = SecretBox.load({
      dataDir: dir(),
      secretKey: 'first-key-0123456789',
      kdf: newKdfParams(),
    });
    expect(elsewhere.currentKeyId).not.toBe(box.currentKeyId);
    expect(() => elsewhere.decrypt(sealed, at)).toThrow(`sealed with key ${box.currentKeyId}`);
    // Without the installation's salt, nothing is sealed with a passphrase.
    expect(() =>
      SecretBox.load({ dataDir: dir(), secretKey: 'first-key-0123456789' }).encrypt('x', at),
    ).toThrow('salt was not read');

    // Values sealed by earlier versions still open (to be sealed again at the next start), and are stale.
    for (const version of ['v1', 'v2'] as const) {
      const old = oldSeal(cheap, 'legacy-token', version);
      expect(box.decrypt(old, at)).toBe('legacy-token');
      expect(box.isStale(old)).toBe(true);
      expect(SecretBox.isOldFormat(old)).toBe(true);
    }
    expect(box.isStale(sealed)).toBe(false);
    expect(SecretBox.isOldFormat(sealed)).toBe(false);

    const other = SecretBox.load({ dataDir: dir(), secretKey: 'other-key-0123456789', kdf });
    expect(() => other.decrypt(sealed, at)).toThrow(
      `a stored token was sealed with key ${box.currentKeyId}, which this Seatwise does not have`,
    );
    const both = SecretBox.load({
      dataDir: dir(),
      secretKey: 'other-key-0123456789',
      previousKeys: ['first-key-0123456789'],
      kdf,
    });
    expect(both.decrypt(sealed, at)).toBe('token-123');
    expect(both.isStale(sealed)).toBe(true);
  });

  it('seals again at start what an earlier version sealed, bound to its row, and the account still works', async () => {
    const emulator = await startEmulator({ users: 5, plan: 'enterprise', seed: 3 });
    const db = await createTestDatabase('sqlite');
    try {
      const first = await createSeatwise(db.config);
      const { id } = await first.connections.add({
        token: emulator.accounts[0]!.tokens.admin,
        apiUrl: emulator.graphqlUrl,
      });
      await first.close();
      // As an earlier version left it: the key file's key, no binding.
      const keyBytes = Buffer.from(readFileSync(join(db.dataDir, 'secret.key'), 'utf8').trim(), 'base64');
      const sqlite = new Database(join(db.dataDir, 'seatwise.db'));
      sqlite
        .prepare('update connections set token_ciphertext = ? where id = ?')
        .run(oldSeal(keyBytes, emulator.accounts[0]!.tokens.admin, 'v2'), id);
      sqlite.close();

      const again = await createSeatwise(db.config);
      try {
        const stored = await again.store.db
          .selectFrom('connections')
          .select('token_ciphertext')
          .executeTakeFirstOrThrow();
        expect(stored.token_ciphertext).toMatch(/^v3:/);
        expect((await again.sync.sync(id)).status).toBe('succeeded');
      } finally {
        await again.close();
      }
    } finally {
      await db.cleanup();
      await emulator.close();
    }
  });

  it('require SEATWISE_SECRET_KEY with PostgreSQL, so every host seals with the same key', async () => {
    await expect(
      createSeatwise({
        SEATWISE_DATA_DIR: dir(),
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused',
        SEATWISE_SECRET_KEY: undefined,
      }),
    ).rejects.toThrow(ConfigError);
    const cli = await runCli(['connections'], {
      SEATWISE_DATA_DIR: dir(),
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused',
      SEATWISE_SECRET_KEY: '',
    });
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toMatch(/^seatwise: SEATWISE_SECRET_KEY is required with DATABASE_URL/);
    expect(cli.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('seatwise secrets rotate', () => {
  let emulator: RunningEmulator;
  const tempDirs: string[] = [];
  beforeAll(async () => {
    emulator = await startEmulator({ users: 40, plan: 'enterprise', seed: 12 });
  });
  afterAll(async () => {
    for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
    await emulator?.close();
  });

  const sealedValues = (dataDir: string): string[] => {
    const sqlite = new Database(join(dataDir, 'seatwise.db'), { readonly: true });
    try {
      const rows = sqlite
        .prepare('select token_ciphertext, scim_token_ciphertext from connections')
        .all() as {
        token_ciphertext: string;
        scim_token_ciphertext: string | null;
      }[];
      return rows.flatMap((r) => [r.token_ciphertext, r.scim_token_ciphertext]).filter((v) => v !== null);
    } finally {
      sqlite.close();
    }
  };

  it('embedded: replaces the key file while the server runs; the old key is no longer needed', async () => {
    const db = await createTestDatabase('sqlite');
    const env = { ...db.env, SEATWISE_PORT: String(await freePort()), LOG_LEVEL: 'info' };
    const account = emulator.accounts[0]!;
    try {
      const connected = await runCli(
        [
          'connect',
          '--token',
          account.tokens.admin,
          '--api-url',
          emulator.graphqlUrl,
          '--scim-token',
          account.scimToken!,
          '--scim-url',
          emulator.scimUrl,
          '--json',
        ],
        env,
      );
      expect(connected.stderr).toBe('');
      const connectionId = JSON.parse(connected.stdout).id as string;
      const keyFile = join(db.dataDir, 'secret.key');
      const oldKey = readFileSync(keyFile, 'utf8');
      const before = sealedValues(db.dataDir);
      expect(before).toHaveLength(2);

      const server = await startServeWithKey(env);
      try {
        const adminKey = server.key;
        const rotated = await runCli(['secrets', 'rotate'], env);
        expect(rotated.stderr).toBe('');
        expect(rotated.code).toBe(0);
        const keyId = /sealed with key ([0-9a-f]{12}): 2 tokens re-sealed, 0 tokens already under it\./.exec(
          rotated.stdout,
        )?.[1];
        expect(keyId, rotated.stdout).toBeDefined();
        expect(rotated.stdout).toContain('the old key is no longer needed');

        const newKey = readFileSync(keyFile, 'utf8');
        expect(newKey.trim().split('\n')).toHaveLength(1);
        expect(newKey).not.toBe(oldKey);
        const after = sealedValues(db.dataDir);
        expect(after.every((v) => v.startsWith(`v3:${keyId}:`))).toBe(true);
        expect(after.some((v) => before.includes(v))).toBe(false);

        // The server started with the old key reads the re-sealed tokens (GraphQL and SCIM) without a restart.
        const sync = await fetch(
          `http://127.0.0.1:${env.SEATWISE_PORT}/api/connections/${connectionId}/sync`,
          {
            method: 'POST',
            headers: { authorization: `Bearer ${adminKey}` },
          },
        );
        expect(sync.status).toBe(201);
        const caps = await fetch(
          `http://127.0.0.1:${env.SEATWISE_PORT}/api/connections/${connectionId}/capabilities`,
          { headers: { authorization: `Bearer ${adminKey}` } },
        );
        expect(caps.status).toBe(200);
      } finally {
        server.child.kill('SIGTERM');
      }

      // Only the old key: nothing opens.
      const oldOnly = dir(oldKey);
      const box = SecretBox.load({ dataDir: oldOnly });
      for (const value of sealedValues(db.dataDir))
        expect(() => box.decrypt(value, sealedAt('token_ciphertext', 'any'))).toThrow(/sealed with key/);

      const again = await runCli(['secrets', 'rotate', '--json'], env);
      expect(JSON.parse(again.stdout)).toMatchObject({
        resealed: 2,
        alreadyCurrent: 0,
        newKeyGenerated: true,
      });
      expect((await runCli(['sync', connectionId], env)).code).toBe(0);
    } finally {
      await db.cleanup();
    }
  });

  it.runIf(postgresAvailable)(
    'with SEATWISE_SECRET_KEY on PostgreSQL: re-seals under the new key, after which the previous one is not needed',
    async () => {
      const db = await createTestDatabase('postgres');
      const account = emulator.accounts[0]!;
      const oldKey = db.config.SEATWISE_SECRET_KEY!;
      const newKey = 'the-new-secret-key-9876543210';
      try {
        const first = await createSeatwise(db.config);
        const { id } = await first.connections.add({
          token: account.tokens.admin,
          apiUrl: emulator.graphqlUrl,
          scimToken: account.scimToken!,
          scimUrl: emulator.scimUrl,
        });
        await first.close();

        const during = await createSeatwise({
          ...db.config,
          SEATWISE_SECRET_KEY: newKey,
          SEATWISE_PREVIOUS_SECRET_KEYS: [oldKey],
        });
        // Both keys open everything while the rotation has not run.
        expect((await during.sync.sync(id)).status).toBe('succeeded');
        const result = await during.rotateSecrets();
        expect(result).toMatchObject({ resealed: 2, alreadyCurrent: 0, newKeyGenerated: false });
        expect(await during.rotateSecrets()).toMatchObject({ resealed: 0, alreadyCurrent: 2 });
        await during.close();

        const newOnly = await createSeatwise({ ...db.config, SEATWISE_SECRET_KEY: newKey });
        expect((await newOnly.sync.sync(id)).status).toBe('succeeded');
        await newOnly.close();

        const oldOnly = await createSeatwise(db.config);
        await expect(oldOnly.connections.graphql(id)).rejects.toThrow(
          `sealed with key ${result.keyId}, which this Seatwise does not have`,
        );
        await oldOnly.close();
      } finally {
        await db.cleanup();
      }
    },
  );

  function dir(keyFile: string): string {
    const d = mkdtempSync(join(tmpdir(), 'seatwise-oldkey-'));
    tempDirs.push(d);
    writeFileSync(join(d, 'secret.key'), keyFile, { mode: 0o600 });
    return d;
  }
});
