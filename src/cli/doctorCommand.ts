import type { Command } from 'commander';
import { printJson } from './output.ts';

const marks = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

/** `seatwise doctor`: checks the installation and says what to do; exit 1 when a check fails. */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'Check this installation: configuration, database and migrations, the secret key, each connection (one cheap call to monday), SMTP and single sign-on; exits 1 when a check fails',
    )
    .option('--timeout <seconds>', 'how long each remote check may take', '10')
    .option('--json', 'print the checks as JSON')
    .action(async (flags) => {
      const seconds = Number(flags.timeout);
      if (!/^\d{1,3}$/.test(flags.timeout) || seconds < 1) {
        const { AppError } = await import('../domain/appError.ts');
        throw new AppError(
          'invalid_input',
          'invalid_timeout',
          '--timeout must be a whole number of seconds from 1 to 999',
        );
      }
      const { runDoctor } = await import('../app/doctor.ts');
      const checks = await runDoctor(process.env, { timeoutMs: seconds * 1000 });
      if (flags.json) printJson(checks);
      else
        for (const c of checks) {
          process.stdout.write(`${marks[c.status]}  ${c.check}: ${c.detail}\n`);
          if (c.fix) process.stdout.write(`      → ${c.fix}\n`);
        }
      const failed = checks.filter((c) => c.status === 'fail').length;
      const warned = checks.filter((c) => c.status === 'warn').length;
      if (!flags.json)
        process.stdout.write(
          failed > 0
            ? `${failed} check${failed === 1 ? '' : 's'} failed.\n`
            : `Healthy${warned > 0 ? `, with ${warned} warning${warned === 1 ? '' : 's'}` : ''}.\n`,
        );
      if (failed > 0) process.exitCode = 1;
    });
}
