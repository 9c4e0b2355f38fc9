/**
 * The emulator in its own process for benchmarks, so monday's side never shares a core or a heap with the
 * Seatwise process being measured. Started by `startEmulatorProcess`; driven over IPC.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EmulatorOptions } from '../src/emulator/server.ts';

/** monday's quotas raised out of the way: the benchmarks measure Seatwise, not them. */
export const BENCH_LIMITS = {
  complexityPerMinute: 2_000_000_000,
  maxQueryComplexity: 2_000_000_000,
  requestsPerMinute: 1_000_000,
  dailyCalls: 1_000_000_000,
};

export interface EmulatorProcess {
  graphqlUrl: string;
  tokens: string[];
  /** Added latency before every answer. */
  setLatency(ms: number): Promise<void>;
  /** Changes the role of this share of one account's users (as an admin would in monday); returns how many. */
  changeShare(share: number, account?: number): Promise<number>;
  close(): Promise<void>;
}

type Request = { op: 'latency'; ms: number } | { op: 'change'; share: number; account: number };

export async function startEmulatorProcess(options: EmulatorOptions): Promise<EmulatorProcess> {
  const child = fork(fileURLToPath(import.meta.url), [JSON.stringify(options)], {
    execArgv: ['--import', 'tsx', '--max-old-space-size=8192'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies: ((value: unknown) => void)[] = [];
  const ready = new Promise<{ graphqlUrl: string; tokens: string[] }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { graphqlUrl: string; tokens: string[] }));
    child.once('exit', (code) => reject(new Error(`the emulator process exited (${code})`)));
  });
  const started = await ready;
  child.on('message', (m) => replies.shift()?.(m));
  const ask = (request: Request) =>
    new Promise<unknown>((resolve) => {
      replies.push(resolve);
      child.send(request);
    });
  return {
    ...started,
    setLatency: async (ms) => {
      await ask({ op: 'latency', ms });
    },
    changeShare: async (share, account = 0) => (await ask({ op: 'change', share, account })) as number,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

if (process.send && process.argv[2]) {
  const { startEmulator } = await import('../src/emulator/server.ts');
  const options = JSON.parse(process.argv[2]) as EmulatorOptions;
  const emulator = await startEmulator(options);
  process.on('message', (raw) => {
    const request = raw as Request;
    if (request.op === 'latency') {
      emulator.setFaults({ latencyMs: request.ms });
      process.send!(true);
    } else {
      // Every k-th member becomes a viewer and every k-th viewer a member: role, license and seat change.
      const users = emulator.accounts[request.account]!.users;
      const step = Math.max(1, Math.round(1 / request.share));
      let changed = 0;
      for (let i = step - 1; i < users.length; i += step) {
        const user = users[i]!;
        if (user.kind === 'member') user.kind = 'view_only';
        else if (user.kind === 'view_only') user.kind = 'member';
        else continue;
        user.updatedAt = new Date();
        changed++;
      }
      process.send!(changed);
    }
  });
  process.on('SIGTERM', () => {
    void emulator.close().then(() => process.exit(0));
  });
  process.send({ graphqlUrl: emulator.graphqlUrl, tokens: emulator.accounts.map((a) => a.tokens.admin) });
}
