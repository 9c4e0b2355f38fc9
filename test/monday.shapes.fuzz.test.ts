import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeatwise, type Seatwise } from '../src/compose.ts';
import { AppError } from '../src/domain/appError.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { MondayError } from '../src/monday/mondayError.ts';
import { createTestDatabase, type TestDatabase } from './helpers/databases.ts';

/** One way monday's answer can be other than expected, applied to the n-th value in the answer. */
interface Mutation {
  target: number;
  op:
    | 'delete'
    | 'null'
    | 'number'
    | 'string'
    | 'object'
    | 'array'
    | 'huge'
    | 'extra'
    | 'empty-array'
    /** A whole user left out of a list (the n-th of it): the bend that tempts a sync to remove someone. */
    | 'drop-user';
}

const mutation = fc.record({
  target: fc.nat({ max: 400 }),
  op: fc.constantFrom<Mutation['op']>(
    'delete',
    'null',
    'number',
    'string',
    'object',
    'array',
    'huge',
    'extra',
    'empty-array',
    'drop-user',
  ),
});

/** Every (parent, key) in a JSON value, depth first, so that a mutation can name one by index. */
function slots(value: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []) {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      out.push([value, i]);
      slots(item, out);
    });
  } else if (value && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      out.push([value as Record<string, unknown>, key]);
      slots((value as Record<string, unknown>)[key], out);
    }
  }
  return out;
}

function apply(body: unknown, m: Mutation): unknown {
  const copy = structuredClone(body);
  const root = (copy as { data?: unknown })?.data ?? copy;
  if (m.op === 'drop-user') {
    const users = (root as { users?: unknown })?.users;
    if (Array.isArray(users) && users.length > 0) users.splice(m.target % users.length, 1);
    return copy;
  }
  const all = slots(root);
  if (all.length === 0) return copy;
  const [parent, key] = all[m.target % all.length]!;
  const set = (v: unknown) => {
    (parent as Record<string | number, unknown>)[key] = v;
  };
  switch (m.op) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete (parent as Record<string, unknown>)[key as string];
      break;
    case 'null':
      set(null);
      break;
    case 'number':
      set(-12345.5);
      break;
    case 'string':
      set('surprise');
      break;
    case 'object':
      set({ unexpected: true });
      break;
    case 'array':
      set([1, 'two', null]);
      break;
    case 'huge':
      set('Z'.repeat(300_000));
      break;
    case 'extra':
      if (!Array.isArray(parent)) (parent as Record<string, unknown>).unexpected_field = { deep: [1, 2] };
      break;
    case 'empty-array':
      set([]);
      break;
  }
  return copy;
}

