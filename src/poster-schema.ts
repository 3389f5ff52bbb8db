/**
 * The JSON schema of a poster document (`POST /render`, templates): every object closed
 * (additionalProperties false), every number and string bounded, layers chosen by their `type`
 * (a discriminator, so an error names the field of the layer type actually given). A violation
 * becomes a 400 whose `param` is the JSON pointer of the bad field.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { CJK_LANGS, FORMAT_NAMES, MAX_FONT_SIZE } from '../workers/protocol.js';
import type { Config } from './config.js';
import { AppError, badParam } from './errors.js';
import { addColorFormats, COLOR_FORMS } from './colors.js';
import { COLOR_SCHEMA, LINE_BREAKS, WORD_BREAKS } from './params.js';

const color = { ...COLOR_SCHEMA, description: 'Hex colour (RGB, RGBA, RRGGBB or RRGGBBAA, optional #) or CSS colour name.' };
const num = (minimum: number, maximum: number, description?: string) => ({ type: 'number', minimum, maximum, ...(description ? { description } : {}) });
const int = (minimum: number, maximum: number, description?: string) => ({ type: 'integer', minimum, maximum, ...(description ? { description } : {}) });
const closed = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', additionalProperties: false, properties, ...(required.length ? { required } : {}) });
const oneOfTypes = (branches: Record<string, unknown>[]) => ({ type: 'object', required: ['type'], discriminator: { propertyName: 'type' }, oneOf: branches });

const stops = {
  type: 'array', minItems: 2, maxItems: 8, description: 'Gradient stops: colours (evenly spaced) or {color, offset}.',
  items: { anyOf: [color, closed({ color, offset: num(0, 1) }, ['color'])] },
};
const linear = closed({ type: { const: 'linear' }, angle: num(-360, 360, 'CSS degrees: 0 to top, 90 to right, 180 to bottom (default 180).'), stops }, ['type', 'stops']);
const radial = closed({ type: { const: 'radial' }, cx: num(0, 1, 'Centre x as a fraction of the box (default 0.5).'), cy: num(0, 1), radius: num(0.01, 4, 'Radius as a fraction of the distance to the farthest corner (default 1).'), stops }, ['type', 'stops']);
const fit = { type: 'string', enum: ['cover', 'contain', 'fill'] };
const src = { type: 'string', minLength: 1, maxLength: 16 * 1024 * 1024, description: 'An asset name from GET /assets, or a data:image/(png|jpeg|webp);base64 URI. http(s) URLs are not fetched.' };
const stroke = closed({ color, width: num(0, 64) }, ['color']);

/** Bounds that come from the configuration. */
function layerSchemas(config: Config): Record<string, unknown>[] {
  const span = Math.max(config.maxWidth, config.maxHeight);
  const base = {
    type: {}, x: num(-span, span), y: num(-span, span), width: num(1, span), height: num(1, span),
    opacity: num(0, 1), rotate: num(-360, 360),
  };
  const text = closed({
    ...base, type: { const: 'text' },
    text: { type: 'string', minLength: 1, maxLength: config.maxTextLength },
    spans: {
      type: 'array', minItems: 1, maxItems: 64,
      items: closed({ text: { type: 'string', minLength: 1, maxLength: config.maxTextLength }, color, font: { type: 'string', minLength: 1, maxLength: 64 }, weight: int(100, 900) }, ['text']),
    },
    color, font: { type: 'string', minLength: 1, maxLength: 64 }, weight: int(100, 900),
    size: num(4, MAX_FONT_SIZE), minSize: num(4, MAX_FONT_SIZE), fit: { type: 'string', enum: ['none', 'shrink'] }, maxLines: int(0, 200),
    align: { type: 'string', enum: ['left', 'center', 'right'] }, valign: { type: 'string', enum: ['top', 'middle', 'bottom'] },
    lineHeight: num(0.5, 4), letterSpacing: num(-50, 200),
    direction: { type: 'string', enum: ['auto', 'ltr', 'rtl'] }, lang: { type: 'string', enum: [...CJK_LANGS] },
    lineBreak: { type: 'string', enum: LINE_BREAKS }, wordBreak: { type: 'string', enum: WORD_BREAKS },
    writingMode: { type: 'string', enum: ['horizontal', 'vertical'] }, balance: { type: 'boolean' },
    stroke, shadow: closed({ color, blur: num(0, 200), x: num(-500, 500), y: num(-500, 500) }),
    background: closed({ color, radius: num(0, 2000), padding: num(0, 500) }, ['color']),
  }, ['type']);
  const image = closed({ ...base, type: { const: 'image' }, src, fit, radius: num(0, 2000) }, ['type', 'src']);
  const paint = { anyOf: [color, oneOfTypes([linear, radial])] };
  const rect = closed({ ...base, type: { const: 'rect' }, fill: paint, stroke, radius: num(0, 2000) }, ['type']);
  const ellipse = closed({ ...base, type: { const: 'ellipse' }, fill: paint, stroke }, ['type']);
  return [text, image, rect, ellipse];
}

