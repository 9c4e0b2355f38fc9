import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { type Access, allows, type SeatwiseRole, seatwiseRoles } from '../src/domain/roles.ts';
import { type ApiHarness, startApi } from './helpers/api.ts';
import { freePort } from './helpers/cli.ts';
import { oidcEnv, type RunningProvider, startProviderFor } from './helpers/oidcProvider.ts';
import { SsoBrowser } from './helpers/ssoDriver.ts';

/** The HTTP API page's route × role table (docs/http-api.md): each route and the roles it marks ✓. */
function readmeTable(): Map<string, Set<string>> {
  const readme = readFileSync(new URL('../docs/http-api.md', import.meta.url), 'utf8');
  const start = readme.indexOf('| route × role');
  expect(start, 'docs/http-api.md has a "route × role" table').toBeGreaterThan(0);
  const rows = new Map<string, Set<string>>();
  for (const line of readme.slice(start).split('\n').slice(2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').map((c) => c.trim());
    const route = cells[1]!.replace(/`/g, '');
    const marks = new Set<string>();
    ['none', ...seatwiseRoles].forEach((role, i) => {
      if (cells[i + 2] === '✓') marks.add(role);
    });
    rows.set(route, marks);
  }
  return rows;
}

/** A concrete path for an OpenAPI path template: ids nobody has, so allowed calls change nothing. */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, (p) => (p === '{teamId}' ? '1' : 'x_missing'));

describe('every route checks the role: the table in docs/http-api.md, the server and the OpenAPI document agree', () => {
  let h: ApiHarness;
  let provider: RunningProvider;
  let base: string;
  const keys = {} as Record<SeatwiseRole, string>;
  /** A person of each role, signed in with single sign-on (their browser, its CSRF token). */
  const people = {} as Record<SeatwiseRole, { browser: SsoBrowser; csrf: string }>;
  const signInAs = async (role: SeatwiseRole) => {
    const browser = new SsoBrowser();
    expect(await browser.signIn(base, role)).toBe('/');
    const session = await browser.api(base, 'GET', '/api/session');
    expect(session.body).toMatchObject({ kind: 'person', role });
    people[role] = { browser, csrf: session.body.csrfToken };
  };

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startProviderFor(
      base,
      Object.fromEntries(
        seatwiseRoles.map((role) => [
          role,
          { email: `${role}@acme.test`, name: role, groups: [`sw-${role}`] },
        ]),
      ),
    );
    const { oidc } = loadConfig({
      SEATWISE_DATA_DIR: '/tmp/unused',
      ...oidcEnv(provider, base, {
        SEATWISE_OIDC_ROLE_GROUPS: seatwiseRoles.map((role) => `${role}=sw-${role}`).join(';'),
      }),
    });
    h = await startApi('sqlite', { users: 20 }, { port, config: { oidc } });
    for (const role of seatwiseRoles) await signInAs(role);
    // A reviewer key belongs to a person (the reviews it opens are theirs); the others are nobody's.
    for (const role of seatwiseRoles)
      keys[role] = (
        await h.seatwise.keys.create(role, `${role} key`, {
          actor: 'cli',
          forEmail: role === 'reviewer' ? 'reviewer@acme.test' : null,
        })
      ).key;
  });
  afterAll(async () => {
    await h?.close();
    await provider?.close();
  });

  it('tries every route of the OpenAPI document with no key, with a key of every role and as a person of every role', async () => {
    const table = readmeTable();
    const document = (await h.call('GET', '/openapi.json')).body;
    const tried: string[] = [];
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(item).filter((m) =>
        ['get', 'post', 'put', 'patch', 'delete'].includes(m),
      )) {
        const route = `${method.toUpperCase()} ${path}`;
        const marks = table.get(route);
        expect(marks, `${route} is in the route × role table of docs/http-api.md`).toBeDefined();
        // The demo starts an emulator inside the server: its allowed calls are left to the tests that use it.
        const skipAllowed = route === 'POST /api/demo';
        const callAs = async (key: string | null) =>
          (
            await h.call(method.toUpperCase(), concrete(path), {
              key,
              ...(method === 'get' || method === 'delete' ? {} : { body: {} }),
            })
          ).status;
        const anonymous = await callAs(null);
        expect(anonymous === 401, `${route} without a key: ${anonymous}`).toBe(!marks!.has('none'));
        const asPerson = async (role: SeatwiseRole) => {
          const { browser, csrf } = people[role];
          const body = method === 'get' || method === 'delete' ? undefined : {};
          const status = (await browser.api(base, method.toUpperCase(), concrete(path), body, csrf)).status;
          // Signing out ends the session: the person signs in again for the routes that follow.
          if (route === 'DELETE /api/session' && marks!.has(role)) await signInAs(role);
          return status;
        };
        for (const role of seatwiseRoles) {
          if (skipAllowed && marks!.has(role)) continue;
          for (const [who, status] of [
            ['key', await callAs(keys[role])],
            ['person', await asPerson(role)],
          ] as const) {
            if (marks!.has(role))
              expect([401, 403], `${route} as a ${role} ${who}: ${status}`).not.toContain(status);
            else expect(status, `${route} as a ${role} ${who}`).toBe(403);
          }
        }
        tried.push(route);
      }
    }
    // The table has no route the server does not serve.
    expect([...table.keys()].sort()).toEqual([...tried].sort());
  });

  it('says which role a refused route needs and which one the key has', async () => {
    const res = await h.call('POST', '/api/actions/plan', { key: keys.viewer, body: {} });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe(
      'this needs the operator role or higher; the key used has the viewer role',
    );
    const reviewer = await h.call('GET', '/api/users', { key: keys.reviewer });
    expect(reviewer.body.error.message).toBe(
      'this needs the viewer role or higher; the key used has the reviewer role',
    );
  });

  it('orders the roles, each allowing what the one below it does', () => {
    const accesses: Access[] = ['signedIn', 'viewer', 'operator', 'admin'];
    for (const [i, role] of seatwiseRoles.entries())
      for (const below of seatwiseRoles.slice(0, i))
        for (const access of accesses) if (allows(below, access)) expect(allows(role, access)).toBe(true);
  });
});
