import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointPolicy, publicOnlyFetch } from '../src/monday/endpointPolicy.ts';

/** A local HTTP server recording what reached it, answering with `answer`. */
async function listen(answer: (res: import('node:http').ServerResponse) => void) {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    req.resume();
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { hits, origin, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('outbound requests never reach private addresses', () => {
  let inside: Awaited<ReturnType<typeof listen>>;
  let receiver: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    inside = await listen((res) => res.end('metadata'));
    receiver = await listen((res) => {
      res.writeHead(307, { location: `${inside.origin}/latest/meta-data` });
      res.end();
    });
  });
  afterAll(async () => {
    await inside.close();
    await receiver.close();
  });

  it('does not follow a receiver that redirects a webhook POST to an address inside the network', async () => {
    const policy = EndpointPolicy.fromSetting(receiver.origin);
    const send = policy.fetchFor(`${receiver.origin}/hook`, 'webhook', 'webhookUrl');
    const response = await send(`${receiver.origin}/hook`, { method: 'POST', body: '{"secret":1}' });
    expect(response.status).toBe(307);
    expect(receiver.hits).toEqual(['POST /hook']);
    expect(inside.hits).toEqual([]);
  });

  it('refuses an address written out in the URL on the public-only path, where no lookup checks it', async () => {
    for (const url of [`${inside.origin}/x`, 'http://169.254.169.254/latest', 'http://[::1]:9/x']) {
      await expect(publicOnlyFetch(url, { method: 'POST' })).rejects.toThrow(/is not a public address/);
    }
    expect(inside.hits).toEqual([]);
  });

  it('refuses a webhook URL naming a private address before anything is sent', () => {
    const policy = EndpointPolicy.fromSetting('');
    for (const url of ['https://127.0.0.1:4310/x', 'https://169.254.169.254/', 'https://[fd00::1]/'])
      expect(() => policy.fetchFor(url, 'webhook', 'webhookUrl')).toThrow(/points inside the network/);
  });
});
