import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

export const binPath = fileURLToPath(new URL('../../bin/seatwise.js', import.meta.url));

/** Runs `seatwise …` to completion and returns its exit code and output. */
export async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  /** What the command reads on standard input (closed and empty by default). */
  input = '',
  cwd?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = spawnCli(args, env, input, cwd);
  const { code } = await run.done;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** Starts a long-running `seatwise …` and resolves with its first stdout line once printed. */
export function startCli(
  args: string[],
): Promise<{ child: ChildProcessWithoutNullStreams; firstLine: string; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args]);
    let stdout = '';
    let stderr = '';
    let done = false;
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdout.on('data', (d) => {
      stdout += d;
      const newline = stdout.indexOf('\n');
      if (!done && newline >= 0) {
        done = true;
        resolve({ child, firstLine: stdout.slice(0, newline), output: () => stdout });
      }
    });
    child.on('close', (code) => {
      if (!done) reject(new Error(`exited ${code} before printing: ${stderr}`));
    });
  });
}

/** Starts `seatwise …` in the background; `done` resolves when it exits (a killed one too). */
export function spawnCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  /** What the command reads on standard input (closed and empty by default). */
  input = '',
  /** The folder it runs in (this process's by default). */
  cwd?: string,
): {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
} {
  const child = spawn(process.execPath, [binPath, ...args], { env: { ...process.env, ...env }, cwd });
  child.stdin.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** Polls `check` until it returns true (or throws after `timeoutMs`). */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A port held by this test where nothing answers: every connection is cut at once. Unlike a port that was
 * free a moment ago, no other test's server can take it while it is in use.
 */
export function silentPort(): Promise<{ port: number; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.destroy();
    }).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Starts `seatwise serve` and resolves once it listens. */
export async function startServe(
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; out: () => string; err: () => string }> {
  const child = spawn(process.execPath, [binPath, 'serve'], { env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const deadline = Date.now() + 20_000;
  while (!out.includes('Seatwise is listening')) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`serve did not start: ${err}${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, out: () => out, err: () => err };
}

/**
 * Starts `seatwise serve` on a fresh data directory (`env` names its port) with the first admin key it prints:
 * the key, the base URL and the headers that authenticate as it.
 */
export async function startServeWithKey(env: NodeJS.ProcessEnv): Promise<
  Awaited<ReturnType<typeof startServe>> & {
    key: string;
    base: string;
    headers: { authorization: string; 'content-type': string };
  }
> {
  const serve = await startServe(env);
  const key = /\n {4}(sw_\S+)\n/.exec(serve.err())?.[1];
  if (!key) {
    serve.child.kill('SIGTERM');
    throw new Error(`serve printed no first admin key: ${serve.err()}`);
  }
  return {
    ...serve,
    key,
    base: `http://127.0.0.1:${env.SEATWISE_PORT}`,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  };
}
