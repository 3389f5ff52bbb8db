/**
 * Signed URLs. With SIGNING_KEYS set, every render URL carries `sig`: HMAC-SHA256 (base64url,
 * 43 chars) over the canonical request — the same canonical form that makes the ETag, so
 * equivalent spellings of a URL share one signature. Threat: without signatures anyone can put
 * any words on an image served from your domain, or make the service burn CPU on renders.
 * Verification is constant-time and accepts any configured key (rotation: sign with the first).
 * Server-to-server calls (POST /render and every /jobs route) carry a key as
 * `Authorization: Bearer`, checked in an onRequest hook (requireBearer) before any body is read.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FontCatalog } from '../workers/protocol.js';
import type { Config } from './config.js';
import { canonicalString } from './etag.js';
import { AppError, badParam } from './errors.js';
import { badgeCanonicalString, canonicalizeBadge } from './badge.js';
import { canonicalize, requireFormat, type RenderQuery } from './params.js';
import { isPlaceholderSize, placeholderQuery } from './placeholder.js';
import { posterCanonicalString } from './poster.js';
import { parseStrictQuery, queryError, singleValued } from './query-string.js';
import type { TemplateStore } from './templates.js';

/** Signature of a canonical string (from canonicalString) with one key. */
export function signCanonical(canonical: string, key: string): string {
  return createHmac('sha256', key).update(canonical).digest('base64url');
}

/**
 * Throws 403 unless `sig` signs `canonical` under one of `keys`. Exactly one spelling is
 * accepted: the 43-character unpadded base64url that signCanonical gives. The text is compared,
 * not the decoded bytes, so padding (`=`), the `+/` alphabet and the two spare bits of the last
 * character (four spellings of the same 32 bytes) never make another URL for the same image.
 */
export function verifySignature(canonical: string, sig: string | undefined, keys: readonly string[]): void {
  if (keys.length === 0) return;
  if (!sig) throw AppError.of('invalid_signature', 'this server only renders signed URLs: sig is missing', 'sig');
  const given = Buffer.from(sig, 'utf8');
  let ok = false;
  for (const key of keys) {
    const expected = Buffer.from(signCanonical(canonical, key), 'utf8');
    if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
  }
  if (!ok) throw AppError.of('invalid_signature', 'sig does not match this URL', 'sig');
}

/**
 * Returns `url` (absolute, or a path: /render.*, /t/*, /badge/* or a placeholder such as /600x400) with a `sig` for `key`
 * appended. Template URLs need `templates`. Invalid URLs throw the same 4xx AppError the server
 * would answer.
 */
export function signRenderUrl(url: string, key: string, config: Config, catalog: FontCatalog, templates?: TemplateStore): string {
  const u = new URL(url, 'http://letterpress.invalid');
  // The server's own query parser: a query it would refuse (bad escapes, a repeated name) is not signed.
  const parsed = parseStrictQuery(u.search.slice(1));
  const malformed = queryError(parsed);
  if (malformed) throw malformed;
  const query = singleValued(parsed); // canonicalize() checks the raw strings as the server does
  delete query.sig;
  u.searchParams.delete('sig');
  const render = /^\/render\.([a-z]+)$/.exec(u.pathname);
  const template = /^\/t\/([a-z0-9-]+)\.([a-z]+)$/.exec(u.pathname);
  const badge = /^\/badge\/([^/]+)$/.exec(u.pathname);
  const segments = u.pathname.split('/').slice(1).map(decodePathSegment);
  let canonical: string;
  // The format first, as the routes check it: an unknown one is the server's 400, never signed.
  if (render) canonical = canonicalString(canonicalize(requireFormat(render[1]), query as unknown as RenderQuery, config, catalog));
  else if (template && templates) {
    const format = requireFormat(template[2]);
    canonical = posterCanonicalString(templates.fill(templates.get(template[1]), query, format));
  }
  else if (badge) canonical = badgeCanonicalString(canonicalizeBadge(decodePathSegment(badge[1]), query, catalog));
  else if (segments.length <= 4 && isPlaceholderSize(segments[0])) {
    const p = placeholderQuery(segments, query);
    canonical = canonicalString(canonicalize(p.format, p.query, config, catalog));
  } else throw AppError.of('not_found', `not a render, template, badge or placeholder URL: ${u.pathname}`);
  u.searchParams.set('sig', signCanonical(canonical, key));
  return url.startsWith('/') ? `${u.pathname}${u.search}` : u.toString();
}

/** A path segment percent-decoded, or the 400 the server answers for a malformed escape (naming `url`). */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badParam('invalid_url', 'url', `the path segment "${segment.slice(0, 40)}" has a malformed percent-escape or invalid UTF-8`);
  }
}

/** With SIGNING_KEYS set, POST /render and the /jobs routes are for servers holding a key: `Authorization: Bearer <key>`. */
export function checkBearer(authorization: string | undefined, keys: readonly string[]): void {
  if (keys.length === 0) return;
  const given = Buffer.from(/^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '');
  const ok = keys.some((k) => {
    const key = Buffer.from(k);
    return key.length === given.length && timingSafeEqual(key, given);
  });
  if (!ok) throw AppError.of('invalid_signature', 'this server renders documents only for callers with a key: send Authorization: Bearer <one of SIGNING_KEYS>', 'authorization');
}

/**
 * The onRequest hook of every route that needs the bearer key: refuses before the body is read,
 * so a keyless 30 MB upload costs no parsing.
 */
export function requireBearer(keys: readonly string[]): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (req, reply) => {
    try {
      checkBearer(req.headers.authorization, keys);
    } catch (err) {
      // The unread body is not worth receiving: close the connection after the answer.
      if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) reply.header('Connection', 'close');
      throw err;
    }
  };
}
