/**
 * placehold.co-style routes: `/{size}[/{bg}[/{color}]][/{format}]` with the format also as an
 * extension on the last segment, and `?text=…&font=…`. Each answers exactly what the equivalent
 * `GET /render.{format}` URL answers (same canonical spec, bytes, ETag and errors).
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { conditionalHeaders, describeRoute, imageResponses, URL_IMAGE_ERRORS } from '../openapi.js';
import { canonicalize } from '../params.js';
import { isPlaceholderSize, placeholderQuery } from '../placeholder.js';
import { rateLimitOptions, serveSpec, type ServeDeps } from './render.js';

/** Query string of a placeholder URL. */
function placeholderSchema(config: Config): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      text: { type: 'string', minLength: 1, maxLength: config.maxTextLength, description: 'Text (default: the size, as 600 × 400); \\n starts a new line.' },
      font: { type: 'string', minLength: 1, maxLength: 64, description: 'Family from GET /fonts, sans, serif, mono, or a placehold.co font name (mapped to the nearest generic family).' },
      sig: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$', description: 'Signature of the equivalent /render URL (required when the server has SIGNING_KEYS).' },
    },
  };
}

const PLACEHOLDER_PARAMS: Record<string, string> = {
  size: '`{w}x{h}`, or `{w}` for a square, with an optional `@2x`/`@3x` and `.{format}` when last.',
  a: 'Background colour (hex or CSS name), or the format when last.',
  b: 'Text colour, or the format when last.',
  c: 'Format: png, jpg, jpeg or webp.',
};

type Params = { size: string; a?: string; b?: string; c?: string };
type Query = { text?: string; font?: string; sig?: string };

/** Registers the placeholder routes (one per path depth). */
export function placeholderRoutes(app: FastifyInstance, deps: ServeDeps): void {
  const { config, catalog } = deps;
  const querystring = placeholderSchema(config);
  const depths = [
    { path: '/:size', id: 'placeholder', params: ['size'] },
    { path: '/:size/:a', id: 'placeholderWithBackground', params: ['size', 'a'] },
    { path: '/:size/:a/:b', id: 'placeholderWithColors', params: ['size', 'a', 'b'] },
    { path: '/:size/:a/:b/:c', id: 'placeholderWithFormat', params: ['size', 'a', 'b', 'c'] },
  ];
  for (const { path, id, params } of depths) {
    app.get<{ Params: Params; Querystring: Query }>(path, {
      ...rateLimitOptions(config),
      schema: {
        ...describeRoute({
          id, tag: 'render', summary: 'placehold.co-style placeholder image',
          description: '`/{size}[/{bg}[/{color}]][/{format}]`, the format also as an extension on the last segment (`/600x400`, `/600x400.png`, `/600x400/000/fff.webp`). Answers exactly what the equivalent GET /render.{format} URL answers.',
          ok: imageResponses(),
          errors: [...URL_IMAGE_ERRORS, [404, '`not_found`: the first segment is not a size.']],
        }),
        params: { type: 'object', required: params, properties: Object.fromEntries(params.map((p) => [p, { type: 'string', description: PLACEHOLDER_PARAMS[p] }])) },
        querystring,
        headers: conditionalHeaders,
      },
      // A first segment that is no size is not a placeholder: 404 as for any unknown path, before the query is checked.
      preValidation: async (req) => {
        if (!isPlaceholderSize(req.params.size)) throw AppError.of('not_found', `no route ${req.method} ${req.url.split('?')[0].slice(0, 100)}`);
      },
    }, async (req, reply) => {
      const { size, a, b, c } = req.params;
      const segments = [size, a, b, c].filter((s): s is string => s !== undefined);
      const { format, query } = placeholderQuery(segments, req.query);
      return serveSpec(req, reply, canonicalize(format, query, config, catalog), req.query.sig, deps);
    });
  }
}
