import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/program.ts';
import { createSeatwise } from '../src/compose.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { createTestDatabase, type TestDatabase } from './helpers/databases.ts';

const injections = [
  "' OR 1=1 --",
  '"; DROP TABLE connections; --',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '$(rm -rf /)',
  '{{7*7}}',
  '%00',
  '__proto__',
  'constructor',
  '-1',
  '1e309',
  '99999999999999999999',
  '',
  ' ',
  '\n',
  '=HYPERLINK("http://x")',
  'con_missing',
  'x'.repeat(5000),
  '😀\u202e',
];

/** Text a user (or a script gone wrong) may pass as an argument. */
const hostile = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constantFrom(...injections),
  fc.integer().map(String),
);

/**
 * Every command, with arguments that are wrong in at least one way the command must notice: an unknown option,
 * an option without its value, or a value outside what the option takes.
 */
const commands: { path: string[]; positionals: number; options: string[]; badValues: [string, string][] }[] =
  [
    {
      path: ['connect'],
      positionals: 0,
      options: ['--token', '--account-url', '--api-url', '--scim-url', '--api-version'],
      badValues: [
        ['--permission', 'write'],
        ['--api-version', '2020-01'],
      ],
    },
    { path: ['connections'], positionals: 0, options: [], badValues: [] },
    { path: ['connections', 'show'], positionals: 1, options: [], badValues: [] },
    {
      path: ['connections', 'update'],
      positionals: 1,
      options: ['--token', '--api-url', '--account-url'],
      badValues: [['--permission', 'admin']],
    },
    { path: ['disconnect'], positionals: 1, options: [], badValues: [] },
    { path: ['sync'], positionals: 1, options: [], badValues: [] },
    { path: ['runs'], positionals: 1, options: [], badValues: [['--limit', '0']] },
    { path: ['runs', 'show'], positionals: 1, options: ['--cursor'], badValues: [['--limit', '1001']] },
    {
      path: ['users'],
      positionals: 1,
      options: ['--search', '--cursor'],
      badValues: [
        ['--role', 'owner'],
        ['--status', 'gone'],
        ['--license', 'gold'],
        ['--sort', 'salary'],
        ['--inactive-days', '-3'],
        ['--limit', 'ten'],
      ],
    },
    { path: ['users', 'show'], positionals: 2, options: [], badValues: [] },
    { path: ['insights'], positionals: 1, options: [], badValues: [] },
    {
      path: ['action', 'invite'],
      positionals: 0,
      options: ['--connection', '--email', '--idempotency-key'],
      badValues: [
        ['--role', 'owner'],
        ['--product', 'spreadsheets'],
      ],
    },
    {
      path: ['action', 'create'],
      positionals: 0,
      options: ['--connection', '--email', '--name'],
      badValues: [['--role', 'root']],
    },
    {
      path: ['action', 'deactivate'],
      positionals: 0,
      options: ['--connection', '--user', '--email'],
      badValues: [['--via', 'email']],
    },
    {
      path: ['action', 'set-role'],
      positionals: 0,
      options: ['--connection', '--user', '--email'],
      badValues: [['--role', 'superuser']],
    },
    { path: ['action', 'reactivate'], positionals: 0, options: ['--connection', '--user'], badValues: [] },
    {
      path: ['action', 'add-to-team'],
      positionals: 0,
      options: ['--connection', '--team', '--user', '--email'],
      badValues: [['--via', 'fax']],
    },
    {
      path: ['action', 'remove-from-team'],
      positionals: 0,
      options: ['--connection', '--team', '--user', '--email'],
      badValues: [['--via', 'fax']],
    },
    { path: ['teams'], positionals: 1, options: ['--connection'], badValues: [] },
    { path: ['people', 'invite'], positionals: 1, options: ['--name'], badValues: [['--role', 'boss']] },
    { path: ['people', 'set-role'], positionals: 2, options: [], badValues: [] },
    { path: ['people', 'disable'], positionals: 1, options: [], badValues: [] },
    { path: ['capabilities'], positionals: 1, options: [], badValues: [] },
    {
      path: ['audit'],
      positionals: 0,
      options: ['--connection'],
      badValues: [
        ['--action', 'nuke'],
        ['--limit', '-1'],
      ],
    },
    { path: ['reviews'], positionals: 0, options: [], badValues: [] },
    {
      path: ['reviews', 'create'],
      positionals: 0,
      options: ['--name', '--connection', '--reviewer', '--fallback'],
      badValues: [
        ['--default', 'maybe'],
        ['--due', 'tomorrow'],
        ['--inactive-days', '0'],
        ['--recurrence', 'weekly'],
        ['--apply', 'later'],
      ],
    },
    { path: ['reviews', 'show'], positionals: 1, options: ['--reviewer'], badValues: [] },
    {
      path: ['reviews', 'decide'],
      positionals: 2,
      options: ['--comment'],
      badValues: [
        ['--decision', 'fire'],
        ['--role', 'owner'],
      ],
    },
    { path: ['reviews', 'close'], positionals: 1, options: [], badValues: [] },
    { path: ['reviews', 'report'], positionals: 1, options: ['--output'], badValues: [['--format', 'pdf']] },
    { path: ['keys', 'create'], positionals: 0, options: ['--name'], badValues: [['--role', 'owner']] },
    { path: ['keys', 'list'], positionals: 0, options: [], badValues: [] },
    { path: ['keys', 'revoke'], positionals: 1, options: [], badValues: [] },
    { path: ['secrets', 'rotate'], positionals: 0, options: [], badValues: [] },
    { path: ['serve'], positionals: 0, options: [], badValues: [] },
    {
      path: ['emulator'],
      positionals: 0,
      options: [],
      badValues: [
        ['--plan', 'gold'],
        ['--users', '-5'],
        ['--port', 'http'],
      ],
    },
  ];

