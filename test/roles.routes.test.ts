import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Access, allows, type SeatwiseRole, seatwiseRoles } from '../src/domain/roles.ts';
import { type ApiHarness, startApi } from './helpers/api.ts';

/** The README's route × role table: each route and the roles it marks ✓. */
function readmeTable(): Map<string, Set<string>> {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('| route × role');
  expect(start, 'the README has a "route × role" table').toBeGreaterThan(0);
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

describe('every route checks the role: the README table, the server and the OpenAPI document agree', () => {
  let h: ApiHarness;
  const keys = {} as Record<SeatwiseRole, string>;

  beforeAll(async () => {
    h = await startApi('sqlite', { users: 20 });
    for (const role of seatwiseRoles) keys[role] = (await h.seatwise.keys.create(role, `${role} key`)).key;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('tries every route of the OpenAPI document with no key and with a key of every role', async () => {
    const table = readmeTable();
    const document = (await h.call('GET', '/openapi.json')).body;
    const tried: string[] = [];
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(item).filter((m) =>
        ['get', 'post', 'put', 'patch', 'delete'].includes(m),
      )) {
        const route = `${method.toUpperCase()} ${path}`;
        const marks = table.get(route);
        expect(marks, `${route} is in the README's route × role table`).toBeDefined();
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
        for (const role of seatwiseRoles) {
          if (skipAllowed && marks!.has(role)) continue;
          const status = await callAs(keys[role]);
          if (marks!.has(role)) expect([401, 403], `${route} as ${role}: ${status}`).not.toContain(status);
          else expect(status, `${route} as ${role}`).toBe(403);
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
