/**
 * `GET /render.{png|jpg|jpeg|webp}`: validate, canonicalise, answer 304 from the ETag without
 * rendering, else render on the pool (through the image cache) and answer with immutable caching.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FontCatalog } from '../../workers/font-catalog.js';
import type { Config } from '../config.js';
import { pixelHeight, pixelWidth, type ImageFormat, type RenderOk } from '../../workers/protocol.js';
import { canonicalString, etagFor, matchesIfNoneMatch } from '../etag.js';
import type { ImageCache } from '../image-cache.js';
import type { Metrics } from '../metrics.js';
import { canonicalize, querySchema, type RenderQuery } from '../params.js';
import type { RenderPool } from '../pool.js';
import { verifySignature } from '../signing.js';

export const CONTENT_TYPES = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' } as const;
/** Cache-Control for successful renders: the URL fully determines the bytes. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** What the request log records about a render request. */
export interface RenderLogInfo {
  format: string;
  px: string;
  outcome: string;
  textLength: number;
  /** Size the text was set at, line count and whether an ellipsis cut it (when an image was sent). */
  fontSize?: number;
  lines?: number;
  truncated?: boolean;
}

/** Registers the render route. */
export function renderRoutes(app: FastifyInstance, deps: { config: Config; catalog: FontCatalog; pool: RenderPool; cache: ImageCache; metrics: Metrics }): void {
  const { config, catalog, pool, cache, metrics } = deps;
  app.get<{ Params: { format: string }; Querystring: RenderQuery }>('/render.:format', {
    ...(config.rateLimitMax > 0 ? { config: { rateLimit: { max: config.rateLimitMax, timeWindow: config.rateLimitWindowMs } } } : {}),
    schema: {
      summary: 'Render text to an image',
      params: { type: 'object', properties: { format: { type: 'string', enum: ['png', 'jpg', 'jpeg', 'webp'] } }, required: ['format'] },
      querystring: querySchema(config),
      response: {
        200: {
          description: 'The image',
          content: Object.fromEntries(Object.values(CONTENT_TYPES).map((t) => [t, { schema: { type: 'string', format: 'binary' } }])),
        },
      },
    },
  }, async (req, reply) => {
    const spec = canonicalize(req.params.format, req.query, config, catalog);
    const canonical = canonicalString(spec);
    verifySignature(canonical, req.query.sig, config.signingKeys);
    const etag = etagFor(canonical, catalog.version);
    const info: RenderLogInfo = { format: spec.format, px: `${pixelWidth(spec)}x${pixelHeight(spec)}`, outcome: 'etag', textLength: spec.text.length };
    req.renderInfo = info;
    reply.header('ETag', etag).header('Cache-Control', IMMUTABLE);
    if (matchesIfNoneMatch(req.headers['if-none-match'], etag)) return reply.status(304).send();
    return sendImage(req, reply, { etag, format: spec.format, cache, metrics, render: (signal) => pool.render(spec, signal) });
  });
}

/** Renders through the image cache (coalescing identical renders; a client that leaves cancels its share) and sends the image. */
export async function sendImage(req: FastifyRequest, reply: FastifyReply, o: { etag: string; format: ImageFormat; cache: ImageCache; metrics: Metrics; render: (signal: AbortSignal) => Promise<RenderOk> }): Promise<FastifyReply> {
  const client = new AbortController();
  if (req.raw.socket?.destroyed) client.abort(); // gone before we got here
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) client.abort();
  });
  const { image, source } = await o.cache.get(o.etag, async (signal) => {
    const rendered = await o.render(signal);
    for (const [stage, ms] of Object.entries(rendered.timings)) o.metrics.stageSeconds.observe({ stage }, ms / 1000);
    return rendered;
  }, client.signal);
  if (req.renderInfo) Object.assign(req.renderInfo, { outcome: source, fontSize: image.fontSize, lines: image.lines, truncated: image.truncated });
  reply.header('Server-Timing', serverTiming(source, image.timings));
  return reply.type(CONTENT_TYPES[o.format]).header('Content-Length', image.body.byteLength).send(image.body);
}

/** `Server-Timing` of an image answer: the render's stages and total, or `cache` when it was served from memory. */
export function serverTiming(source: string, timings: Record<string, number>): string {
  if (source === 'cache') return 'cache;desc="image cache hit"';
  const total = Object.values(timings).reduce((a, b) => a + b, 0);
  const stages = Object.entries(timings).filter(([k]) => /^[a-zA-Z][\w-]*$/.test(k)).map(([k, ms]) => `${k};dur=${ms.toFixed(1)}`);
  return [`render;dur=${total.toFixed(1)};desc="${source}"`, ...stages].join(', ');
}

declare module 'fastify' {
  interface FastifyRequest {
    renderInfo?: RenderLogInfo;
  }
}
