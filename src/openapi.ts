/**
 * The OpenAPI description (`GET /docs/json`) and its UI (`GET /docs`, Swagger UI served from
 * npm, no CDN): the shared error schema every error answer references, tags, the bearer
 * security scheme, and `describeRoute(…)`, which gives a route its operationId, tag, security and
 * every documented response in one line. Route schemas stay the single source of the document.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { ERROR_CODES, RETRY_STATUSES } from './errors.js';
import { CONTENT_TYPES, IMMUTABLE } from './image-reply.js';

/** `$id` of the shared error body; it becomes `#/components/schemas/Error`. */
export const ERROR_SCHEMA_ID = 'Error';

/** The body of every error answer: `{"error":{"code","message","param"}}`. */
export const errorSchema = {
  $id: ERROR_SCHEMA_ID,
  type: 'object',
  description: 'Every error answer (the health probes answer 503 with their own status body). `code` is stable (see the README for the list); `param` names the bad parameter, header or JSON pointer.',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', enum: [...ERROR_CODES], description: 'Stable machine-readable code (src/errors.ts lists each with its status and Retry-After).', example: 'out_of_range' },
        message: { type: 'string', description: 'Human-readable explanation, safe to show.', example: 'w must be <= 4096' },
        param: { type: 'string', description: 'The parameter, header or JSON pointer at fault, when there is one.', example: 'w' },
      },
    },
  },
} as const;

/** Operation groups shown by /docs; every operation takes one. */
export const TAGS = {
  render: 'Text to image from a URL',
  posters: 'Layered poster documents and templates',
  jobs: 'Batch jobs: many images from one submission',
  meta: 'Fonts, assets, health and readiness',
} as const;

/** A tag name from TAGS. */
export type Tag = keyof typeof TAGS;

/** Name of the bearer security scheme (`Authorization: Bearer <one of SIGNING_KEYS>`). */
export const BEARER = 'bearerAuth';

/** What an operation's `security` says: no credentials, or a bearer key (required when SIGNING_KEYS is set). */
export type Auth = 'none' | 'bearer';

/** Content-Security-Policy of the docs routes: Swagger UI runs scripts and styles from this origin only. */
export const DOCS_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const DEFAULT_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad request: a parameter is missing, unknown, repeated or out of range (`param` names it).',
  401: 'Unauthorized.',
  403: '`invalid_signature`: with SIGNING_KEYS set, the signature or key is missing or wrong.',
  404: 'Not found.',
  409: 'Conflict.',
  413: '`payload_too_large`: the body is larger than the limit.',
  415: '`unsupported_media_type`: this Content-Type is not accepted here.',
  429: 'Too many requests; retry after `Retry-After` seconds.',
  500: 'Internal error (`render_failed`, `internal_error`).',
  503: 'Unavailable for now; retry after `Retry-After` seconds.',
  507: '`insufficient_storage`: the disk is full; retry after `Retry-After` seconds.',
};

const RETRY_AFTER = { type: 'integer', minimum: 1, description: 'Seconds to wait before retrying.' };
const NO_STORE = { type: 'string', description: 'Errors are never cached: `no-store`.' };

/** A status to document: the code alone (default description) or with its own description. */
export type ErrorSpec = number | readonly [number, string];

/**
 * Error responses for `specs`: the shared error schema as JSON (or drawn as a PNG for clients that
 * prefer images, see error-handler.ts); statuses whose codes carry Retry-After (src/errors.ts: 429, 503, 507) document it.
 */
export function errorResponses(...specs: ErrorSpec[]): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const spec of specs) {
    const [status, description] = typeof spec === 'number' ? [spec, DEFAULT_DESCRIPTIONS[spec] ?? 'Error.'] : spec;
    out[status] = {
      description,
      headers: { 'Cache-Control': NO_STORE, ...(RETRY_STATUSES.has(status) ? { 'Retry-After': RETRY_AFTER } : {}) },
      content: {
        'application/json': { schema: { $ref: `${ERROR_SCHEMA_ID}#` } },
        'image/png': { schema: { type: 'string', format: 'binary', description: 'The same error drawn as a PNG, when `Accept` ranks image/png above application/json (an `<img>`).' } },
      },
    };
  }
  return out;
}

