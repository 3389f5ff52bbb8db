/**
 * Posters and templates: `POST /render` (a layered JSON document), `GET /t/{name}.{format}`
 * (a template filled from the query), `GET /templates`, `GET /templates/{name}` and
 * `GET /assets`. Same ETag/304, caching, admission and error rules as `GET /render.*`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canonicalFormat, FORMAT_NAMES, pixelHeight, pixelWidth, type FontCatalog, type PosterSpec } from '../../workers/protocol.js';
import type { AssetCatalog } from '../assets.js';
import type { Config } from '../config.js';
import { etagFor } from '../etag.js';
import { badParam } from '../errors.js';
import type { ImageCache } from '../image-cache.js';
import { replyImage } from '../image-reply.js';
import type { Metrics } from '../metrics.js';
import { conditionalHeaders, describeRoute, imageResponses, jsonResponse, NO_QUERY, UNKNOWN_QUERY } from '../openapi.js';
import { requireFormat } from '../params.js';
import { singleValued } from '../query-string.js';
import { rateLimitOptions } from './render.js';
import { posterCanonicalString, canonicalizePoster } from '../poster.js';
import { posterSchema, posterValidator } from '../poster-schema.js';
import type { RenderPool } from '../pool.js';
import { requireBearer, verifySignature } from '../signing.js';
import { RESERVED, type Template, type TemplateStore } from '../templates.js';

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

/** Answers 304 from the ETag, or renders the poster through the cache. */
async function answerPoster(req: FastifyRequest, reply: FastifyReply, spec: PosterSpec, canonical: string, deps: PosterDeps): Promise<FastifyReply> {
  const etag = etagFor(`poster\n${canonical}`, deps.catalog.version);
  const textLength = spec.layers.reduce((n, l) => n + (l.type === 'text' ? l.spans.reduce((m, s) => m + s.text.length, 0) : 0), 0);
  return replyImage(req, reply, {
    etag, info: { format: spec.format, px: `${pixelWidth(spec)}x${pixelHeight(spec)}`, textLength }, render: (signal) => deps.pool.render(spec, signal),
  }, deps);
}

/** A template as listed by the API, with an example URL. */
function describe(t: Template): Record<string, unknown> {
  const params = new URLSearchParams();
  for (const [name, v] of Object.entries(t.variables)) if (v.required) params.set(name, String(v.example));
  const q = params.toString();
  return {
    name: t.name, title: t.title, description: t.description,
    width: t.document.width ?? 1200, height: t.document.height ?? 630,
    variables: t.variables, url: `/t/${t.name}.${canonicalFormat(String(t.document.format ?? 'png')) ?? 'png'}${q ? `?${q}` : ''}`,
  };
}

