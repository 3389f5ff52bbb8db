/**
 * Posters and templates: `POST /render` (a layered JSON document), `GET /t/{name}.{format}`
 * (a template filled from the query), `GET /templates`, `GET /templates/{name}` and
 * `GET /assets`. Same ETag/304, caching, admission and error rules as `GET /render.*`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FontCatalog } from '../../workers/font-catalog.js';
import { pixelHeight, pixelWidth, type PosterSpec } from '../../workers/protocol.js';
import type { AssetCatalog } from '../assets.js';
import type { Config } from '../config.js';
import { etagFor, matchesIfNoneMatch } from '../etag.js';
import { badParam } from '../errors.js';
import type { ImageCache } from '../image-cache.js';
import type { Metrics } from '../metrics.js';
import { posterCanonicalString, canonicalizePoster } from '../poster.js';
import { posterSchema, posterValidator } from '../poster-schema.js';
import type { RenderPool } from '../pool.js';
import { requireBearer, verifySignature } from '../signing.js';
import { RESERVED, type Template, type TemplateStore } from '../templates.js';
import { IMMUTABLE, sendImage, type RenderLogInfo } from './render.js';

/** What these routes need. */
export interface PosterDeps {
  readonly config: Config;
  readonly catalog: FontCatalog;
  readonly assets: AssetCatalog;
  readonly templates: TemplateStore;
  readonly pool: RenderPool;
  readonly cache: ImageCache;
  readonly metrics: Metrics;
}

const FORMATS = new Set(['png', 'jpg', 'jpeg', 'webp']);

/** Answers 304 from the ETag, or renders the poster through the cache. */
async function answerPoster(req: FastifyRequest, reply: FastifyReply, spec: PosterSpec, canonical: string, deps: PosterDeps): Promise<FastifyReply> {
  const etag = etagFor(`poster\n${canonical}`, deps.catalog.version);
  const textLength = spec.layers.reduce((n, l) => n + (l.type === 'text' ? l.spans.reduce((m, s) => m + s.text.length, 0) : 0), 0);
  req.renderInfo = { format: spec.format, px: `${pixelWidth(spec)}x${pixelHeight(spec)}`, outcome: 'etag', textLength } satisfies RenderLogInfo;
  reply.header('ETag', etag).header('Cache-Control', IMMUTABLE);
  if (matchesIfNoneMatch(req.headers['if-none-match'], etag)) return reply.status(304).send();
  return sendImage(req, reply, { etag, format: spec.format, cache: deps.cache, metrics: deps.metrics, render: (signal) => deps.pool.renderPoster(spec, signal) });
}

/** A template as listed by the API, with an example URL. */
function describe(t: Template): Record<string, unknown> {
  const params = new URLSearchParams();
  for (const [name, v] of Object.entries(t.variables)) if (v.required) params.set(name, String(v.example));
  const q = params.toString();
  return {
    name: t.name, title: t.title, description: t.description,
    width: t.document.width ?? 1200, height: t.document.height ?? 630,
    variables: t.variables, url: `/t/${t.name}.${String(t.document.format ?? 'png').replace('jpeg', 'jpg')}${q ? `?${q}` : ''}`,
  };
}

/** Registers the poster and template routes. */
export function posterRoutes(app: FastifyInstance, deps: PosterDeps): void {
  const { config, assets, templates } = deps;
  const ctx = { config, catalog: deps.catalog, assets };
  posterValidator(config); // compile at start: a schema problem fails start-up, not a request
  const rate = config.rateLimitMax > 0 ? { config: { rateLimit: { max: config.rateLimitMax, timeWindow: config.rateLimitWindowMs } } } : {};

  app.post('/render', {
    ...rate,
    bodyLimit: config.maxBodyBytes,
    onRequest: requireBearer(config.signingKeys), // before the body is read
    schema: {
      summary: 'Render a layered poster document',
      description: 'Validated here with the document schema (JSON pointers in errors); the body is shown for reference.',
      body: posterSchema(config),
    },
    // The document is validated in canonicalizePoster (with JSON-pointer errors), not by Fastify.
    validatorCompiler: () => () => true,
  }, async (req, reply) => {
    if (req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) throw badParam('invalid_document', '/', 'the body must be a JSON object (Content-Type: application/json)');
    const spec = canonicalizePoster(req.body, ctx);
    return answerPoster(req, reply, spec, posterCanonicalString(spec), deps);
  });

  app.get<{ Params: { name: string; format: string }; Querystring: Record<string, string | string[]> }>('/t/:name.:format', {
    ...rate,
    schema: { summary: 'Render a template; its variables are query parameters (see GET /templates)' },
  }, async (req, reply) => {
    const { name, format } = req.params;
    if (!FORMATS.has(format)) throw badParam('unknown_format', 'format', 'format must be one of png, jpg, jpeg, webp');
    const t = templates.get(name);
    const query = Object.create(null) as Record<string, string>; // `__proto__` stays a (refused) key
    for (const [k, v] of Object.entries(req.query)) {
      if (Array.isArray(v)) throw badParam('invalid_parameter', k, `${k} must be given once`);
      query[k] = v;
    }
    const { sig, ...vars } = query;
    const spec = templates.fill(t, vars, format);
    const canonical = posterCanonicalString(spec);
    verifySignature(canonical, sig, config.signingKeys);
    return answerPoster(req, reply, spec, canonical, deps);
  });

  app.get('/templates', { schema: { summary: 'Templates with their variables and an example URL' } }, async () => ({
    templates: templates.list().map(describe), reserved: RESERVED,
  }));
  app.get<{ Params: { name: string } }>('/templates/:name', { schema: { summary: 'One template, its variables and its document' } }, async (req) => {
    const t = templates.get(req.params.name);
    return { ...describe(t), document: t.document };
  });
  app.get('/assets', { schema: { summary: 'Images poster layers may use by name' } }, async () => ({
    assets: assets.list().map((a) => ({ name: a.name, bytes: a.bytes })),
  }));
}
