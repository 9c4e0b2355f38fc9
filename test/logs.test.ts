import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { binPath, freePort, runCli, startServe, waitFor } from './helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from './helpers/databases.ts';

const ESC = String.fromCharCode(27);
const stripColours = (text: string) =>
  text.replaceAll(new RegExp(`${ESC}\\[\\d+m`, 'g'), '').replace(/\r/g, '');

describe("the server's log", () => {
  const made: TestDatabase[] = [];
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    for (const d of made.splice(0)) await d.cleanup();
  });
  async function serveWith(extra: Record<string, string>) {
    const db = await createTestDatabase('sqlite');
    made.push(db);
    const port = await freePort();
    const serve = await startServe({ ...db.env, SEATWISE_PORT: String(port), ...extra });
    stops.push(async () => {
      serve.child.kill('SIGTERM');
      if (serve.child.exitCode === null) await new Promise((r) => serve.child.once('close', r));
    });
    const base = `http://127.0.0.1:${port}`;
    await fetch(`${base}/health?code=one-time-secret`);
    await waitFor(
      () => serve.out().includes('"statusCode":200') || / 200 in \d+ ms/.test(serve.out()),
      'the request in the log',
    );
    return serve;
  }

  it('is JSON, one event per line, when nobody watches a terminal', async () => {
    const serve = await serveWith({});
    const lines = serve.out().trim().split('\n');
    const events = lines.map((line) => JSON.parse(line) as { msg: string; req?: { url: string } });
    expect(events.map((e) => e.msg)).toContain('Seatwise is listening');
    expect(events.find((e) => e.msg === 'incoming request')!.req!.url).toBe('/health?code=[redacted]');
    // The first admin key is on the terminal's other stream, never in the log.
    const key = /\n {4}(sw_\S+)\n/.exec(serve.err())![1]!;
    expect(serve.out()).not.toContain(key);
  });

  it('is readable lines with LOG_FORMAT=pretty: time, level, message; requests in one short line each way', async () => {
    const serve = await serveWith({ LOG_FORMAT: 'pretty' });
    const out = serve.out();
    expect(out).not.toMatch(/^\{/m);
    expect(out).toMatch(
      /^\[\d\d:\d\d:\d\d\] INFO: Seatwise is listening \{"address":"http:\/\/127\.0\.0\.1:\d+"/m,
    );
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: req-1 GET \/health\?code=\[redacted\]$/m);
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: req-1 200 in \d+ ms$/m);
    expect(out).not.toContain('one-time-secret');
    // No colours when the output is not a terminal.
    expect(out).not.toContain('\u001b[');
    expect(serve.err()).toMatch(/first admin API key[\s\S]*\n {4}sw_\S+\n/);
  });

  it.runIf(existsSync('/usr/bin/script'))(
    'is readable on a terminal by default, with the first admin key shown',
    async () => {
      const db = await createTestDatabase('sqlite');
      made.push(db);
      const port = await freePort();
      // `script` gives the server a terminal of its own, as `npm start` in a shell does.
      const child = spawn('/usr/bin/script', ['-qfec', `${process.execPath} ${binPath} serve`, '/dev/null'], {
        env: { ...process.env, ...db.env, SEATWISE_PORT: String(port) },
      });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      stops.push(async () => {
        child.kill('SIGTERM');
        if (child.exitCode === null) await new Promise((r) => child.once('close', r));
      });
      await waitFor(
        () => stripColours(out).includes('Seatwise is listening'),
        'the server to listen',
        30_000,
      );
      await fetch(`http://127.0.0.1:${port}/api/users`);
      await waitFor(() => / 401 in \d+ ms/.test(stripColours(out)), 'the request in the log');
      const text = stripColours(out);
      expect(out).toContain('\u001b[32mINFO');
      expect(text).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: req-1 GET \/api\/users$/m);
      expect(text).toMatch(/Store it now; it will not be shown again:\n\n {4}sw_\S+\n/);
      expect(text).not.toMatch(/^\{"level"/m);
    },
  );

  it('refuses a LOG_FORMAT it does not know', async () => {
    const db = await createTestDatabase('sqlite');
    made.push(db);
    const run = await runCli(['serve'], { ...db.env, LOG_FORMAT: 'xml' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('LOG_FORMAT');
  });
});