const IMMUTABLE_HEADERS = {
  ETag: { type: 'string', description: 'Strong ETag of the canonical request, computed before rendering.' },
  'Cache-Control': { type: 'string', description: `\`${IMMUTABLE}\`: the URL fully determines the bytes.` },
};

/** 200 (the image, with ETag and Cache-Control) and 304 (If-None-Match matched; nothing rendered). */
export function imageResponses(types: readonly string[] = Object.values(CONTENT_TYPES)): Record<number, unknown> {
  return {
    200: {
      description: 'The image.',
      headers: IMMUTABLE_HEADERS,
      content: Object.fromEntries(types.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])),
    },
    304: { description: 'Not modified: `If-None-Match` holds this ETag; nothing was rendered.', headers: IMMUTABLE_HEADERS, type: 'null' },
  };
}

/** The `If-None-Match` request header of image routes (a documented, optional header). */
export const conditionalHeaders = {
  type: 'object',
  properties: { 'if-none-match': { type: 'string', description: 'An ETag from an earlier answer: 304 without rendering when it matches.' } },
} as const;

/** Querystring schema of a route that takes no query parameters: any one answers 400 `unknown_parameter`. */
export const NO_QUERY = { type: 'object', properties: {}, additionalProperties: false } as const;

/** The 400 a NO_QUERY route answers. */
export const UNKNOWN_QUERY: ErrorSpec = [400, '`unknown_parameter`: this route takes no query parameters.'];

/** Errors of an image route reached by URL (render, badge, placeholder): bad query, signature, rate limit, render failures. */
export const URL_IMAGE_ERRORS: readonly ErrorSpec[] = [
  [400, 'Bad request: a parameter is missing, unknown, repeated or invalid (`param` names it).'],
  [403, '`invalid_signature`: with SIGNING_KEYS set, `sig` is missing or does not sign this URL.'],
  [429, '`rate_limited` (with RATE_LIMIT_MAX set): retry after `Retry-After` seconds; `RateLimit-*` headers say the budget.'],
  500,
  [503, '`overloaded` (the render queue stayed full for QUEUE_WAIT_MS, or the waiting room is full) or `render_timeout`; retry after `Retry-After` seconds.'],
];

/** A JSON success response; `schema` defaults to any object (bodies are not reshaped by it). */
export function jsonResponse(description: string, schema: Record<string, unknown> = { type: 'object', additionalProperties: true }): unknown {
  return { description, content: { 'application/json': { schema } } };
}

/** What a route says about itself in the OpenAPI document. */
export interface RouteDoc {
  /** Unique camelCase operationId. */
  readonly id: string;
  readonly tag: Tag;
  readonly summary: string;
  readonly description?: string;
  /** Default `none`. */
  readonly auth?: Auth;
  /** Success responses (e.g. imageResponses(), { 202: jsonResponse(…) }). */
  readonly ok: Record<number, unknown>;
  /** Every error status the route can answer (at least one 4xx). */
  readonly errors: readonly ErrorSpec[];
  /** Request body and headers to document without Fastify validating them (the handler checks them). */
  readonly docsBody?: Record<string, unknown>;
  readonly docsHeaders?: Record<string, unknown>;
}

/** What every route may answer while the server drains (app.ts): 503 `shutting_down`. */
const SHUTTING_DOWN = '`shutting_down`: the server is draining; retry after `Retry-After` seconds.';

/**
 * The schema fields of a documented route: spread into `schema` next to its querystring/params/body.
 * Every route also documents the 503 `shutting_down` a draining server answers.
 */
