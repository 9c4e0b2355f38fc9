import { describe, expect, it } from 'vitest';
import { waitFor } from './helpers/cli.ts';
import { emulatorForFile, gql, scim } from './helpers/emulator.ts';

const emu = emulatorForFile({ users: 30, plan: 'enterprise' });
const account = () => emu.current.accounts[0]!;

describe('emulator fault injection', () => {
  it('holds every answer for the configured latency', async () => {
    emu.current.setFaults({ latencyMs: 400 });
    const limiter = emu.current.state.limiter(account());
    let answered = false;
    const pending = gql(emu.current, account().tokens.admin, '{ me { id } }').then((r) => {
      answered = true;
      return r;
    });
    // The request arrives and is held: in flight, and not answered yet.
    await waitFor(() => limiter.inFlight === 1, 'the request to arrive');
    expect(answered).toBe(false);
    const res = await pending;
    emu.current.setFaults({});
    expect(limiter.inFlight).toBe(0);
    expect(res.status).toBe(200);
  });

  it('answers a configured share of requests with 5xx, JSON for 500 and HTML for gateway errors', async () => {
    emu.current.setFaults({ serverErrorRate: 1 });
    const res = await gql(emu.current, account().tokens.admin, '{ me { id } }');
    expect(res.status).toBe(500);
    expect(res.body.errors![0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
    emu.current.setFaults({ serverErrorRate: 1, serverErrorStatus: 503 });
    const gateway = await fetch(emu.current.graphqlUrl, {
      method: 'POST',
      headers: { authorization: account().tokens.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(gateway.status).toBe(503);
    expect(await gateway.text()).toContain('<html>');
    emu.current.setFaults({ serverErrorRate: 0.5 });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++)
      statuses.push((await gql(emu.current, account().tokens.admin, '{ me { id } }')).status);
    emu.current.setFaults({});
    const failures = statuses.filter((s) => s === 500).length;
    expect(failures).toBeGreaterThan(5);
    expect(failures).toBeLessThan(35);
  });

  it('holds a timed-out request without answering until the client gives up', async () => {
    emu.current.setFaults({ timeoutRate: 1, timeoutHoldMs: 10_000 });
    const outcome = await fetch(emu.current.graphqlUrl, {
      method: 'POST',
      headers: { authorization: account().tokens.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { id } }' }),
      signal: AbortSignal.timeout(300),
    }).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    emu.current.setFaults({});
    expect(outcome).toBe('TimeoutError');
  });

  it('drops the connection once the hold time passes', async () => {
    emu.current.setFaults({ timeoutRate: 1, timeoutHoldMs: 100 });
    const outcome = await fetch(emu.current.graphqlUrl, {
      method: 'POST',
      headers: { authorization: account().tokens.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { id } }' }),
    }).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    emu.current.setFaults({});
    expect(outcome).toBe('TypeError');
  });

  it('answers with a truncated JSON body when asked for malformed bodies', async () => {
    emu.current.setFaults({ malformedRate: 1 });
    const response = await fetch(emu.current.graphqlUrl, {
      method: 'POST',
      headers: { authorization: account().tokens.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { id name email } }' }),
    });
    const text = await response.text();
    emu.current.setFaults({});
    expect(response.status).toBe(200);
    expect(() => JSON.parse(text)).toThrow();
    expect(text.startsWith('{"data":{"me":')).toBe(true);
  });

  it('revokes a token after N requests: later calls get 401', async () => {
    emu.current.setFaults({ revokeTokenAfter: 2 });
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await gql(emu.current, account().tokens.admin, '{ me { id } }')).status);
    const scimStatuses = [];
    for (let i = 0; i < 3; i++)
      scimStatuses.push((await scim(emu.current, account().scimToken!, 'GET', '/Users')).status);
    emu.current.setFaults({});
    expect(statuses).toEqual([200, 200, 401, 401]);
    expect(scimStatuses).toEqual([200, 200, 401]);
  });

  it('limits faults to the chosen surface', async () => {
    emu.current.setFaults({ serverErrorRate: 1, surfaces: ['scim'] });
    const graph = await gql(emu.current, account().tokens.admin, '{ me { id } }');
    const viaScim = await fetch(`${emu.current.scimUrl}/Users`, {
      headers: { authorization: `Bearer ${account().scimToken}` },
    });
    emu.current.setFaults({});
    expect(graph.status).toBe(200);
    expect(viaScim.status).toBe(500);
  });
});