describe('the CLI under hostile arguments', () => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let connectionId: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    emulator = await startEmulator({ users: 40, plan: 'enterprise', seed: 77 });
    db = await createTestDatabase('sqlite');
    const app = await createSeatwise(db.config);
    const account = emulator.accounts[0]!;
    connectionId = (
      await app.connections.add({
        token: account.tokens.admin,
        apiUrl: emulator.graphqlUrl,
        permission: 'read_and_act',
      })
    ).id;
    await app.sync.sync(connectionId);
    await app.keys.create('admin', 'fuzz');
    await app.close();
    Object.assign(process.env, db.env, {
      SEATWISE_ALLOWED_ENDPOINTS: new URL(emulator.graphqlUrl).origin,
      LOG_LEVEL: 'silent',
    });
  });
  afterAll(async () => {
    process.env = saved;
    await db?.cleanup();
    await emulator?.close();
  });

  /** Every stored row, hashed: what a refused command must leave exactly as it was. */
  function snapshot(): string {
    const sqlite = new Database(join(db.dataDir, 'seatwise.db'), { readonly: true });
    try {
      const tables = sqlite
        .prepare(
          "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name",
        )
        .all() as { name: string }[];
      const hash = createHash('sha256');
      for (const { name } of tables) {
        // A refused action or a dry run is recorded as such: that record is the point of an audit log.
        const where =
          name === 'audit_entries' ? " where outcome not in ('refused', 'rejected') and dry_run = 0" : '';
        hash.update(name).update(JSON.stringify(sqlite.prepare(`select * from "${name}"${where}`).all()));
      }
      return hash.digest('hex');
    } finally {
      sqlite.close();
    }
  }

  /** Runs one command line in this process, capturing what it prints. */
  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const out = process.stdout.write;
    const err = process.stderr.write;
    process.stdout.write = ((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    }) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    }) as typeof process.stderr.write;
    try {
      const code = await runCli([process.execPath, 'seatwise', ...args]);
      return { code, stdout, stderr };
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
  }

  const noStackTrace = (text: string, context: string) => {
    expect(text, context).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
    expect(text, context).not.toMatch(/TypeError|ReferenceError|SyntaxError|ZodError/);
  };

  it('answers malformed arguments to every command with exit 2 and a one-line reason, changing nothing', async () => {
    const before = snapshot();
    const broken: fc.Arbitrary<{ extra: string[]; kind: string }> = fc.oneof(
      fc
        .constantFrom('--no-such-option', '--zz', '-q')
        .map((flag) => ({ extra: [flag], kind: 'unknown option' })),
      fc.constant({ extra: ['--json=maybe'] as string[], kind: 'value for a flag' }),
    );
    const command = fc.constantFrom(...commands);
    await fc.assert(
      fc.asyncProperty(
        command,
        fc.array(hostile, { maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(), hostile), { maxLength: 3 }),
        fc.oneof(
          broken,
          command.chain((c) =>
            c.badValues.length
              ? fc.constantFrom(...c.badValues).map((pair) => ({ extra: pair, kind: 'bad value' }))
              : broken,
          ),
        ),
        async (spec, positionals, options, breakage) => {
          const args = [...spec.path, ...positionals.slice(0, spec.positionals)];
          for (const [index, value] of options)
            if (spec.options.length) args.push(spec.options[index % spec.options.length]!, value);
          // The breakage comes first, so that no valid prefix starts something long-running.
          args.splice(spec.path.length, 0, ...breakage.extra);
          const context = `seatwise ${args.map((a) => JSON.stringify(a)).join(' ')}`;
          const result = await cli(args);
          expect(result.code, `${context}\n${result.stderr}`).toBe(2);
          expect(result.stderr.trim().length, context).toBeGreaterThan(0);
          noStackTrace(result.stderr, context);
        },
      ),
      { numRuns: 300 },
    );
    expect(snapshot()).toBe(before);
  });

  it('answers hostile ids, emails, URLs and text with a clear refusal (2, 3) or an answer, changing nothing', async () => {
    const before = snapshot();
    const cases = fc.oneof(
      hostile.map((v) => ['connections', 'show', v]),
      hostile.map((v) => ['connections', 'update', v, '--permission', 'read']),
      hostile.map((v) => ['disconnect', v]),
      hostile.map((v) => ['sync', v]),
      hostile.map((v) => ['runs', v]),
      hostile.map((v) => ['runs', 'show', v]),
      fc.tuple(hostile, hostile).map(([c, u]) => ['users', 'show', c, u]),
      hostile.map((v) => ['users', 'show', connectionId, v]),
      hostile.map((v) => ['users', v]),
      hostile.map((v) => ['users', '--search', v, '--limit', '5']),
      hostile.map((v) => ['users', connectionId, '--cursor', v]),
      hostile.map((v) => ['runs', 'show', 'run_missing', '--cursor', v]),
      hostile.map((v) => ['insights', v]),
      hostile.map((v) => ['capabilities', v]),
      hostile.map((v) => ['audit', '--connection', v]),
      hostile.map((v) => ['keys', 'revoke', v]),
      hostile.map((v) => ['action', 'invite', '--connection', connectionId, '--email', v, '--dry-run']),
      hostile.map((v) => ['action', 'set-role', '--connection', v, '--user', '1', '--role', 'viewer']),
      hostile.map((v) => [
        'action',
        'deactivate',
        '--connection',
        connectionId,
        '--user',
        `${v}x`,
        '--dry-run',
      ]),
      hostile.map((v) => ['connect', '--token', v, '--api-url', `https://${v}/v2`]),
      hostile.map((v) => ['connect', '--token', 'abc', '--api-url', v]),
      hostile.map((v) => ['connections', 'update', connectionId, '--api-url', v]),
      hostile.map((v) => ['connections', 'update', connectionId, '--account-url', v]),
    );
    await fc.assert(
      fc.asyncProperty(cases, async (args) => {
        const context = `seatwise ${args.map((a) => JSON.stringify(a)).join(' ')}`;
        const result = await cli(args);
        expect(snapshot(), `${context} changed the database`).toBe(before);
        expect([0, 2, 3], `${context}\n${result.stderr}`).toContain(result.code);
        if (result.code !== 0) {
          expect(result.stderr, context).toMatch(/^(seatwise|error): .+/);
          expect(result.stderr.trim().split('\n').length, context).toBeLessThanOrEqual(2);
        }
        noStackTrace(result.stderr + result.stdout, context);
      }),
      { numRuns: 300 },
    );
    expect(snapshot()).toBe(before);
  });

  it('says what does not exist, like the HTTP API: unknown connections, runs, users, actions', async () => {
    const cases: [string[], number, string][] = [
      [
        ['audit', '--connection', 'con_missing'],
        3,
        'seatwise: no connection with id con_missing [connection_not_found]',
      ],
      [['insights', 'con_missing'], 3, 'seatwise: no connection with id con_missing [connection_not_found]'],
      [
        ['users', 'show', 'con_missing', '1'],
        3,
        'seatwise: no connection with id con_missing [connection_not_found]',
      ],
      [
        ['users', 'show', connectionId, '1'],
        3,
        `seatwise: no synced user 1 in connection ${connectionId} [user_not_found]`,
      ],
      [['audit', '--person', 'psn_missing'], 3, 'seatwise: no person with id psn_missing [person_not_found]'],
      [['runs', 'show', 'run_missing'], 3, 'seatwise: no sync run with id run_missing [run_not_found]'],
      [['runs', 'con_missing'], 3, 'seatwise: no connection with id con_missing [connection_not_found]'],
      [
        ['audit', '--action', 'nuke'],
        2,
        "error: option '--action <name>' argument 'nuke' is invalid. expected one of: create, deactivate, invite, set_role, reactivate, add_to_team, remove_from_team, sign_in, sign_out, key_created, key_revoked, person_invited, person_role_changed, person_disabled, person_enabled, settings_changed, connection_created, connection_updated, connection_deleted, policy_created, policy_deleted, review_launched, review_reassigned, review_raise_approved, review_raise_declined, review_closed, review_reminded.",
      ],
    ];
    for (const [args, code, message] of cases) {
      const result = await cli(args);
      expect({ args, code: result.code, first: result.stderr.split('\n')[0] }).toEqual({
        args,
        code,
        first: message,
      });
    }
    const audit = await cli(['audit', '--connection', connectionId]);
    expect(audit.code).toBe(0);
  });
});