/** A monday in front of the emulator whose answers a test can bend. */
async function startBendingProxy(emulator: RunningEmulator) {
  let bend: ((body: unknown, request: { path: string; text: string }) => unknown) | null = null;
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers))
      if (typeof value === 'string' && !['host', 'content-length', 'connection'].includes(name))
        headers[name] = value;
    const upstream = await fetch(`${emulator.url}${req.url}`, {
      method: req.method,
      headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : text,
    });
    let answer = await upstream.text();
    if (bend && answer) {
      try {
        answer = JSON.stringify(bend(JSON.parse(answer), { path: req.url ?? '', text }));
      } catch {
        // Not JSON: passed on as it is.
      }
    }
    res.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'application/json',
    });
    res.end(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    graphqlUrl: `${origin}/v2`,
    scimUrl: `${origin}/scim/v2`,
    setBend(next: typeof bend) {
      bend = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The failure is one Seatwise understood: a clear error, not a crash. */
function expectClearError(error: unknown, context: string) {
  expect(error instanceof AppError || error instanceof MondayError, `${context}: ${String(error)}`).toBe(
    true,
  );
  const message = (error as Error).message;
  expect(message.length, context).toBeLessThan(600);
  expect(message, context).not.toMatch(/TypeError|Cannot read|undefined is not|ZZZZZZZZZZ/);
}

describe('monday answering unexpected shapes', () => {
  let emulator: RunningEmulator;
  let proxy: Awaited<ReturnType<typeof startBendingProxy>>;
  let db: TestDatabase;
  let app: Seatwise;
  let connectionId: string;
  const account = () => emulator.accounts[0]!;

  beforeAll(async () => {
    emulator = await startEmulator({ users: 60, accounts: 2, plan: 'enterprise', seed: 93 });
    proxy = await startBendingProxy(emulator);
    db = await createTestDatabase('sqlite');
    app = await createSeatwise(db.config, { remote: { maxRetries: 0, baseDelayMs: 1 } });
    connectionId = (
      await app.connections.add({
        token: account().tokens.admin,
        apiUrl: proxy.graphqlUrl,
        scimToken: account().scimToken!,
        scimUrl: proxy.scimUrl,
        permission: 'read_and_act',
      })
    ).id;
    expect((await app.sync.sync(connectionId)).status).toBe('succeeded');
  });
  afterAll(async () => {
    await app?.close();
    await db?.cleanup();
    await proxy?.close();
    await emulator?.close();
  });

  const copy = async () =>
    JSON.stringify(
      await app.store.db
        .selectFrom('directory_users')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .orderBy('remote_id')
        .execute(),
    );
  const connectionCount = async () =>
    Number(
      (
        await app.store.db
          .selectFrom('connections')
          .select((e) => e.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('connect: a bent me/account answer connects correctly or fails clearly, storing nothing', async () => {
    const second = emulator.accounts[1]!;
    const seen = { connected: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const before = await connectionCount();
        let answered: { data?: { account?: { id?: unknown; slug?: unknown } } } = {};
        proxy.setBend((body, request) => {
          if (!request.text.includes('SeatwiseMeAndAccount')) return body;
          answered = apply(body, m) as typeof answered;
          return answered;
        });
        let added: Awaited<ReturnType<Seatwise['connections']['add']>> | null = null;
        try {
          added = await app.connections.add({ token: second.tokens.member, apiUrl: proxy.graphqlUrl });
        } catch (error) {
          if (error instanceof AppError && error.code === 'already_connected') return;
          expectClearError(error, JSON.stringify(m));
          expect(await connectionCount()).toBe(before);
          seen.refused++;
        } finally {
          proxy.setBend(null);
        }
        if (added) {
          // Still a well-formed answer (an extra field, or another value of the right type): the connection
          // holds exactly what monday said.
          expect(added.accountId).toBe(String(answered.data?.account?.id));
          expect(added.accountSlug).toBe(answered.data?.account?.slug);
          seen.connected++;
          await app.connections.remove(added.id);
        }
      }),
      { numRuns: 60 },
    );
    // The bends reached Seatwise: some broke the answer, some did not.
    expect(seen.refused).toBeGreaterThan(0);
    expect(seen.connected).toBeGreaterThan(0);
  });

  it('sync: a bent users page either syncs the real users or fails clearly, leaving the copy as it was', async () => {
    const outcomes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(mutation, fc.boolean(), async (m, everyPage) => {
        const before = await copy();
        let bent = false;
        // What the bent pages said of each user (id → "name|email"), which a sync may take as monday's word.
        const said = new Map<string, Set<string>>();
        proxy.setBend((body, request) => {
          if (!request.text.includes('SeatwiseUsersPage') || (bent && !everyPage)) return body;
          bent = true;
          const answer = apply(body, m);
          const users = (answer as { data?: { users?: unknown } })?.data?.users;
          if (Array.isArray(users))
            for (const u of users as { id?: unknown; name?: unknown; email?: unknown }[])
              if (u && (typeof u.id === 'string' || typeof u.id === 'number')) {
                const id = String(u.id);
                if (!said.has(id)) said.set(id, new Set());
                said.get(id)!.add(`${u.name}|${u.email}`);
              }
          return answer;
        });
        let result: Awaited<ReturnType<Seatwise['sync']['sync']>> | undefined;
        try {
          result = await app.sync.sync(connectionId);
        } catch (error) {
          expectClearError(error, JSON.stringify(m));
        } finally {
          proxy.setBend(null);
        }
        outcomes.add(result?.status ?? 'threw');
        if (result?.status === 'failed') {
          expect(result.error?.message.length ?? 0).toBeLessThan(600);
          expect(result.error?.message).not.toMatch(/TypeError|Cannot read|ZZZZZZZZZZ/);
          expect(await copy(), `failed sync changed the copy: ${JSON.stringify(m)}`).toBe(before);
        }
        const current = async () =>
          new Map(
            (
              await app.store.db
                .selectFrom('directory_users')
                .select(['remote_id', 'name', 'email'])
                .where('connection_id', '=', connectionId)
                .where('removed_at', 'is', null)
                .execute()
            ).map((u) => [u.remote_id, `${u.name}|${u.email}`]),
          );
        if (result?.status === 'succeeded') {
          // Checked at once, before any clean sync: nobody monday has was removed on a bent page, nobody is
          // there whom neither monday nor the answer named, and each user reads as monday or the answer said.
          const stored = await current();
          const context = JSON.stringify(m);
          for (const u of account().users) {
            expect(stored.has(u.id), `${u.id} removed after ${context}`).toBe(true);
            const value = stored.get(u.id)!;
            if (value !== `${u.name}|${u.email}`)
              expect(said.get(u.id)?.has(value), `${u.id} reads ${value} after ${context}`).toBe(true);
          }
          const known = new Set(account().users.map((u) => u.id));
          for (const id of stored.keys())
            expect(known.has(id) || said.has(id), `${id} appeared after ${context}`).toBe(true);
          if (bent) outcomes.add('succeeded on a bent page');
          if (bent && m.op === 'drop-user') outcomes.add('succeeded with a user left out of a page');
        }
        // Whatever happened, a clean sync brings the copy back to monday's users.
        expect((await app.sync.sync(connectionId)).status).toBe('succeeded');
        expect(await current()).toEqual(new Map(account().users.map((u) => [u.id, `${u.name}|${u.email}`])));
      }),
      { numRuns: 40 },
    );
    expect(outcomes).toContain('failed');
    expect(outcomes).toContain('succeeded on a bent page');
    expect(outcomes).toContain('succeeded with a user left out of a page');
  });

  it('actions: a bent answer never makes Seatwise report a change monday did not make, and every audit entry closes', async () => {
    const active = account()
      .users.filter((u) => u.status === 'ACTIVE' && u.kind === 'member')
      .slice(2);
    const scimMembers = active.filter((u) => u.invitationMethod === 'SCIM');
    expect(scimMembers.length).toBeGreaterThan(3);
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        mutation,
        fc.constantFrom('SeatwiseUpdateUsersRole', 'SeatwiseUsersByIds', '/scim/v2/Users'),
        async (m, operation) => {
          const viaScim = operation === '/scim/v2/Users';
          const pool = viaScim ? scimMembers : active;
          const user = pool[round++ % pool.length]!;
          proxy.setBend((body, request) =>
            request.text.includes(operation) || (viaScim && request.path.startsWith(operation))
              ? apply(body, m)
              : body,
          );
          let result: Awaited<ReturnType<Seatwise['actions']['run']>> | undefined;
          try {
            result = await app.actions.run(
              viaScim
                ? { action: 'deactivate', connectionId, targets: [{ userId: user.id }], via: 'scim' }
                : { action: 'set_role', connectionId, targets: [{ userId: user.id }], role: 'viewer' },
              'fuzz',
            );
          } catch (error) {
            expectClearError(error, `${operation} ${JSON.stringify(m)}`);
          } finally {
            proxy.setBend(null);
          }
          const now = emulator.accounts[0]!.users.find((u) => u.id === user.id)!;
          const there = viaScim ? now.status === 'INACTIVE' : now.kind === 'view_only';
          if (result?.replayed) {
            // A repeat of an earlier request answers with that result, and says whether monday still shows it.
            expect(result.inTargetState, JSON.stringify(m)).toBe(there && result.replay?.checkError === null);
          } else {
            for (const item of result?.results ?? []) {
              expect(item.reason).not.toMatch(/TypeError|Cannot read|ZZZZZZZZZZ/);
              // Reported done: monday really is there.
              if (item.outcome === 'changed' || item.outcome === 'already')
                expect(there, `${item.outcome}: ${item.reason} ${JSON.stringify(m)}`).toBe(true);
            }
            if (result)
              expect(result.inTargetState).toBe(result.results.every((i) => i.outcome !== 'failed'));
          }
          const open = await app.store.db
            .selectFrom('audit_entries')
            .select('id')
            .where('outcome', '=', 'running')
            .execute();
          expect(open).toEqual([]);
          // Put monday and the copy back for the next round.
          const emuUser = emulator.accounts[0]!.users.find((u) => u.id === user.id)!;
          emuUser.kind = 'member';
          emuUser.status = 'ACTIVE';
        },
      ),
      { numRuns: 60 },
    );
    expect((await app.sync.sync(connectionId)).status).toBe('succeeded');
  });
});
