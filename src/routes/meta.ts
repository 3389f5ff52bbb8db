/**
 * `GET /fonts`, `GET /healthz` (200 once the pool is warm), `GET /readyz` (warm and fonts loaded,
 * else 503 with the reason; while the app closes Fastify answers every request, this one included,
 * with 503), `GET /metrics` and `GET /docs/json`.
 */
import type { FastifyInstance } from 'fastify';
import type { FontCatalog } from '../../workers/font-catalog.js';
import type { ImageCache } from '../image-cache.js';
import type { Metrics } from '../metrics.js';
import type { RenderPool } from '../pool.js';

/** Registers the informational routes. */
export function metaRoutes(app: FastifyInstance, deps: { catalog: FontCatalog; pool: RenderPool; cache: ImageCache; metrics: Metrics }): void {
  const { catalog, pool, cache, metrics } = deps;
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
  app.get('/readyz', { schema: { summary: '200 when this instance should get traffic' } }, async (_req, reply) => {
    const reason = !pool.ready ? 'worker pool not warm yet' : catalog.faces.length === 0 ? 'no fonts loaded' : pool.startError ?? null;
    return reply.status(reason ? 503 : 200).header('Cache-Control', 'no-store').send(reason ? { status: 'not ready', reason } : { status: 'ready' });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    return reply.header('Content-Type', metrics.registry.contentType).header('Cache-Control', 'no-store').send(await metrics.registry.metrics());
  });
  app.get('/docs/json', { schema: { hide: true } }, async () => app.swagger());
}
