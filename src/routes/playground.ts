/**
 * The playground: `GET /` (the page), `GET /playground` (redirects to /), its files
 * (`GET /playground/{file}` from public/, read once at start) and `GET /playground/params.json`
 * (the render route's own query schema, defaults and formats, so the page builds one control per
 * parameter). These responses get their own CSP allowing only same-origin scripts, styles,
 * fetches and images (plus blob:/data: images): no inline script, nothing external.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { PROJECT_ROOT } from '../config.js';
import { matchesIfNoneMatch } from '../etag.js';
import { FORMATS } from '../../workers/protocol.js';
import { DEFAULTS, querySchema } from '../params.js';

/** CSP of the playground page and its files: same origin only, images also from blob: and data:. */
export const PLAYGROUND_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' blob: data:", "connect-src 'self'",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

/** Folder the playground's files are served from. */
export const PUBLIC_DIR = path.join(PROJECT_ROOT, 'public');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json; charset=utf-8',
};
const FILE_NAME = /^[a-z0-9][a-z0-9-]*\.[a-z]+$/;

interface StaticFile { readonly body: Buffer; readonly type: string; readonly etag: string }

/** Reads every servable file of `dir` (flat, known types only) into memory. */
function loadFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!fs.existsSync(dir)) return files;
  for (const name of fs.readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    if (!type || !FILE_NAME.test(name) || !fs.statSync(path.join(dir, name)).isFile()) continue;
    const body = fs.readFileSync(path.join(dir, name));
    files.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` });
  }
  return files;
}

/** Sends a file with the playground CSP; revalidated on each use (ETag, 304). */
function sendFile(req: FastifyRequest, reply: FastifyReply, file: StaticFile): FastifyReply {
  reply.header('Content-Security-Policy', PLAYGROUND_CSP).header('Cache-Control', 'no-cache').header('ETag', file.etag)
    .header('Referrer-Policy', 'no-referrer');
  if (matchesIfNoneMatch(req.headers['if-none-match'], file.etag)) return reply.status(304).send();
  return reply.type(file.type).send(file.body);
}

/** What the page needs to build its controls: the GET /render.{format} query schema with defaults. */
export function playgroundParams(config: Config): Record<string, unknown> {
  return {
    render: { path: '/render.{format}', formats: FORMATS, query: querySchema(config), defaults: DEFAULTS },
    signing: config.signingKeys.length > 0,
  };
}

/** Registers the playground routes. */
export function playgroundRoutes(app: FastifyInstance, deps: { config: Config; dir?: string }): void {
  const files = loadFiles(deps.dir ?? PUBLIC_DIR);
  const page = files.get('playground.html');
  if (!page) app.log.warn({ dir: deps.dir ?? PUBLIC_DIR }, 'playground files not found; / answers 404');
  const hide = { schema: { hide: true } };
  const params = JSON.stringify(playgroundParams(deps.config));

  app.get('/', hide, async (req, reply) => {
    if (!page) return reply.callNotFound();
    return sendFile(req, reply, page);
  });
  app.get('/playground', hide, async (req, reply) => {
    const q = req.url.indexOf('?');
    return reply.redirect(`/${q >= 0 ? req.url.slice(q) : ''}`, 308);
  });
  app.get('/playground/params.json', hide, async (_req, reply) => {
    return reply.header('Content-Security-Policy', PLAYGROUND_CSP).header('Cache-Control', 'no-cache').type('application/json; charset=utf-8').send(params);
  });
  app.get<{ Params: { file: string } }>('/playground/:file', hide, async (req, reply) => {
    const file = req.params.file === 'playground.html' ? undefined : files.get(req.params.file);
    if (!file) return reply.callNotFound();
    return sendFile(req, reply, file);
  });
}
