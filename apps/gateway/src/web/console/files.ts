import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GloveboxError } from '@glovebox/core';
import type { GatewayApp } from '../../server.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

/** Reads the built console once: an allow-list of files, so no request path ever reaches the disk. */
function loadAssets(dir: string): Map<string, { body: Buffer; type: string }> {
  const assets = new Map<string, { body: Buffer; type: string }>();
  for (const sub of ['static', 'dist']) {
    const root = join(dir, sub);
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root)) {
      const type = CONTENT_TYPES[extname(name)];
      if (!type || name.endsWith('.d.ts') || name.endsWith('.test.js')) continue;
      assets.set(name, { body: readFileSync(join(root, name)), type });
    }
  }
  return assets;
}

/** The console's page at `/console/` and every deep link under it, and its assets. */
export function registerConsoleFiles(app: GatewayApp, dir: string): void {
  const assets = loadAssets(dir);
  const sendIndex = async (_request: FastifyRequest, reply: FastifyReply) => {
    const index = assets.get('index.html');
    if (!index)
      throw new GloveboxError('GBX_NOT_FOUND', 'the web console is not built (npm run build in apps/web)');
    return reply.type(index.type).send(index.body);
  };
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/', 302));
  app.get('/console', { schema: { hide: true } }, async (_request, reply) =>
    reply.redirect('/console/', 302),
  );
  app.get('/console/', { schema: { hide: true } }, sendIndex);
  app.get<{ Params: { name: string } }>(
    '/console/assets/:name',
    { schema: { hide: true } },
    async (request, reply) => {
      const asset = assets.get(request.params.name);
      if (!asset || request.params.name === 'index.html')
        throw new GloveboxError('GBX_NOT_FOUND', 'no such file');
      return reply.type(asset.type).header('cache-control', 'no-cache').send(asset.body);
    },
  );
  // Deep links (an approval link from a webhook) load the same page; the script routes on the path.
  app.get('/console/*', { schema: { hide: true } }, sendIndex);
}
