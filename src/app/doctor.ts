import { type Config, loadConfig } from '../config.ts';
import { checkDataLocation, describeDataLocation } from '../dataLocation.ts';
import { AppError } from '../domain/appError.ts';
import { inspectSchema } from '../store/database.ts';
import { Mailer } from './mailer.ts';

/** One line of `seatwise doctor`: what was checked, how it stands, and what to do when it is not right. */
export interface DoctorCheck {
  check: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix: string | null;
}

const ok = (check: string, detail: string): DoctorCheck => ({ check, status: 'ok', detail, fix: null });
const warn = (check: string, detail: string, fix: string): DoctorCheck => ({
  check,
  status: 'warn',
  detail,
  fix,
});
const fail = (check: string, detail: string, fix: string): DoctorCheck => ({
  check,
  status: 'fail',
  detail,
  fix,
});

/** Runs `work`, or fails with "did not answer within N s" after `ms`. */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Checks a Seatwise installation from its environment: the configuration, the database and its migrations, the
 * secret key, every connection's token and endpoint (one cheap call each) and the API version monday serves,
 * and the SMTP server and identity provider when configured. It changes nothing (no migration is applied).
 */
export async function runDoctor(
  env: NodeJS.ProcessEnv = process.env,
  options: { timeoutMs?: number } = {},
): Promise<DoctorCheck[]> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const checks: DoctorCheck[] = [];
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    return [
      fail('configuration', message(error), 'correct that variable (docs/operations.md lists them all)'),
    ];
  }
  checks.push(ok('configuration', `every variable is valid; data: ${describeDataLocation(config)}`));

  try {
    checkDataLocation(config, 'existing');
  } catch (error) {
    checks.push(
      fail(
        'database',
        message(error),
        'start Seatwise once (npm start or seatwise serve) to create it, or point SEATWISE_DATA_DIR or DATABASE_URL at the existing one',
      ),
    );
    return checks;
  }
  let schemaReady = false;
  try {
    const schema = await within(
      timeoutMs,
      inspectSchema({ databaseUrl: config.DATABASE_URL, dataDir: config.SEATWISE_DATA_DIR }),
    );
    const where = `${schema.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite'} at ${schema.location}`;
    if (schema.unknown.length > 0)
      checks.push(
        fail(
          'database',
          `${where} was migrated by a newer Seatwise (${schema.unknown.join(', ')})`,
          'run the Seatwise version that made it, or restore a backup made by this one',
        ),
      );
    else if (schema.applied < schema.known)
      checks.push(
        warn(
          'database',
          `${where}: ${schema.known - schema.applied} of ${schema.known} migrations not applied yet`,
          'the next start of seatwise serve (or any command) applies them; back the database up first',
        ),
      );
    else {
      schemaReady = true;
      checks.push(ok('database', `${where}; all ${schema.known} migrations applied`));
    }
  } catch (error) {
    checks.push(
      fail(
        'database',
        `cannot be opened: ${message(error)}`,
        'check DATABASE_URL or the data directory and its rights',
      ),
    );
    return checks;
  }

  if (schemaReady) checks.push(...(await connectionChecks(config, timeoutMs)));
  checks.push(...(await providerChecks(config, timeoutMs)));
  return checks;
}

async function connectionChecks(config: Config, timeoutMs: number): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const { createSeatwise } = await import('../compose.ts');
  let app: Awaited<ReturnType<typeof createSeatwise>>;
  try {
    app = await createSeatwise(config, { remote: { timeoutMs, maxRetries: 0 } });
  } catch (error) {
    return [
      fail(
        'secret key',
        message(error),
        'set SEATWISE_SECRET_KEY (or restore secret.key in the data directory) to the key the tokens were sealed with',
      ),
    ];
  }
  try {
    const connections = await app.connections.list();
    if (connections.length === 0)
      checks.push(ok('connections', 'none yet (seatwise connect, or Connect monday.com in the web UI)'));
    let opened = 0;
    for (const c of connections) {
      const name = `connection ${c.id} (${c.accountName})`;
      if (c.demo) {
        checks.push(ok(name, 'the demo account: it runs inside the Seatwise server that started it'));
        continue;
      }
      let api: Awaited<ReturnType<typeof app.connections.api>>;
      try {
        api = await app.connections.api(c.id);
        opened++;
      } catch (error) {
        if (error instanceof AppError && error.code === 'endpoint_not_allowed') {
          opened++;
          checks.push(
            fail(
              name,
              message(error),
              'list the endpoint in SEATWISE_ALLOWED_ENDPOINTS, or point the connection at monday',
            ),
          );
          continue;
        }
        checks.push(
          fail(
            name,
            `its token does not open with this secret key: ${message(error)}`,
            'set SEATWISE_SECRET_KEY (and SEATWISE_PREVIOUS_SECRET_KEYS during a rotation) to the key it was sealed with',
          ),
        );
        continue;
      }
      try {
        const info = await within(timeoutMs, api.meAndAccount());
        const served = api.client.servedVersion;
        const version =
          c.apiVersion === 'current'
            ? `follows monday's current version (served ${served ?? 'unknown'})`
            : `pinned ${c.apiVersion}, served ${served ?? 'unknown'}`;
        const who = `the token opens account ${info.account?.name ?? c.accountName}; API ${version}`;
        const notice = c.apiVersionNotice;
        checks.push(notice?.level === 'warning' ? warn(name, who, notice.message) : ok(name, who));
      } catch (error) {
        const text = message(error);
        checks.push(
          fail(
            name,
            `${c.apiUrl}: ${text}`,
            /not authenticated|token|401|unauthori/i.test(text)
              ? `enter a current API token: seatwise connections update ${c.id} --token -`
              : /not allowed|endpoint/i.test(text)
                ? 'list the endpoint in SEATWISE_ALLOWED_ENDPOINTS, or point the connection at monday'
                : 'check that the endpoint is reachable from this machine (proxy, firewall, DNS)',
          ),
        );
      }
    }
    if (connections.length > 0 && opened === connections.filter((c) => !c.demo).length && opened > 0)
      checks.push(ok('secret key', `opens the tokens of all ${opened} connections`));
  } finally {
    await app.close();
  }
  return checks;
}

async function providerChecks(config: Config, timeoutMs: number): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  if (config.SEATWISE_SMTP_URL) {
    const mailer = new Mailer(config.SEATWISE_SMTP_URL, config.SEATWISE_SMTP_FROM);
    try {
      await within(timeoutMs, mailer.verify());
      checks.push(ok('smtp', 'the SMTP server accepts Seatwise (nothing was sent)'));
    } catch (error) {
      checks.push(
        fail('smtp', message(error), 'check SEATWISE_SMTP_URL: host, port, user and password, and STARTTLS'),
      );
    } finally {
      mailer.close();
    }
  } else checks.push(ok('smtp', 'not configured: access-review reminders are not e-mailed'));
  if (config.oidc) {
    const url = `${config.oidc.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
      if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
      const discovery = (await response.json()) as { issuer?: unknown };
      if (discovery.issuer !== config.oidc.issuer)
        throw new Error(
          `the provider names its issuer ${String(discovery.issuer)}, not ${config.oidc.issuer}`,
        );
      checks.push(ok('single sign-on', `${config.oidc.issuer} answers its discovery document`));
    } catch (error) {
      checks.push(
        fail(
          'single sign-on',
          message(error),
          'check SEATWISE_OIDC_ISSUER (exactly as the provider names itself) and that it is reachable',
        ),
      );
    }
  } else checks.push(ok('single sign-on', 'not configured: people sign in with API keys'));
  return checks;
}
