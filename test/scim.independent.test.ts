import type { Server } from 'node:http';
import express from 'express';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScimDeactivate } from '../src/actions/executors.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { ScimClient } from '../src/monday/scimClient.ts';

const TOKEN = 'independent-scim-token';

interface StoredUser {
  id: string;
  userName: string;
  active?: boolean;
  [key: string]: unknown;
}

/** An RFC 7644 server built with SCIMMY (an independent implementation), users kept in memory. */
async function startScimmy(): Promise<{
  url: string;
  users: Map<string, StoredUser>;
  methods: string[];
  close(): Promise<void>;
}> {
  const users = new Map<string, StoredUser>();
  const methods: string[] = [];
  let next = 1;
  const notFound = (id: string) =>
    new SCIMMY.Types.Error(404, null as unknown as string, `Resource ${id} not found`);
  SCIMMY.Resources.declare(SCIMMY.Resources.User)
    // SCIMMY's handler types are generic over its schema classes; the plain shapes below are what it passes.
    .ingress(((resource: { id?: string }, data: Record<string, unknown>) => {
      const userName = String(data.userName);
      if (resource.id) {
        if (!users.has(resource.id)) throw notFound(resource.id);
        const updated = { ...(data as StoredUser), id: resource.id };
        users.set(resource.id, updated);
        return updated;
      }
      if ([...users.values()].some((u) => u.userName.toLowerCase() === userName.toLowerCase()))
        throw new SCIMMY.Types.Error(409, 'uniqueness', `userName ${userName} is already taken`);
      const created = { ...(data as StoredUser), id: String(next++) };
      users.set(created.id, created);
      return created;
    }) as never)
    .egress(((resource: { id?: string; filter?: { match(values: unknown[]): unknown[] } }) => {
      if (resource.id) {
        const user = users.get(resource.id);
        if (!user) throw notFound(resource.id);
        return user;
      }
      const all = [...users.values()];
      return resource.filter ? resource.filter.match(all) : all;
    }) as never)
    .degress(((resource: { id?: string }) => {
      users.delete(resource.id!);
    }) as never);
  const app = express();
  app.use((request, _response, next) => {
    methods.push(request.method);
    next();
  });
  app.use(
    '/scim/v2',
    new SCIMMYRouters({
      type: 'bearer',
      handler: (request: express.Request) => {
        if (request.header('authorization') !== `Bearer ${TOKEN}`) throw new Error('not authenticated');
        return 'tester';
      },
    }),
  );
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/scim/v2`,
    users,
    methods,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the SCIM client against an independent SCIM 2.0 server (SCIMMY) and against the emulator', () => {
  let scimmy: Awaited<ReturnType<typeof startScimmy>>;
  let emulator: RunningEmulator;
  beforeAll(async () => {
    scimmy = await startScimmy();
    emulator = await startEmulator({ users: 20, plan: 'enterprise', seed: 95 });
  });
  afterAll(async () => {
    await scimmy?.close();
    await emulator?.close();
  });

  const servers = () =>
    [
      ['SCIMMY', new ScimClient({ token: TOKEN, baseUrl: scimmy.url, retry: { baseDelayMs: 1 } })],
      [
        'the emulator',
        new ScimClient({
          token: emulator.accounts[0]!.scimToken!,
          baseUrl: emulator.scimUrl,
          retry: { baseDelayMs: 1 },
        }),
      ],
    ] as const;

  it('creates a user, finds it by userName, reads it, deactivates it, and treats a second create as "already exists"', async () => {
    for (const [name, client] of servers()) {
      const email = `Ada.Lovelace.${name.length}@example.com`;
      const created = await client.create({ email, name: 'Ada Lovelace', userType: 'member' });
      expect(created, name).toMatchObject({ userName: email.toLowerCase(), active: true, existed: false });
      const again = await client.create({ email, name: 'Ada Lovelace', userType: 'member' });
      expect(again, name).toMatchObject({ id: created.id, existed: true });

      expect(await client.findByUserName(email), name).toMatchObject({ id: created.id });
      expect(await client.findByUserName(`nobody.${name.length}@example.com`), name).toBeNull();
      expect(await client.get(created.id), name).toMatchObject({ id: created.id, active: true });

      const patched = await client.patch(created.id, { active: false });
      expect(patched, name).toMatchObject({ id: created.id, active: false });
      expect((await client.get(created.id))?.active, name).toBe(false);
      expect(await client.get('999999999'), name).toBeNull();
    }
    expect([...scimmy.users.values()].map((u) => u.active)).toEqual([false]);
  });

  it('never PATCHes a user its GET did not find', async () => {
    const client = new ScimClient({ token: TOKEN, baseUrl: scimmy.url, retry: { baseDelayMs: 1 } });
    scimmy.methods.length = 0;
    const item = {
      target: '424242',
      userId: '424242',
      email: 'gone@example.com',
      name: 'Gone',
      before: { role: 'member', status: 'active' },
      outcome: 'change',
      code: null,
      reason: '',
    } as const;
    const execution = await runScimDeactivate(client, [item]);
    expect(execution.results).toEqual([
      expect.objectContaining({ outcome: 'failed', code: 'not_scim_provisioned' }),
    ]);
    expect(scimmy.methods).toEqual(['GET']);
  });

  it("sends SCIM's media type, reads a 204 answer to PATCH, and a wrong token is an authentication failure", async () => {
    let seen: string | undefined;
    let active = true;
    const requests: string[] = [];
    const probe = express();
    probe.use(express.json({ type: ['application/json', 'application/scim+json'] }));
    probe.use((request, response) => {
      requests.push(request.method);
      seen = request.header('content-type') ?? seen;
      // RFC 7644 §3.5.2: a server may answer a PATCH with 204 No Content.
      if (request.method === 'PATCH') {
        active = request.body.Operations[0].value.active;
        response.status(204).end();
        return;
      }
      response
        .status(request.method === 'POST' ? 201 : 200)
        .type('application/scim+json')
        .send(JSON.stringify({ id: '1', userName: 'x@example.com', active }));
    });
    const server = await new Promise<Server>((resolve) => {
      const s = probe.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const { port } = server.address() as { port: number };
      const client = new ScimClient({ token: 't', baseUrl: `http://127.0.0.1:${port}` });
      await client.create({ email: 'x@example.com', name: 'X', userType: 'member' });
      expect(seen).toBe('application/scim+json');
      expect(await client.patch('1', { active: false })).toMatchObject({ id: '1', active: false });
      expect(requests).toEqual(['POST', 'PATCH', 'GET']);
    } finally {
      server.close();
    }
    const wrong = new ScimClient({ token: 'wrong', baseUrl: scimmy.url, retry: { baseDelayMs: 1 } });
    await expect(wrong.get('1')).rejects.toMatchObject({ httpStatus: 401 });
  });
});