/** The poster document schema for a configuration's bounds. */
export function posterSchema(config: Config): Record<string, unknown> {
  const imageBg = closed({ type: { const: 'image' }, src, fit }, ['type', 'src']);
  return closed({
      width: int(1, config.maxWidth, 'Canvas width in CSS px (default 1200).'),
      height: int(1, config.maxHeight, 'Canvas height in CSS px (default 630).'),
      format: { type: 'string', enum: [...FORMAT_NAMES], description: 'Output format (default png).' },
      dpr: num(1, 3, 'Device pixel ratio (default 1).'),
      quality: int(1, 100, 'JPEG/WebP quality (default 90).'),
      background: { anyOf: [color, oneOfTypes([linear, radial, imageBg])], description: 'Colour, gradient or image (default #ffffff).' },
      layers: { type: 'array', maxItems: config.maxLayers, items: oneOfTypes(layerSchemas(config)), description: 'Layers, drawn in order.' },
  }, ['layers']);
}

const ajv = addColorFormats(new Ajv({ discriminator: true, allErrors: false, coerceTypes: false, useDefaults: false, strict: true, strictTypes: false, strictRequired: false }));
const compiled = new WeakMap<Config, ValidateFunction>();

/** A compiled validator for a configuration (cached). */
export function posterValidator(config: Config): ValidateFunction {
  let v = compiled.get(config);
  if (!v) compiled.set(config, (v = ajv.compile(posterSchema(config))));
  return v;
}

/** The deepest error (the most precise pointer); among equals, one that is not about the JSON type. */
function mostSpecific(errors: ErrorObject[]): ErrorObject {
  const depth = (e: ErrorObject): number => e.instancePath.split('/').length + (e.keyword === 'required' || e.keyword === 'additionalProperties' ? 1 : 0);
  const rank = (e: ErrorObject): number => (e.keyword === 'anyOf' || e.keyword === 'oneOf' ? 2 : e.keyword === 'type' ? 1 : 0);
  return [...errors].sort((a, b) => depth(b) - depth(a) || rank(a) - rank(b))[0];
}

/** Maps schema errors to a 400 naming the JSON pointer of the bad field (prefixed with `prefix`). */
export function documentError(errors: ErrorObject[], prefix = ''): AppError {
  const e = mostSpecific(errors);
  const p = e.params as Record<string, unknown>;
  const at = prefix + e.instancePath;
  const where = at || '/';
  switch (e.keyword) {
    case 'required': return badParam('missing_parameter', `${at}/${String(p.missingProperty)}`, `${at}/${String(p.missingProperty)} is required`);
    case 'additionalProperties': return badParam('unknown_parameter', `${at}/${String(p.additionalProperty).slice(0, 40)}`, `unknown field "${String(p.additionalProperty).slice(0, 40)}" in ${where}`);
    case 'minimum': case 'maximum': return badParam('out_of_range', where, `${where} ${e.message}`);
    case 'maxItems': return at.endsWith('/layers') ? badParam('too_many_layers', where, `${where} ${e.message}`) : badParam('out_of_range', where, `${where} ${e.message}`);
    case 'minItems': return badParam('out_of_range', where, `${where} ${e.message}`);
    case 'maxLength': return /\/(text|spans\/\d+\/text)$/.test(at) ? badParam('text_too_long', where, `${where} ${e.message}`) : badParam('invalid_parameter', where, `${where} ${e.message}`);
    case 'format': return badParam('invalid_color', where, `${where} must be ${COLOR_FORMS}`);
    case 'enum': return badParam('invalid_parameter', where, `${where} must be one of ${(p.allowedValues as string[]).join(', ')}`);
    case 'const': return badParam('invalid_parameter', where, `${where} must be ${JSON.stringify(p.allowedValue)}`);
    case 'discriminator': return badParam('invalid_parameter', `${where}/type`, p.error === 'mapping' ? `${where}/type must be one of the types this field takes (layers: text, image, rect, ellipse; paints: linear, radial${where === '/background' ? ', image' : ''})` : `${where}/type must be a string`);
    case 'type': return badParam('invalid_parameter', where, `${where} must be ${e.message?.replace(/^must be /, 'a ') ?? 'of another type'}`);
    default: return badParam('invalid_parameter', where, `${where} ${e.message ?? 'is invalid'}`);
  }
}

/** Validates a document; throws the 400 for its first (most specific) problem. */
export function validateDocument(doc: unknown, config: Config, prefix = ''): void {
  const validate = posterValidator(config);
  if (!validate(doc)) throw documentError(validate.errors ?? [], prefix);
}