/** Registers the poster and template routes. */
export function posterRoutes(app: FastifyInstance, deps: PosterDeps): void {
  const { config, assets, templates } = deps;
  const ctx = { config, catalog: deps.catalog, assets };
  posterValidator(config); // compile at start: a schema problem fails start-up, not a request
  const rate = rateLimitOptions(config);

  app.post('/render', {
    ...rate,
    bodyLimit: config.maxBodyBytes,
    onRequest: requireBearer(config.signingKeys), // before the body is read
    schema: {
      ...describeRoute({
        id: 'renderPoster', tag: 'posters', summary: 'Render a layered poster document', auth: 'bearer',
        description: 'The document is validated against this schema with JSON pointers in errors (`param`). Same ETag/304 and caching as GET /render.{format}. With SIGNING_KEYS set, needs `Authorization: Bearer`.',
        ok: imageResponses(),
        errors: [
          [400, 'Bad document: `invalid_document`, `out_of_range`, `too_many_layers`, `unknown_asset`, `remote_image`, `invalid_image`, `too_many_pixels`, `limit_exceeded`, … with the JSON pointer of the bad field in `param`.'],
          [403, '`invalid_signature`: with SIGNING_KEYS set, `Authorization: Bearer <key>` is missing or wrong.'],
          [413, '`payload_too_large`: the body is larger than MAX_BODY_KB.'],
          [415, '`unsupported_media_type`: the body is not `application/json`.'],
          [429, '`rate_limited` (with RATE_LIMIT_MAX set): retry after `Retry-After` seconds.'],
          500,
          [503, '`overloaded` or `render_timeout`; retry after `Retry-After` seconds.'],
        ],
      }),
      body: posterSchema(config),
      headers: conditionalHeaders,
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
    schema: {
      ...describeRoute({
        id: 'renderTemplate', tag: 'posters', summary: 'Render a template; its variables are query parameters (see GET /templates)',
        description: 'Every other query parameter is a variable of the template (`GET /templates/{name}` lists them). Same ETag/304 and caching as GET /render.{format}.',
        ok: imageResponses(),
        errors: [
          [400, 'A variable is unknown, missing, repeated or invalid (`param` names it), or the format is unknown.'],
          [403, '`invalid_signature`: with SIGNING_KEYS set, `sig` is missing or does not sign this URL.'],
          [404, '`unknown_template`.'],
          [429, '`rate_limited` (with RATE_LIMIT_MAX set): retry after `Retry-After` seconds.'],
          500,
          [503, '`overloaded` or `render_timeout`; retry after `Retry-After` seconds.'],
        ],
      }),
      params: { type: 'object', required: ['name', 'format'], properties: { name: { type: 'string', description: 'Template name (GET /templates).' }, format: { type: 'string', enum: [...FORMAT_NAMES] } } },
      querystring: {
        type: 'object',
        additionalProperties: { type: 'string' },
        properties: {
          dpr: { type: 'number', minimum: 1, maximum: 3, description: 'Device pixel ratio (default 1).' },
          q: { type: 'integer', minimum: 1, maximum: 100, description: 'JPEG/WebP quality (default 90).' },
          sig: { type: 'string', description: 'HMAC-SHA256 signature of the canonical request (required when the server has SIGNING_KEYS).' },
        },
      },
      headers: conditionalHeaders,
    },
    // The template and its variables are checked in templates.fill (naming the variable), not by Fastify.
    validatorCompiler: () => () => true,
  }, async (req, reply) => {
    const { name } = req.params;
    const format = requireFormat(req.params.format);
    const t = templates.get(name);
    const { sig, ...vars } = singleValued(req.query);
    const spec = templates.fill(t, vars, format);
    const canonical = posterCanonicalString(spec);
    verifySignature(canonical, sig, config.signingKeys);
    return answerPoster(req, reply, spec, canonical, deps);
  });

  app.get('/templates', {
    schema: {
      ...describeRoute({ id: 'listTemplates', tag: 'posters', summary: 'Templates with their variables and an example URL', ok: { 200: jsonResponse('Every template, and the reserved query parameter names.') }, errors: [UNKNOWN_QUERY] }),
      querystring: NO_QUERY,
    },
  }, async () => ({
    templates: templates.list().map(describe), reserved: RESERVED,
  }));
  app.get<{ Params: { name: string } }>('/templates/:name', {
    schema: {
      ...describeRoute({ id: 'getTemplate', tag: 'posters', summary: 'One template, its variables and its document', ok: { 200: jsonResponse('The template with its document.') }, errors: [UNKNOWN_QUERY, [404, '`unknown_template`.']] }),
      params: { type: 'object', required: ['name'], properties: { name: { type: 'string', description: 'Template name.' } } },
      querystring: NO_QUERY,
    },
  }, async (req) => {
    const t = templates.get(req.params.name);
    return { ...describe(t), document: t.document };
  });
  app.get('/assets', {
    schema: {
      ...describeRoute({ id: 'listAssets', tag: 'posters', summary: 'Images poster layers may use by name', ok: { 200: jsonResponse('Asset names and sizes.') }, errors: [UNKNOWN_QUERY] }),
      querystring: NO_QUERY,
    },
  }, async () => ({
    assets: assets.list().map((a) => ({ name: a.name, bytes: a.bytes })),
  }));
}
