/**
 * The JSON body parser of every route that takes JSON (`POST /render`, `POST /jobs`) and of
 * NDJSON lines. Nesting is bounded before anything recursive touches the document: a linear scan
 * of the text counts open brackets outside strings, and past MAX_JSON_DEPTH the body answers
 * 400 `invalid_document` naming `body` (6,000 levels in 12 KB would otherwise overflow the stack
 * in JSON.stringify or a schema validator). The rest is Fastify's own parser (prototype
 * poisoning refused, the same errors for empty or invalid JSON).
 */
import type { FastifyInstance } from 'fastify';
import { badParam } from './errors.js';

/** Deepest nesting of arrays and objects any body may have (documents need about 6). */
export const MAX_JSON_DEPTH = 32;

/** True when `text` nests arrays/objects deeper than `max` (brackets inside strings do not count). */
export function jsonDepthExceeds(text: string, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) { // skip a string, escapes included
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** The 400 for a body nested too deeply. */
export function tooDeep(param = 'body') {
  return badParam('invalid_document', param, `${param} nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`);
}

/**
 * Replaces Fastify's application/json parser with the depth-checked one. No body limit of its
 * own: each route's `bodyLimit` (or the app's 64 KB) applies.
 */
export function installJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (jsonDepthExceeds(body as string)) {
      done(tooDeep(), undefined);
      return;
    }
    parse(req, body as string, done);
  });
}
