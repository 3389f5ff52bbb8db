/**
 * `GET /render.{png|jpg|jpeg|webp}`: validate, canonicalise, answer 304 from the ETag without
 * rendering, else render on the pool (through the image cache) and answer with immutable caching.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { FORMAT_NAMES, pixelHeight, pixelWidth, type FontCatalog, type RenderSpec } from '../../workers/protocol.js';
import { cardDocument } from '../card.js';
import { canonicalString, etagFor } from '../etag.js';
import type { ImageCache } from '../image-cache.js';
import { replyImage, type ImageAnswer } from '../image-reply.js';
import type { Metrics } from '../metrics.js';
import { conditionalHeaders, describeRoute, imageResponses, URL_IMAGE_ERRORS } from '../openapi.js';
import { canonicalize, querySchema, type RenderQuery } from '../params.js';
import type { RenderPool } from '../pool.js';
import { verifySignature } from '../signing.js';

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
      params: { type: 'object', properties: { format: { type: 'string', enum: [...FORMAT_NAMES], description: 'Image format.' } }, required: ['format'] },
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
    render: (signal) => deps.pool.render(cardDocument(spec), signal),
  }, deps);
}

/** A canonical request (render spec, badge…): its canonical string and signature, what the log records, and how to render it. */
export interface CanonicalRequest extends Omit<ImageAnswer, 'etag'> {
  readonly canonical: string;
  readonly sig: string | undefined;
}

/** Checks the signature of a canonical request and answers it by its ETag (see replyImage). */
export async function serveCanonical(req: FastifyRequest, reply: FastifyReply, r: CanonicalRequest, deps: ServeDeps): Promise<FastifyReply> {
  verifySignature(r.canonical, r.sig, deps.config.signingKeys);
  return replyImage(req, reply, { etag: etagFor(r.canonical, deps.catalog.version), info: r.info, render: r.render }, deps);
}

/** The pixel size of a spec for the request log (`auto` for a side the worker decides). */
export function specPixels(spec: RenderSpec): string {
  return `${spec.w === 'auto' ? 'auto' : pixelWidth({ w: spec.w, dpr: spec.dpr })}x${spec.h === 'auto' ? 'auto' : pixelHeight({ h: spec.h, dpr: spec.dpr })}`;
}
