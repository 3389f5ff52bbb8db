/**
 * The one query-string parser (Fastify's `routerOptions.querystringParser`): `&`-separated
 * `name=value` pairs, `+` for a space, `%XX` escapes decoded as UTF-8. Strict where the default
 * parser guesses: a `%` not followed by two hex digits, or escapes that decode to invalid UTF-8
 * (overlong forms, surrogates, truncated sequences), make the query malformed; the request then
 * answers 400 `invalid_url` naming the parameter (checked in an onRequest hook, see `queryError`),
 * as a bad escape in the path does. The result
 * has no prototype, so `constructor` or `__proto__` are parameters like any other (and unknown).
 * A repeated name gives an array, which every route rejects as "given more than once".
 *
 * Numbers have one spelling too (DECIMAL): every parameter a route's querystring schema types as
 * a number is checked before schema validation, whose type coercion would read `0x10`, ` 600`,
 * `1e3` or `Infinity` (checkQueryNumbers, in a preValidation hook for every route).
 */
import { AppError, badParam } from './errors.js';

const MALFORMED = Symbol('malformed query');
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A parsed query: null prototype, strings (or arrays of them for repeated names). */
export type StrictQuery = Record<string, string | string[]>;

/** Decodes one component; null when its percent-encoding or UTF-8 is malformed. */
export function decodeComponent(raw: string): string | null {
  const s = raw.includes('+') ? raw.replace(/\+/g, ' ') : raw;
  if (!s.includes('%')) return s;
  if (/%(?![0-9a-fA-F]{2})/.test(s)) return null;
  // Runs of escapes become bytes, decoded strictly; everything else stays as it is.
  try {
    return s.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => utf8.decode(Buffer.from(run.replace(/%/g, ''), 'hex')));
  } catch {
    return null;
  }
}

/**
 * Parses a query string (without `?`). Never throws: a malformed pair is recorded on the result
 * (see queryError) so the request can be answered with a 400 naming it.
 */
export function parseStrictQuery(qs: string): StrictQuery {
  const out = Object.create(null) as StrictQuery;
  if (!qs) return out;
  for (const pair of qs.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const name = decodeComponent(rawName);
    const value = eq < 0 ? '' : decodeComponent(pair.slice(eq + 1));
    if (name === null || value === null) {
      if (!Object.hasOwn(out, MALFORMED)) {
        const param = name ?? rawName.slice(0, 40);
        const message = `${param.slice(0, 40)} has an invalid percent-encoding (a % must be followed by two hex digits, and the bytes must be UTF-8)`;
        Object.defineProperty(out, MALFORMED, { value: AppError.of('invalid_url', message, param), enumerable: false });
      }
      continue;
    }
    const prev = out[name];
    if (prev === undefined) out[name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[name] = [prev, value];
  }
  return out;
}

/**
 * A parsed query as one string per name, in a null-prototype record (`__proto__` stays an
 * ordinary, refusable key); a name given more than once is 400 naming it.
 */
export function singleValued(query: StrictQuery): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(query)) {
    if (Array.isArray(v)) throw badParam('invalid_parameter', k, `${k.slice(0, 40)} must be given once`);
    out[k] = v;
  }
  return out;
}

/** The 400 for a query parseStrictQuery found malformed, or null. */
export function queryError(query: unknown): AppError | null {
  return query && typeof query === 'object' && Object.hasOwn(query, MALFORMED) ? (query as Record<symbol, AppError>)[MALFORMED] : null;
}

/**
 * The one spelling of a number in a query string (or a CSV cell): optional `-`, decimal digits,
 * optional `.` and more digits. No `+`, spaces, exponents, hex/octal/binary prefixes,
 * `Infinity`/`NaN` or `_`; leading zeros are decimal (`010` is ten).
 */
export const DECIMAL = /^-?\d+(?:\.\d+)?$/;

/** The message of a number spelled any other way. */
export const decimalMessage = (name: string, words: readonly string[] = []): string =>
  `${name} must be a plain decimal number (digits, an optional leading - and one decimal point)${words.length ? ` or ${words.join(', ')}` : ''}`;

interface Schema { type?: unknown; anyOf?: Schema[]; oneOf?: Schema[]; const?: unknown; enum?: unknown[]; properties?: Record<string, Schema> }
const numericCache = new WeakMap<object, (readonly [string, string[]])[]>();
const isNumeric = (t: unknown): boolean => t === 'number' || t === 'integer' || (Array.isArray(t) && t.some(isNumeric));

/** The parameters of a querystring schema that take numbers, with the words they also take (`auto`). */
function numericParams(schema: Schema): (readonly [string, string[]])[] {
  let out = numericCache.get(schema);
  if (!out) {
    out = [];
    for (const [name, p] of Object.entries(schema.properties ?? {})) {
      const branches = [p, ...(p.anyOf ?? []), ...(p.oneOf ?? [])];
      if (!branches.some((b) => isNumeric(b.type))) continue;
      const words = branches.flatMap((b) => [b.const, ...(b.enum ?? [])].filter((w): w is string => typeof w === 'string'));
      out.push([name, words] as const);
    }
    numericCache.set(schema, out);
  }
  return out;
}

/** Throws 400 `invalid_parameter` for a number in `query` that a querystring `schema` types as numeric but is not spelled as DECIMAL. */
export function checkQueryNumbers(schema: unknown, query: unknown): void {
  if (!schema || typeof schema !== 'object' || !query || typeof query !== 'object') return;
  for (const [name, words] of numericParams(schema as Schema)) {
    const v = Object.hasOwn(query, name) ? (query as Record<string, unknown>)[name] : undefined;
    if (typeof v === 'string' && !DECIMAL.test(v) && !words.includes(v)) throw badParam('invalid_parameter', name, decimalMessage(name, words));
  }
}
