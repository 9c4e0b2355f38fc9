import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { checkDataLocation, describeDataLocation } from '../dataLocation.ts';
import type { QueuedJob } from '../jobs/jobs.ts';
import { stopWithNpmParent } from './parentWatch.ts';
import { integerIn } from './parsers.ts';

/** What a job works on: its connection (an action batch names it in its request), or its offboarding. */
export function jobSubject(job: QueuedJob): string {
  const request = job.payload.request as { connectionId?: unknown } | undefined;
  if (job.connectionId) return job.connectionId;
  if (typeof request?.connectionId === 'string') return request.connectionId;
  return typeof job.payload.offboardingId === 'string' ? job.payload.offboardingId : '-';
}

/** `seatwise worker`: runs scheduled and queued syncs, next to any number of other workers on the database. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'Run scheduled and queued syncs only (no HTTP); any number may run against the same database',
    )
    .option('--concurrency <n>', 'syncs run at once (different connections)', integerIn(1, 64), 2)
    .action(async (flags: { concurrency: number }) => {
      const config = loadConfig();
      checkDataLocation(config, 'existing');
      const [{ createSeatwise }, { Worker }] = await Promise.all([
        import('../compose.ts'),
        import('../worker/worker.ts'),
      ]);
      const seatwise = await createSeatwise(config, {
        remote: {
          observer: {
            request: () => {},
            waited: () => {},
            clamped: (what, asked, used) =>
              process.stderr.write(
                `seatwise worker: monday named ${what} ${asked}, outside sane bounds; ${used} is used instead\n`,
              ),
          },
        },
      });
      const worker = new Worker(seatwise, seatwise.jobs, {
        concurrency: flags.concurrency,
        scheduler: seatwise.scheduler,
        leaseMs: config.SEATWISE_LEASE_SECONDS * 1000,
        onJob: (job, outcome) =>
          process.stdout.write(
            `${new Date().toISOString()} ${job.id} ${job.kind} ${jobSubject(job)}: ${outcome}\n`,
          ),
        onError: (error) => process.stderr.write(`seatwise worker: ${error.message}\n`),
      });
      // Says it runs only once it can take jobs.
      await worker.start();
      process.stdout.write(
        `Seatwise worker ${worker.holder} is running on ${describeDataLocation(config)}\n`,
      );
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        // Takes no new job; a sync in flight finishes (or, if the process is killed, is retried after its lease).
        await worker.stop();
        await seatwise.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
      stopWithNpmParent();
    });
}
