/** `GET /fonts`, `GET /healthz` and `GET /docs/json` (OpenAPI from the route schemas). */
import type { FastifyInstance } from 'fastify';
import type { FontCatalog } from '../../workers/font-catalog.js';
import type { ImageCache } from '../image-cache.js';
import type { RenderPool } from '../pool.js';

/** Registers the informational routes. */
export function metaRoutes(app: FastifyInstance, deps: { catalog: FontCatalog; pool: RenderPool; cache: ImageCache }): void {
  const { catalog, pool, cache } = deps;
  app.get('/fonts', { schema: { summary: 'Font families, weights and scripts available' } }, async () => ({
    families: catalog.families,
    generic: catalog.generic,
    fallback: catalog.fallback,
    emoji: catalog.emoji,
    version: catalog.version,
  }));
  app.get('/healthz', { schema: { summary: '200 once the worker pool is warm' } }, async (_req, reply) => {
    const body = { status: pool.ready ? 'ok' : 'starting', pool: pool.stats(), cache: cache.stats(), fonts: catalog.faces.length };
    return reply.status(pool.ready ? 200 : 503).header('Cache-Control', 'no-store').send(body);
  });
  app.get('/docs/json', { schema: { hide: true } }, async () => app.swagger());
}
