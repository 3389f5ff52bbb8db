/**
 * Request parameters of `GET /render.{format}`: the JSON schema Fastify validates at the edge
 * (hard bounds, no unknown keys), and canonicalisation into one frozen RenderSpec with every
 * default filled in — the single source of the ETag and cache keys.
 */
import type { FontCatalog } from '../workers/protocol.js';
import { deepFreeze, round } from '../workers/shared.js';
import { canonicalFormat, CJK_LANGS, FORMAT_NAMES, MAX_FONT_SIZE, pixelHeight, pixelWidth, type CjkLang, type Dimension, type Direction, type Fit, type ImageFormat, type LineBreak, type RenderSpec, type WordBreak } from '../workers/protocol.js';
import { normalizeText } from '../workers/text-normalize.js';
import { COLOR_FORMS, isColorList, parseColor, type Palette } from './colors.js';
import type { Config } from './config.js';
import { badParam, type AppError } from './errors.js';
import { checkQueryNumbers } from './query-string.js';

/** JSON schema of one colour (hex or CSS name; the `color` format is added to every Ajv instance by colors.ts). */
export const COLOR_SCHEMA = Object.freeze({ type: 'string', format: 'color', maxLength: 32 });
/** JSON schema of a background: 1-3 comma-separated colours (two or three make a gradient). */
export const BG_SCHEMA = Object.freeze({ type: 'string', format: 'color-list', maxLength: 100 });
/** What the `bg` error message lists: every form the README documents. */
export const BG_FORMS = `${COLOR_FORMS}, or 2-3 comma-separated colours for a gradient`;

/** The 400 `unknown_format` naming `format`, listing the names accepted (`detail` is appended). */
export function unknownFormat(detail = ''): AppError {
  return badParam('unknown_format', 'format', `format must be one of ${FORMAT_NAMES.join(', ')}${detail}`);
}

/** A format name (exact, lowercase: `png`, `jpg`, `jpeg`, `webp`) in canonical form, or the 400 `unknown_format`. */
export function requireFormat(name: string): ImageFormat {
  const f = canonicalFormat(name);
  if (!f) throw unknownFormat();
  return f;
}

/**
 * An output format from a path segment or extension (`png`, `jpg`/`jpeg`, `webp`, any case) in
 * canonical form; anything else is a 400 `unknown_format` naming `format` (svg, gif and avif, which
 * other services serve, say so).
 */
export function outputFormat(name: string): ImageFormat {
  const lower = name.toLowerCase();
  const f = canonicalFormat(lower);
  if (f) return f;
  throw unknownFormat(['svg', 'gif', 'avif'].includes(lower) ? ` (${lower} is not rendered here)` : '');
}

/** Values of `lineBreak` (CSS line-break). */
export const LINE_BREAKS: readonly LineBreak[] = Object.freeze(['normal', 'strict', 'loose', 'anywhere']);
/** Values of `wordBreak` (CSS word-break). */
export const WORD_BREAKS: readonly WordBreak[] = Object.freeze(['normal', 'keep-all', 'auto-phrase']);

/**
 * The line- and word-break fields of a canonical spec: present only when not `normal`, so specs
 * from before these options keep their canonical string, ETag input and signature.
 */
export function breakFields(lineBreak: unknown, wordBreak: unknown): { lineBreak?: LineBreak; wordBreak?: WordBreak } {
  const out: { lineBreak?: LineBreak; wordBreak?: WordBreak } = {};
  if (lineBreak !== undefined && lineBreak !== 'normal') out.lineBreak = lineBreak as LineBreak;
  if (wordBreak !== undefined && wordBreak !== 'normal') out.wordBreak = wordBreak as WordBreak;
  return out;
}

/** Defaults for every optional parameter. */
export const DEFAULTS = Object.freeze({
  w: 1200, h: 630, dpr: 1, q: 90, bg: 'ffffff', angle: 180, color: '111111', font: 'sans', weight: 400,
  size: 64, minSize: 12, align: 'center', valign: 'middle', padding: 48, lineHeight: 1.25,
  letterSpacing: 0, maxLines: 0, fit: 'shrink', direction: 'auto', lang: 'auto', lineBreak: 'normal', wordBreak: 'normal',
});

/** A width or height: an integer in [1, max], or `auto` (sized to the text in the worker). */
function dimension(max: number, description: string): Record<string, unknown> {
  return { anyOf: [{ type: 'integer', minimum: 1, maximum: max }, { type: 'string', const: 'auto' }], description };
}

