import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, waitFor } from './helpers/cli.ts';

describe('seatwise emulator (CLI)', () => {
  it('prints exactly one JSON line with URLs, accounts and tokens, serves them, and stops on SIGTERM', async () => {
    const { child, firstLine, output } = await startCli([
      'emulator',
      '--port',
      '0',
      '--users',
      '50',
      '--accounts',
      '2',
      '--plan',
      'enterprise',
      '--seed',
      '4',
      '--json',
    ]);
    try {
      const info = JSON.parse(firstLine);
      expect(Object.keys(info)).toEqual(['graphqlUrl', 'scimUrl', 'accounts']);
      expect(info.graphqlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2$/);
      expect(info.scimUrl).toBe(info.graphqlUrl.replace(/\/v2$/, '/scim/v2'));
      expect(info.accounts).toHaveLength(2);
      for (const account of info.accounts) {
        expect(Object.keys(account)).toEqual(['id', 'slug', 'plan', 'tokens', 'scimToken']);
        expect(account.plan).toBe('enterprise');
        expect(Object.keys(account.tokens)).toEqual(['admin', 'member', 'viewer']);
        expect(typeof account.scimToken).toBe('string');
      }
      const response = await fetch(info.graphqlUrl, {
        method: 'POST',
        headers: { authorization: info.accounts[1].tokens.admin, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ account { id slug } }' }),
      });
      const body = (await response.json()) as any;
      expect(body.data.account).toEqual({ id: info.accounts[1].id, slug: info.accounts[1].slug });
      const scim = await fetch(`${info.scimUrl}/Users?count=1`, {
        headers: { authorization: `Bearer ${info.accounts[0].scimToken}` },
      });
      expect(scim.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'close');
    expect(code).toBe(0);
    expect(output().trim().split('\n')).toHaveLength(1);
  });

  it('prints null scimToken on plans without SCIM, and the same tokens for the same seed', async () => {
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const { child, firstLine } = await startCli([
        'emulator',
        '--port',
        '0',
        '--users',
        '10',
        '--plan',
        'standard',
        '--seed',
        '9',
        '--json',
      ]);
      child.kill('SIGINT');
      await once(child, 'close');
      runs.push(JSON.parse(firstLine));
    }
    expect(runs[0].accounts[0].scimToken).toBeNull();
    expect(runs[0].accounts).toEqual(runs[1].accounts);
  });

  it('prints a readable summary without --json', async () => {
    const { child, firstLine, output } = await startCli([
      'emulator',
      '--port',
      '0',
      '--users',
      '10',
      '--plan',
      'pro',
    ]);
    // Its summary is printed whole (every account line) before it is stopped.
    await waitFor(() => /plan pro {2}10 users/.test(output()), 'the summary');
    child.kill('SIGTERM');
    await once(child, 'close');
    expect(firstLine).toBe('monday.com emulator ready');
    const text = output();
    expect(text).toMatch(/GraphQL {2}http:\/\/127\.0\.0\.1:\d+\/v2/);
    expect(text).toMatch(/account \d+ {2}\w+ \(\w+\.monday\.com\) {2}plan pro {2}10 users/);
    expect(text).toMatch(/admin token {3}eyJ/);
    expect(text).toContain('SCIM token    (none: SCIM needs the Enterprise plan)');
  });

  it('rejects bad options with a clear message and a non-zero exit', async () => {
    const badPlan = await runCli(['emulator', '--plan', 'gold']);
    // Usage errors from the argument parser exit 2, as documented.
    expect(badPlan.code).toBe(2);
    expect(badPlan.stderr).toContain(
      "option '--plan <tier>' argument 'gold' is invalid. expected one of: free, basic, standard, pro, enterprise.",
    );
    const badUsers = await runCli(['emulator', '--users', '-5']);
    expect(badUsers.code).toBe(2);
    expect(badUsers.stderr).toContain('--users');
    const unknown = await runCli(['users', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--bogus'");
    const missing = await runCli(['users', '--limit']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("option '--limit <n>' argument missing");
  });

  it('prints help with no arguments and its version with --version', async () => {
    const bare = await runCli([]);
    expect(bare.code).toBe(0);
    expect(bare.stdout).toContain('Usage: seatwise [options] [command]');
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const printed = await runCli(['--version']);
    expect(printed).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('has --help on every command', async () => {
    const root = await runCli(['--help']);
    expect(root.code).toBe(0);
    expect(root.stdout).toContain('emulator');
    expect(root.stdout).toContain('serve');
    for (const command of ['emulator', 'serve']) {
      const help = await runCli([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: seatwise ${command}`);
    }
  });
});
