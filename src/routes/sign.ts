/**
 * `POST /sign`: signs a render or template URL for a caller holding one of SIGNING_KEYS
 * (`Authorization: Bearer <key>`, as POST /render), with the first (newest) key. Signatures are
 * never handed to callers without a key; without SIGNING_KEYS the route answers 404 (URLs need
 * no signature). A URL the server would refuse answers the same 4xx naming the parameter.
 */
import type { FastifyInstance } from 'fastify';
import type { FontCatalog } from '../../workers/protocol.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { describeRoute, jsonResponse } from '../openapi.js';
import { checkBearer, signRenderUrl } from '../signing.js';
import type { TemplateStore } from '../templates.js';

/** Registers POST /sign. */
export function signRoutes(app: FastifyInstance, deps: { config: Config; catalog: FontCatalog; templates: TemplateStore }): void {
  const { config, catalog, templates } = deps;
  app.post<{ Body: { url: string } }>('/sign', {
    schema: {
      ...describeRoute({
        id: 'signUrl', tag: 'render', auth: 'bearer',
        summary: 'Sign a /render.{format} or /t/{name}.{format} URL (needs Authorization: Bearer <one of SIGNING_KEYS>)',
        description: 'Signs with the first (newest) of SIGNING_KEYS. Render, template, badge and placeholder URLs; a URL the server would refuse answers the same 4xx naming the parameter.',
        ok: { 200: jsonResponse('The signed URL and its `sig`.', { type: 'object', required: ['url', 'sig'], properties: { url: { type: 'string' }, sig: { type: 'string' } } }) },
        errors: [
          [400, 'The body or the URL is invalid (`param` names the field or the URL\'s parameter).'],
          [403, '`invalid_signature`: `Authorization: Bearer <key>` is missing or wrong.'],
          [404, '`not_found`: SIGNING_KEYS is not set (URLs need no signature), or the URL is no render, template, badge or placeholder URL; `unknown_template`.'],
          [413, '`payload_too_large`: the body is larger than 64 KB.'],
          [415, '`unsupported_media_type`: the body is not `application/json`.'],
          500,
        ],
      }),
      body: {
        type: 'object', additionalProperties: false, required: ['url'],
        properties: { url: { type: 'string', minLength: 1, maxLength: 16384, description: 'A path (/render.png?…, /t/name.png?…) or an absolute URL; an existing sig is replaced.' } },
      },
    },
    // The key is checked before the body is even parsed: callers without one learn nothing.
    onRequest: async (req) => {
      if (config.signingKeys.length === 0) throw AppError.of('not_found', 'this server does not sign URLs: SIGNING_KEYS is not set, so URLs need no sig');
      checkBearer(req.headers.authorization, config.signingKeys);
    },
  }, async (req, reply) => {
    const url = signRenderUrl(req.body.url, config.signingKeys[0], config, catalog, templates);
    const sig = new URL(url, 'http://letterpress.invalid').searchParams.get('sig');
    return reply.header('Cache-Control', 'no-store').send({ url, sig });
  });
}
