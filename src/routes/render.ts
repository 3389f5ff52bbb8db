/**
 * `GET /render.{png|jpg|jpeg|webp}`: validate, canonicalise, answer 304 from the ETag without
 * rendering, else render on the pool (through the image cache) and answer with immutable caching.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FontCatalog } from '../../workers/font-catalog.js';
import type { Config } from '../config.js';
import { pixelHeight, pixelWidth, type ImageFormat, type RenderOk, type RenderSpec } from '../../workers/protocol.js';
import { canonicalString, etagFor, matchesIfNoneMatch } from '../etag.js';
import type { ImageCache } from '../image-cache.js';
import type { Metrics } from '../metrics.js';
import { conditionalHeaders, describeRoute, imageResponses, URL_IMAGE_ERRORS } from '../openapi.js';
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
export function renderRoutes(app: FastifyInstance, deps: ServeDeps): void {
  const { config, catalog } = deps;
  app.get<{ Params: { format: string }; Querystring: RenderQuery }>('/render.:format', {
    ...rateLimitOptions(config),
    schema: {
      ...describeRoute({
        id: 'renderText', tag: 'render', summary: 'Render text to an image',
        description: 'The same URL always gives the same bytes: answers carry a strong ETag and immutable caching, and `If-None-Match` with that ETag answers 304 without rendering. With SIGNING_KEYS set, `sig` is required.',
        ok: imageResponses(),
        errors: [
          [400, 'Bad request: `missing_parameter`, `unknown_parameter`, `invalid_parameter`, `out_of_range`, `invalid_color`, `unknown_font`, `unknown_format`, `text_too_long`, `too_many_pixels`, `limit_exceeded` (the renderer refused a size or text past the configured limits).'],
          ...URL_IMAGE_ERRORS.filter((e) => (Array.isArray(e) ? e[0] : e) !== 400),
        ],
      }),
      params: { type: 'object', properties: { format: { type: 'string', enum: ['png', 'jpg', 'jpeg', 'webp'], description: 'Image format.' } }, required: ['format'] },
      querystring: querySchema(config),
      headers: conditionalHeaders,
    },
  }, async (req, reply) => serveSpec(req, reply, canonicalize(req.params.format, req.query, config, catalog), req.query.sig, deps));
}

/** What answering a canonical spec needs. */
export interface ServeDeps { readonly config: Config; readonly catalog: FontCatalog; readonly pool: RenderPool; readonly cache: ImageCache; readonly metrics: Metrics }

/** Rate limiting for a render route, when configured. */
export function rateLimitOptions(config: Config): Record<string, unknown> {
  return config.rateLimitMax > 0 ? { config: { rateLimit: { max: config.rateLimitMax, timeWindow: config.rateLimitWindowMs } } } : {};
}

/**
 * Answers a canonical render spec (from `/render.*` or an equivalent URL shape): checks the
 * signature, sets the ETag, answers 304 without rendering or renders through the image cache.
 */
export async function serveSpec(req: FastifyRequest, reply: FastifyReply, spec: RenderSpec, sig: string | undefined, deps: ServeDeps): Promise<FastifyReply> {
  return serveCanonical(req, reply, {
    canonical: canonicalString(spec), sig, info: { format: spec.format, px: specPixels(spec), textLength: spec.text.length },
    render: (signal) => deps.pool.render(spec, signal),
  }, deps);
}

/** A canonical request (render spec, badge…): its canonical string, what the log records, and how to render it. */
export interface CanonicalRequest {
  readonly canonical: string;
  readonly sig: string | undefined;
  readonly info: { readonly format: ImageFormat; readonly px: string; readonly textLength: number };
  readonly render: (signal: AbortSignal) => Promise<RenderOk>;
}

/** Checks the signature of a canonical request, sets its ETag, answers 304 or renders through the image cache. */
export async function serveCanonical(req: FastifyRequest, reply: FastifyReply, r: CanonicalRequest, deps: ServeDeps): Promise<FastifyReply> {
  const { config, catalog, cache, metrics } = deps;
  verifySignature(r.canonical, r.sig, config.signingKeys);
  const etag = etagFor(r.canonical, catalog.version);
  req.renderInfo = { ...r.info, outcome: 'etag' };
  reply.header('ETag', etag).header('Cache-Control', IMMUTABLE);
  if (matchesIfNoneMatch(req.headers['if-none-match'], etag)) return reply.status(304).send();
  return sendImage(req, reply, { etag, format: r.info.format, cache, metrics, render: r.render });
}

/** The pixel size of a spec for the request log (`auto` for a side the worker decides). */
export function specPixels(spec: RenderSpec): string {
  return `${spec.w === 'auto' ? 'auto' : pixelWidth({ w: spec.w, dpr: spec.dpr })}x${spec.h === 'auto' ? 'auto' : pixelHeight({ h: spec.h, dpr: spec.dpr })}`;
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
