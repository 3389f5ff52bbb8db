/**
 * `GET /badge/{label}-{message}-{color}[.{png|jpg|jpeg|webp}]`: shields.io-style static badges,
 * as wide as their text (the worker measures it). Same ETag/304, caching, signing and error rules
 * as `GET /render.*`.
 */
import type { FastifyInstance } from 'fastify';
import { badgeCanonicalString, canonicalizeBadge, type BadgeQuery } from '../badge.js';
import { conditionalHeaders, describeRoute, imageResponses, URL_IMAGE_ERRORS } from '../openapi.js';
import { COLOR_SCHEMA } from '../params.js';
import { rateLimitOptions, serveCanonical, type ServeDeps } from './render.js';

const BADGE_COLOR = { ...COLOR_SCHEMA, format: 'badge-color' };

const BADGE_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    labelColor: { ...BADGE_COLOR, description: 'Label background: a shields name (brightgreen, red = #e05d44…), CSS name or hex (default grey #555).' },
    color: { ...BADGE_COLOR, description: 'Message background; overrides the colour in the path.' },
    style: { type: 'string', enum: ['flat', 'flat-square'], description: 'flat (corner radius 3, default) or flat-square.' },
    dpr: { type: 'number', minimum: 1, maximum: 3, description: 'Device pixel ratio: a badge is 20*dpr pixels high (default 1).' },
    sig: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$', description: 'Signature (required when the server has SIGNING_KEYS).' },
  },
};

/** Registers the badge route. */
export function badgeRoutes(app: FastifyInstance, deps: ServeDeps): void {
  const { config, catalog, pool } = deps;
  app.get<{ Params: { content: string }; Querystring: BadgeQuery }>('/badge/:content', {
    ...rateLimitOptions(config),
    schema: {
      ...describeRoute({
        id: 'badge', tag: 'render', summary: 'shields.io-style static badge',
        description: '`/badge/{label}-{message}-{color}` or `/badge/{message}-{color}`, with an optional `.png`, `.jpg`, `.jpeg` or `.webp` (default PNG); a literal `-` is `--`, `_` is `__`. Same ETag/304, caching and signing as GET /render.{format}.',
        ok: imageResponses(),
        errors: URL_IMAGE_ERRORS,
      }),
      params: { type: 'object', required: ['content'], properties: { content: { type: 'string', description: '`{label}-{message}-{color}[.{format}]` or `{message}-{color}[.{format}]`.' } } },
      querystring: BADGE_QUERY,
      headers: conditionalHeaders,
    },
  }, async (req, reply) => {
    const spec = canonicalizeBadge(req.params.content, req.query, catalog);
    return serveCanonical(req, reply, {
      canonical: badgeCanonicalString(spec), sig: req.query.sig,
      info: { format: spec.format, px: `autox${Math.round(20 * spec.dpr)}`, textLength: spec.label.length + spec.message.length },
      render: (signal) => pool.render(spec, signal),
    }, deps);
  });
}
