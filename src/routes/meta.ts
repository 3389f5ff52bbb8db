/**
 * `GET /fonts`, `GET /healthz`, `GET /readyz` and `GET /metrics` (`GET /docs/json` is in openapi.ts).
 * Each takes no query parameters (400 `unknown_parameter`).
 *
 * `/healthz` is liveness (the Docker HEALTHCHECK): 200 once the worker pool is warm, 503 before or
 * when the pool failed to start — what a restart could fix. It stays 200 while the job engine
 * retries its start or Redis is away, since restarting would not bring either back.
 * `/readyz` is readiness (load balancers): 200 only when everything this instance serves works —
 * pool warm, fonts loaded, job engine running and, in Redis mode, Redis answering — else 503 with
 * the reason. While the app drains every new request, this one included, gets 503 `shutting_down` (app.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { FontCatalog } from '../../workers/protocol.js';
import type { ImageCache } from '../image-cache.js';
import type { Metrics } from '../metrics.js';
import { describeRoute, jsonResponse, NO_QUERY, probeUnavailable, UNKNOWN_QUERY } from '../openapi.js';
import type { RenderPool } from '../pool.js';

/** Body of the health and readiness probes (200 and 503 alike). */
const PROBE = { type: 'object', additionalProperties: true, properties: { status: { type: 'string' }, reason: { type: 'string' } } };

/** Registers the informational routes. */
export function metaRoutes(app: FastifyInstance, deps: { catalog: FontCatalog; pool: RenderPool; cache: ImageCache; metrics: Metrics; jobs?: () => string | null }): void {
  const { catalog, pool, cache, metrics, jobs = () => null } = deps;
  app.get('/fonts', {
    schema: { ...describeRoute({ id: 'listFonts', tag: 'meta', summary: 'Font families, weights and scripts available', ok: { 200: jsonResponse('Families, generic names, the fallback chain and the font-set version.') }, errors: [UNKNOWN_QUERY] }), querystring: NO_QUERY },
  }, async () => ({
    families: catalog.families,
    generic: catalog.generic,
    fallback: catalog.fallback,
    emoji: catalog.emoji,
    version: catalog.version,
  }));
  app.get('/healthz', {
    schema: {
      ...describeRoute({
        id: 'health', tag: 'meta', summary: 'Liveness: 200 once the worker pool is warm',
        ok: {
          200: jsonResponse('`status: ok` with pool, cache and font counts.', PROBE),
          503: probeUnavailable('`status: starting` (the workers are still loading fonts) or `failed` (the pool did not start).', PROBE),
        },
        errors: [UNKNOWN_QUERY],
      }),
      querystring: NO_QUERY,
    },
  }, async (_req, reply) => {
    const live = pool.ready && !pool.startError;
    const body = { status: live ? 'ok' : pool.startError ? 'failed' : 'starting', pool: pool.stats(), cache: cache.stats(), fonts: catalog.faces.length };
    return reply.status(live ? 200 : 503).header('Cache-Control', 'no-store').send(body);
  });
  app.get('/readyz', {
    schema: {
      ...describeRoute({
        id: 'ready', tag: 'meta', summary: 'Readiness: 200 when this instance should get traffic (pool, fonts, job engine, Redis)',
        ok: {
          200: jsonResponse('`status: ready`.', PROBE),
          503: probeUnavailable('`status: not ready` with a `reason`: the pool is not warm, no fonts, a start failure, the job engine or Redis.', PROBE),
        },
        errors: [UNKNOWN_QUERY],
      }),
      querystring: NO_QUERY,
    },
  }, async (_req, reply) => {
    const reason = !pool.ready ? 'worker pool not warm yet' : catalog.faces.length === 0 ? 'no fonts loaded' : pool.startError ?? jobs();
    return reply.status(reason ? 503 : 200).header('Cache-Control', 'no-store').send(reason ? { status: 'not ready', reason } : { status: 'ready' });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    return reply.header('Content-Type', metrics.registry.contentType).header('Cache-Control', 'no-store').send(await metrics.registry.metrics());
  });
}
