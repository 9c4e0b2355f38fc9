import type { Command } from 'commander';
import type { DestinationStream } from 'pino';
import { loadConfig } from '../config.ts';
import { checkDataLocation, describeDataLocation } from '../dataLocation.ts';
import { stopWithNpmParent } from './parentWatch.ts';

const SHUTDOWN_GRACE_MS = 30_000;

/**
 * Where the server's log goes: readable lines (time, level, message, then the fields) when a person watches a
 * terminal, or when asked; pino's JSON lines, one per event, for log collectors. Redaction happens before either.
 */
async function logStreamFor(format: 'auto' | 'pretty' | 'json'): Promise<DestinationStream | undefined> {
  if (format === 'json' || (format === 'auto' && !process.stdout.isTTY)) return undefined;
  const { default: pretty } = await import('pino-pretty');
  return pretty({
    colorize: process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,reqId,req,res,responseTime',
    singleLine: true,
    // A request in one short line each way: what came in, and how it ended.
    messageFormat: (log, messageKey) => {
      const message = String(log[messageKey] ?? '');
      const req = log.req as { method?: string; url?: string } | undefined;
      const res = log.res as { statusCode?: number } | undefined;
      const id = log.reqId ? `${log.reqId} ` : '';
      if (message === 'incoming request' && req) return `${id}${req.method} ${req.url}`;
      if (message === 'request completed' && res)
        return `${id}${res.statusCode} in ${Math.round(Number(log.responseTime ?? 0))} ms`;
      return `${id}${message}`;
    },
    sync: true,
    destination: 1,
  });
}

/** `seatwise serve`: runs the Seatwise server (also what `npm start` runs). */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'Run the Seatwise server: web UI at /, HTTP API, reference at /docs, and a worker for scheduled and queued syncs (settings from the environment)',
    )
    .option('--no-worker', 'serve only; leave scheduled and queued syncs to `seatwise worker` processes')
    .action(async (flags: { worker: boolean }) => {
      const config = loadConfig();
      checkDataLocation(config, 'create');
      const [{ createSeatwise }, { buildServer }, { Metrics }] = await Promise.all([
        import('../compose.ts'),
        import('../http/server.ts'),
        import('../http/metrics.ts'),
      ]);
      const metrics = new Metrics();
      const seatwise = await createSeatwise(config, { remote: { observer: metrics } });
      const initial = await seatwise.keys.ensureInitialKey();
      const app = await buildServer(seatwise, {
        logLevel: config.LOG_LEVEL,
        logStream: await logStreamFor(config.LOG_FORMAT),
        metrics,
        trustedProxies: config.SEATWISE_TRUSTED_PROXIES,
        secureCookies:
          config.SEATWISE_SECURE_COOKIES === 'auto' ? 'auto' : config.SEATWISE_SECURE_COOKIES === 'true',
      });
      metrics.onClamped = (fields) =>
        app.log.warn(fields, 'monday named a wait or limit outside sane bounds; the bound is used instead');
      await app.listen({ port: config.SEATWISE_PORT, host: config.SEATWISE_HOST });
      // Notifications stored without a delivery job (an earlier version's) are queued for the workers.
      await seatwise.notifier.resume();
      // A demo account connected before a restart gets its in-process emulator back (and a fresh sync).
      seatwise.demo.resume().then(
        (demo) => demo && app.log.info({ connection: demo.id }, 'demo account started again'),
        (error: Error) => app.log.warn({ err: error }, 'the demo account could not start again'),
      );
      const address = `http://${config.SEATWISE_HOST}:${config.SEATWISE_PORT}`;
      if (initial) {
        // Printed once, to the terminal only: the key is stored hashed and cannot be shown again.
        process.stderr.write(
          `\nSeatwise created its first admin API key. Store it now; it will not be shown again:\n\n    ${initial.key}\n\nSign in at ${address}/ with it (the web UI), or send "Authorization: Bearer <key>" to the API (reference at ${address}/docs). Create more with: seatwise keys create --role viewer\n\n`,
        );
      }
      app.log.info(
        { address, store: describeDataLocation(config), dialect: seatwise.store.dialect },
        'Seatwise is listening',
      );
      const { Worker } = await import('../worker/worker.ts');
      const worker = flags.worker
        ? new Worker(seatwise, seatwise.jobs, {
            scheduler: seatwise.scheduler,
            leaseMs: config.SEATWISE_LEASE_SECONDS * 1000,
            onError: (error) => app.log.error({ err: error }, 'worker: the database or a schedule failed'),
            onJob: (job, outcome) =>
              app.log.info({ job: job.id, connection: job.connectionId, outcome }, 'job'),
          })
        : null;
      worker
        ?.start()
        .catch((error: Error) => app.log.error({ err: error }, 'worker: could not start taking jobs'));
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        app.log.info({ signal }, 'shutting down: finishing requests in flight');
        const timer = setTimeout(() => {
          app.log.warn(
            'requests still running after the grace period; exiting (an unfinished sync keeps the previous data)',
          );
          process.exit(1);
        }, SHUTDOWN_GRACE_MS);
        timer.unref();
        // A keep-alive connection whose request finishes during the shutdown would hold the close open: each is
        // closed as soon as it is idle.
        const closeIdle = setInterval(() => app.server.closeIdleConnections(), 50);
        closeIdle.unref();
        await worker?.stop();
        await app.close();
        clearInterval(closeIdle);
        await seatwise.sync.drain();
        await seatwise.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      stopWithNpmParent();
    });
}
