import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it } from 'vitest';
import { freePort, waitFor } from './helpers/cli.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const answers = async (url: string) => {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
};

/**
 * `npm start` and `npx seatwise emulator` run Seatwise under npm: a SIGTERM to npm must stop the process that
 * does the work (as a service manager or a terminal's Ctrl-C would), never leave it running orphaned.
 */
describe('signals through npm', () => {
  it.each([
    ['npm start', ['start'], (port: number) => `http://127.0.0.1:${port}/health`],
    [
      'npx seatwise emulator',
      ['exec', '--', 'seatwise', 'emulator', '--port'],
      (port: number) => `http://127.0.0.1:${port}/v2`,
    ],
  ] as const)(
    'SIGTERM to %s stops the server it started',
    async (_name, args, url) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'seatwise-signals-'));
      dirs.push(dataDir);
      // A port free a moment ago may be taken by another test's server before this one binds it: the process
      // then exits at once, and it is started again on another port (it never answers on a port it lost).
      for (let attempt = 1; ; attempt++) {
        const port = await freePort();
        const npmArgs = args[0] === 'exec' ? [...args, String(port)] : [...args];
        const npm = spawn('npm', npmArgs, {
          cwd: root,
          env: {
            ...process.env,
            SEATWISE_DATA_DIR: dataDir,
            SEATWISE_PORT: String(port),
            LOG_LEVEL: 'error',
          },
          stdio: 'ignore',
        });
        let gone = false;
        const exited = new Promise((resolve) =>
          npm.on('exit', (code) => {
            gone = true;
            resolve(code);
          }),
        );
        try {
          await waitFor(async () => gone || (await answers(url(port))), `${_name} to answer`, 60_000);
          if (gone) {
            if (attempt < 3) continue;
            throw new Error(`${_name} exited before answering, ${attempt} times`);
          }
          npm.kill('SIGTERM');
          await exited;
          // The server itself stops too: its port stops answering.
          await waitFor(async () => !(await answers(url(port))), `${_name}'s server to stop`, 15_000);
          return;
        } finally {
          npm.kill('SIGKILL');
        }
      }
    },
    90_000,
  );
});