/** Fastify/JSON schema for the query string, bounds taken from the config. */
export function querySchema(config: Config): Record<string, unknown> {
  const num = (minimum: number, maximum: number, description: string, integer = false) =>
    ({ type: integer ? 'integer' : 'number', minimum, maximum, description });
  return {
    type: 'object',
    additionalProperties: false,
    required: ['text'],
    properties: {
      text: { type: 'string', minLength: 1, maxLength: config.maxTextLength, description: 'Text to draw; a newline (%0A or a literal \\n) starts a new line.' },
      w: dimension(config.maxWidth, 'Width in CSS px, or auto: as wide as the text on one line per explicit newline, plus padding (default 1200).'),
      h: dimension(config.maxHeight, 'Height in CSS px, or auto: as tall as the laid-out text, plus padding (default 630).'),
      dpr: num(1, 3, 'Device pixel ratio: output is `w*dpr` by `h*dpr` pixels (default 1).'),
      q: num(1, 100, 'JPEG/WebP quality (default 90; ignored for PNG).', true),
      bg: { ...BG_SCHEMA, description: 'Background: hex colour or CSS colour name; 2-3 comma-separated colours make a linear gradient (default ffffff).' },
      angle: num(-360, 360, 'Gradient angle in CSS degrees: 0 to top, 90 to right, 180 to bottom (default 180).'),
      color: { ...COLOR_SCHEMA, description: 'Text colour: hex or CSS colour name (default 111111).' },
      font: { type: 'string', minLength: 1, maxLength: 64, description: 'Family from GET /fonts, or sans, serif, mono (default sans).' },
      weight: num(100, 900, 'Font weight (default 400); the nearest available weight is used.', true),
      size: num(4, MAX_FONT_SIZE, 'Font size in px; the starting size when fit=shrink (default 64).'),
      minSize: num(4, MAX_FONT_SIZE, 'Smallest size fit=shrink may use (default 12).'),
      align: { type: 'string', enum: ['left', 'center', 'right'], description: 'Horizontal alignment (default center).' },
      valign: { type: 'string', enum: ['top', 'middle', 'bottom'], description: 'Vertical alignment (default middle).' },
      padding: num(0, 2000, 'Padding in px on every side (default 48).'),
      lineHeight: num(0.5, 4, 'Line height as a multiple of size (default 1.25).'),
      letterSpacing: num(-50, 200, 'Extra px between characters (default 0).'),
      maxLines: num(0, 200, 'Maximum lines; more ends in an ellipsis (default 0: as many as fit).', true),
      fit: { type: 'string', enum: ['none', 'shrink'], description: 'shrink: largest size <= size at which the text fits (default shrink).' },
      direction: { type: 'string', enum: ['auto', 'ltr', 'rtl'], description: 'Paragraph direction (default auto: from the text).' },
      lang: { type: 'string', enum: [...CJK_LANGS], description: 'Preferred CJK glyph forms: zh-Hans (Simplified), zh-Hant (Traditional, Taiwan forms), zh-HK (Traditional, Hong Kong forms), ja, ko (default auto: kana -> ja, hangul -> ko, else zh-Hans).' },
      lineBreak: { type: 'string', enum: LINE_BREAKS, description: 'CSS line-break: which CJK characters may start a line; normal (default, as browsers: small kana and CJK hyphens may), strict, loose, anywhere (between any two characters).' },
      wordBreak: { type: 'string', enum: WORD_BREAKS, description: 'CSS word-break: normal (default; Korean is kept whole between spaces), keep-all (no breaks between CJK letters), auto-phrase (Japanese and Chinese break between phrases, BudouX).' },
      sig: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$', description: 'HMAC-SHA256 signature of the canonical request (required when the server has SIGNING_KEYS).' },
    },
  };
}

/** Query after schema validation and type coercion. */
export type RenderQuery = { text: string; sig?: string } & Partial<Record<keyof typeof DEFAULTS, string | number>>;

/** A colour (hex or name in `palette`) as lowercase `rrggbbaa`; a 400 `invalid_color` naming `param` when it is none. */
export function canonicalColor(input: string, param = 'color', palette: Palette = 'css'): string {
  const c = parseColor(input, palette);
  if (c === null) throw badParam('invalid_color', param, `${param} must be ${COLOR_FORMS}`);
  return c;
}

/** A gradient angle in CSS degrees folded into [0, 360), to 0.01°. */
export function canonicalAngle(deg: number): number {
  return round(((deg % 360) + 360) % 360, 0.01);
}

/** Resolves a family name or generic alias (case-insensitive) to the catalog's name. */
export function resolveFamily(catalog: FontCatalog, name: string): string | null {
  const lower = name.trim().toLowerCase();
  const generic = Object.entries(catalog.generic).find(([g]) => g === lower);
  if (generic) return generic[1];
  return catalog.families.find((f) => f.name.toLowerCase() === lower)?.name ?? null;
}

type NumericProp = { type: string; minimum: number; maximum: number };
const schemas = new WeakMap<Config, Record<string, NumericProp>>();

/** The numeric parameters of the query schema (compiled once per config). */
function numericProps(config: Config): Record<string, NumericProp> {
  let props = schemas.get(config);
  if (!props) schemas.set(config, (props = (querySchema(config) as { properties: Record<string, NumericProp> }).properties));
  return props;
}