export function describeRoute(doc: RouteDoc): Record<string, unknown> {
  const errors = errorResponses(...doc.errors) as Record<number, { description: string }>;
  if (errors[503]) errors[503].description += ` Or ${SHUTTING_DOWN}`;
  else if (!doc.ok[503]) Object.assign(errors, errorResponses([503, SHUTTING_DOWN]));
  return {
    operationId: doc.id,
    tags: [doc.tag],
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    security: doc.auth === 'bearer' ? [{ [BEARER]: [] }] : [],
    response: { ...doc.ok, ...errors },
    ...(doc.docsBody ? { docsBody: doc.docsBody } : {}),
    ...(doc.docsHeaders ? { docsHeaders: doc.docsHeaders } : {}),
  };
}

/** A 503 that is a probe's status body, or the Error of a draining server (`shutting_down`). */
export function probeUnavailable(description: string, schema: Record<string, unknown>): unknown {
  return {
    description: `${description} While the server drains: the Error \`shutting_down\`.`,
    headers: { 'Cache-Control': NO_STORE, 'Retry-After': { ...RETRY_AFTER, description: 'With `shutting_down` only.' } },
    content: { 'application/json': { schema: { anyOf: [schema, { $ref: `${ERROR_SCHEMA_ID}#` }] } } },
  };
}

/**
 * A copy of a route schema without what OpenAPI 3.0 forbids or misreads but Ajv takes:
 * `required: []`, and a `discriminator` over inline `oneOf` branches (OpenAPI's needs `$ref`s).
 */
function sanitize<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sanitize) as T;
  if (value === null || typeof value !== 'object') return value;
  const { oneOf } = value as { oneOf?: unknown };
  const inlineOneOf = Array.isArray(oneOf) && oneOf.some((b) => !(b as { $ref?: string }).$ref);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'required' && Array.isArray(v) && v.length === 0) continue;
    if (k === 'discriminator' && inlineOneOf) continue;
    out[k] = sanitize(v);
  }
  return out as T;
}

/**
 * Request parts a route documents without Fastify validating them (the handler checks them and
 * names what is wrong): `docsBody` and `docsHeaders` in a route schema become `body` and `headers`
 * in the document only.
 */
function withDocsOnlyParts<T>(schema: T): T {
  const s = schema as (Record<string, unknown> & { docsBody?: unknown; docsHeaders?: unknown }) | undefined;
  if (!s || (s.docsBody === undefined && s.docsHeaders === undefined)) return schema;
  const { docsBody, docsHeaders, ...rest } = s;
  return { ...rest, ...(docsBody ? { body: docsBody } : {}), ...(docsHeaders ? { headers: docsHeaders } : {}) } as T;
}

/** Error images are only for GET/HEAD (error-handler.ts): other methods' error responses are JSON only. */
function withoutErrorImages<T>(schema: T, method: string | string[]): T {
  const methods = Array.isArray(method) ? method : [method];
  const response = (schema as { response?: Record<string, { content?: Record<string, unknown> }> } | undefined)?.response;
  if (!response || methods.every((m) => m === 'GET' || m === 'HEAD')) return schema;
  for (const [status, r] of Object.entries(response)) {
    if (/^[45]/.test(status) && r.content?.['image/png']) {
      const { 'image/png': _drawn, ...content } = r.content;
      r.content = content;
    }
  }
  return schema;
}

/** Registers the error schema, the OpenAPI generator and Swagger UI at `/docs` (with DOCS_CSP). */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  app.addSchema(errorSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Letterpress',
        description: 'Text to image, from a URL: PNG, JPEG or WebP in any script, cached forever. Errors are `{"error":{"code","message","param"}}` with `Cache-Control: no-store`. With `SIGNING_KEYS` set, image URLs need `sig`, and `POST /render`, `POST /sign` and the `/jobs` routes need `Authorization: Bearer`.',
        version,
        license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
      },
      servers: [{ url: '/', description: 'This server' }],
      tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
      components: {
        securitySchemes: {
          [BEARER]: { type: 'http', scheme: 'bearer', description: 'With SIGNING_KEYS set: `Authorization: Bearer <one of SIGNING_KEYS>`. Without keys, not needed.' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform: ({ schema, url, route }) => ({ schema: withoutErrorImages(withDocsOnlyParts(sanitize(schema)), route.method), url }),
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    uiConfig: { deepLinking: true, docExpansion: 'list' },
  });
}
