import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { KeysService } from '../app/keysService.ts';
import { authenticate } from './auth.ts';
import { envelope } from './errorEnvelope.ts';

/** Where `npm run build` puts the web UI (the same place from src/http and from dist/http). */
const webRoot = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** Paths that belong to the API and its documents, never to the web UI. */
const apiPaths = /^\/(api|docs|openapi\.json|metrics|health)(\/|$|\?)/;

const notBuilt = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Seatwise</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3rem; max-width: 40rem">
<h1>Seatwise</h1><p>The web UI is not built. <code>npm ci</code> builds it; after changing it, run
<code>npm run build</code>. The HTTP API works meanwhile: see <a href="/docs">/docs</a>.</p></body></html>`;

/**
 * Serves the web UI at `/`: its files (hashed assets cached for good, the page never) and the page itself for
 * every other path the UI routes in the browser. The page needs no key; everything it shows comes from the API.
 */
export async function registerWebUi(app: FastifyInstance, keys: KeysService): Promise<void> {
  const built = existsSync(`${webRoot}index.html`);
  if (built) await app.register(fastifyStatic, { root: webRoot, serve: false });
  app.get('/*', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (apiPaths.test(path)) {
      // An API path no route serves: still only for callers with a key.
      await authenticate(keys, request, 'viewer');
      return reply.code(404).send(envelope('not_found', `no route for ${request.method} ${path}`));
    }
    reply.header('x-content-type-options', 'nosniff');
    if (!built) return reply.type('text/html; charset=utf-8').send(notBuilt);
    const file = path.slice(1);
    if (file.startsWith('assets/')) {
      if (/^assets\/[\w.-]+$/.test(file) && existsSync(`${webRoot}${file}`))
        return reply.sendFile(file, { maxAge: '365d', immutable: true });
      return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    }
    if (/^[\w-]+\.(svg|ico|png|txt)$/.test(file) && existsSync(`${webRoot}${file}`))
      return reply.sendFile(file);
    reply.header('cache-control', 'no-cache');
    reply.header(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
    );
    return reply.sendFile('index.html');
  });
}
