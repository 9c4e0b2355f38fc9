import { CronExpressionParser } from 'cron-parser';

/** `off`, or a cron expression (five fields, UTC): `0 *\/6 * * *` is every six hours. */
export function nextRun(schedule: string, after: Date): string | null {
  if (schedule === 'off') return null;
  return CronExpressionParser.parse(schedule, { currentDate: after, tz: 'UTC' }).next().toISOString() ?? null;
}

/** Why a schedule is not one, or null when it is. */
export function scheduleProblem(schedule: string): string | null {
  if (schedule === 'off') return null;
  if (schedule.trim().split(/\s+/).length !== 5)
    return 'must be a cron expression of five fields, such as 0 */6 * * *, or off';
  try {
    nextRun(schedule, new Date());
    return null;
  } catch (error) {
    return `is not a cron expression (${(error as Error).message})`;
  }
}
