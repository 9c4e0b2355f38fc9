import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeatwise } from '../src/compose.ts';
import { ConfigError } from '../src/config.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { SecretBox } from '../src/store/secretBox.ts';
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

  it('name the key they were sealed with, and values sealed before key ids still open', () => {
    const box = SecretBox.load({ dataDir: dir(), secretKey: 'first-key-0123456789' });
    const sealed = box.encrypt('token-123');
    expect(sealed).toMatch(new RegExp(`^v2:${box.currentKeyId}:[A-Za-z0-9+/=]+$`));
    expect(box.currentKeyId).toMatch(/^[0-9a-f]{12}$/);
    expect(sealed).not.toContain('first-key');

    // A value from before key ids: v1:<iv, tag, data> under the same key.
    const key = createHash('sha256').update('first-key-0123456789').digest();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const data = Buffer.concat([cipher.update('legacy-token'), cipher.final()]);
    const legacy = `v1:${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')}`;
    expect(box.decrypt(legacy)).toBe('legacy-token');
    expect(box.isStale(legacy)).toBe(true);
    expect(box.isStale(sealed)).toBe(false);

    const other = SecretBox.load({ dataDir: dir(), secretKey: 'other-key-0123456789' });
    expect(() => other.decrypt(sealed)).toThrow(
      `a stored token was sealed with key ${box.currentKeyId}, which this Seatwise does not have`,
    );
    const both = SecretBox.load({
      dataDir: dir(),
      secretKey: 'other-key-0123456789',
      previousKeys: ['first-key-0123456789'],
    });
    expect(both.decrypt(sealed)).toBe('token-123');
    expect(both.isStale(sealed)).toBe(true);
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
        expect(after.every((v) => v.startsWith(`v2:${keyId}:`))).toBe(true);
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
        expect(() => box.decrypt(value)).toThrow(/sealed with key/);

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