const querySchemas = new WeakMap<Config, Record<string, unknown>>();

/**
 * Numbers still spelled as in the URL must be plain decimals (see query-string.ts): checked for
 * every route before schema validation (whose type coercion would read `0x10`, ` 600` or `1e3`),
 * and here again for the signer, which canonicalises raw query strings.
 */
export function checkNumberSyntax(query: unknown, config: Config): void {
  let schema = querySchemas.get(config);
  if (!schema) querySchemas.set(config, (schema = querySchema(config)));
  checkQueryNumbers(schema, query);
}

/**
 * Re-checks every numeric parameter (spelling first) against the schema's own bounds, finite and
 * integral where required: type coercion lets a 400-digit `w` through, and an infinite font size
 * or line height would never finish laying out.
 */
function checkNumbers(query: Record<string, unknown>, config: Config): void {
  const props = numericProps(config);
  checkNumberSyntax(query, config);
  for (const [name, max] of [['w', config.maxWidth], ['h', config.maxHeight]] as const) {
    const v = query[name];
    if (v === undefined || v === 'auto') continue;
    const n = Number(v);
    if (!Number.isInteger(n)) throw badParam('invalid_parameter', name, `${name} must be an integer or auto`);
    if (n < 1 || n > max) throw badParam('out_of_range', name, `${name} must be from 1 to ${max}, or auto`);
  }
  for (const [name, p] of Object.entries(props)) {
    if ((p.type !== 'number' && p.type !== 'integer') || query[name] === undefined) continue;
    const n = Number(query[name]);
    if (!Number.isFinite(n) || (p.type === 'integer' && !Number.isInteger(n))) throw badParam('invalid_parameter', name, `${name} must be a finite ${p.type}`);
    if (n < p.minimum || n > p.maximum) throw badParam('out_of_range', name, `${name} must be from ${p.minimum} to ${p.maximum}`);
  }
}

/** Turns a validated query into the canonical, frozen render spec (semantic checks included). */
export function canonicalize(format: string, query: RenderQuery, config: Config, catalog: FontCatalog): RenderSpec {
  checkNumbers(query, config);
  const fmt = requireFormat(format);
  const q = { ...DEFAULTS, ...query };
  const text = normalizeText(String(query.text));
  if (text.trim().length === 0) throw badParam('invalid_parameter', 'text', 'text must contain something to draw');
  if ([...text].length > config.maxTextLength) throw badParam('text_too_long', 'text', `text is longer than ${config.maxTextLength} characters`);
  const dim = (v: unknown): Dimension => (v === 'auto' ? 'auto' : Number(v));
  const w = dim(q.w), h = dim(q.h), dpr = round(Number(q.dpr), 0.01);
  // An auto side is decided in the worker, within MAX_WIDTH/MAX_HEIGHT/MAX_PIXELS; here it counts as 1 px.
  const pixels = pixelWidth({ w: w === 'auto' ? 1 : w, dpr }) * pixelHeight({ h: h === 'auto' ? 1 : h, dpr });
  if (pixels > config.maxPixels) throw badParam('too_many_pixels', 'w', `w*dpr x h*dpr is ${pixels} pixels; the limit is ${config.maxPixels}`);
  const padding = round(Number(q.padding), 0.01);
  const fixed = [w, h].filter((d): d is number => d !== 'auto');
  if (fixed.length > 0 && padding * 2 >= Math.min(...fixed)) throw badParam('out_of_range', 'padding', `padding ${padding} leaves no room inside a ${w}x${h} image`);
  const font = resolveFamily(catalog, String(q.font));
  if (!font) throw badParam('unknown_font', 'font', `unknown font "${String(q.font).slice(0, 64)}"; see GET /fonts`);
  if (!isColorList(String(q.bg))) throw badParam('invalid_color', 'bg', `bg must be ${BG_FORMS}`);
  const colors = String(q.bg).split(',').map((c) => canonicalColor(c, 'bg'));
  const size = round(Number(q.size), 0.5);
  const spec: RenderSpec = {
    format: fmt, text, w, h, dpr,
    q: fmt === 'png' ? 0 : Number(q.q),
    bg: { colors, angle: colors.length > 1 ? canonicalAngle(Number(q.angle)) : 180 },
    color: canonicalColor(String(q.color), 'color'),
    font,
    weight: Number(q.weight),
    size,
    minSize: Math.min(size, round(Number(q.minSize), 0.5)),
    align: q.align as RenderSpec['align'],
    valign: q.valign as RenderSpec['valign'],
    padding,
    lineHeight: round(Number(q.lineHeight), 0.01),
    letterSpacing: round(Number(q.letterSpacing), 0.01),
    maxLines: Number(q.maxLines),
    fit: q.fit as Fit,
    direction: q.direction as Direction,
    lang: q.lang as CjkLang,
    ...breakFields(q.lineBreak, q.wordBreak),
  };
  return deepFreeze(spec);
}
