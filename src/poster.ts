/**
 * Poster documents: a validated JSON document becomes one frozen, canonical PosterSpec with every
 * default filled in, colours expanded, text normalised, fonts resolved and images turned into
 * content-hashed sources. Its canonical string is the single source of the ETag and cache key.
 */
import type { FontCatalog } from '../workers/protocol.js';
import { deepFreeze, round } from '../workers/shared.js';
import type {
  CanvasBackground, GradientStop, LayerSpec, Paint, PosterSpec, TextLayerSpec, TextSpan,
} from '../workers/protocol.js';
import { pixelHeight, pixelWidth } from '../workers/protocol.js';
import { normalizeSpans } from '../workers/text-normalize.js';
import type { AssetCatalog } from './assets.js';
import type { Config } from './config.js';
import { badParam } from './errors.js';
import { breakFields, canonicalAngle, canonicalColor, requireFormat, resolveFamily } from './params.js';
import { validateDocument } from './poster-schema.js';

/** Defaults of the document and of each layer type. */
export const POSTER_DEFAULTS = Object.freeze({
  width: 1200, height: 630, format: 'png', dpr: 1, quality: 90, background: '#ffffff',
  text: {
    color: '#111111', font: 'sans', weight: 400, size: 64, minSize: 12, fit: 'shrink', maxLines: 0, lineHeight: 1.25,
    letterSpacing: 0, direction: 'auto', lang: 'auto', writingMode: 'horizontal', balance: false,
  },
});

/** What canonicalisation needs besides the document. */
export interface PosterContext {
  readonly config: Config;
  readonly catalog: FontCatalog;
  readonly assets: AssetCatalog;
}

type Json = Record<string, unknown>;
const num = (v: unknown, def: number, step = 0.01): number => round(v === undefined ? def : Number(v), step);

function canonicalStops(stops: unknown[]): GradientStop[] {
  const n = stops.length;
  return stops.map((s, i) => (typeof s === 'string'
    ? { color: canonicalColor(s), offset: round(i / (n - 1), 0.0001) }
    : { color: canonicalColor(String((s as Json).color)), offset: num((s as Json).offset, i / (n - 1), 0.0001) }));
}

/** A colour string or gradient object as a canonical Paint. */
function canonicalPaint(p: unknown): Paint {
  if (typeof p === 'string') return { type: 'color', color: canonicalColor(p) };
  const o = p as Json;
  if (o.type === 'linear') return { type: 'linear', angle: canonicalAngle(Number(o.angle ?? 180)), stops: canonicalStops(o.stops as unknown[]) };
  return { type: 'radial', cx: num(o.cx, 0.5, 0.0001), cy: num(o.cy, 0.5, 0.0001), radius: num(o.radius, 1, 0.0001), stops: canonicalStops(o.stops as unknown[]) };
}

function family(ctx: PosterContext, name: unknown, pointer: string): string {
  const f = resolveFamily(ctx.catalog, String(name));
  if (!f) throw badParam('unknown_font', pointer, `${pointer}: unknown font "${String(name).slice(0, 64)}"; see GET /fonts`);
  return f;
}

function textLayer(l: Json, base: Omit<LayerSpec, 'type'>, at: string, ctx: PosterContext): TextLayerSpec {
  const d = POSTER_DEFAULTS.text;
  if ((l.text === undefined) === (l.spans === undefined)) throw badParam('invalid_parameter', `${at}/text`, `${at} needs exactly one of text or spans`);
  const font = family(ctx, l.font ?? d.font, `${at}/font`);
  const color = canonicalColor(String(l.color ?? d.color));
  const weight = Number(l.weight ?? d.weight);
  const raw = l.spans !== undefined ? (l.spans as Json[]) : [{ text: l.text }];
  const spans: TextSpan[] = [];
  const texts = normalizeSpans(raw.map((s) => String(s.text)));
  raw.forEach((s, i) => {
    const text = texts[i];
    if (text.length === 0) return;
    spans.push({
      text, color: s.color === undefined ? color : canonicalColor(String(s.color)),
      font: s.font === undefined ? font : family(ctx, s.font, `${at}/spans/${i}/font`), weight: s.weight === undefined ? weight : Number(s.weight),
    });
  });
  const total = spans.reduce((n, s) => n + [...s.text].length, 0);
  const textAt = l.spans !== undefined ? `${at}/spans` : `${at}/text`;
  if (!spans.some((s) => s.text.trim().length > 0)) throw badParam('invalid_parameter', textAt, `${textAt} must contain something to draw`);
  if (total > ctx.config.maxTextLength) throw badParam('text_too_long', textAt, `${textAt} is longer than ${ctx.config.maxTextLength} characters`);
  const vertical = l.writingMode === 'vertical';
  const size = num(l.size, d.size, 0.5);
  const shadow = l.shadow as Json | undefined, stroke = l.stroke as Json | undefined, bg = l.background as Json | undefined;
  const spec: TextLayerSpec = {
    type: 'text', ...base, spans, size, minSize: Math.min(size, num(l.minSize, d.minSize, 0.5)),
    fit: (l.fit ?? d.fit) as TextLayerSpec['fit'], maxLines: Number(l.maxLines ?? d.maxLines),
    align: (l.align ?? (vertical ? 'right' : 'left')) as TextLayerSpec['align'], valign: (l.valign ?? 'top') as TextLayerSpec['valign'],
    lineHeight: num(l.lineHeight, d.lineHeight), letterSpacing: num(l.letterSpacing, d.letterSpacing),
    direction: (l.direction ?? d.direction) as TextLayerSpec['direction'], lang: (l.lang ?? d.lang) as TextLayerSpec['lang'],
    ...breakFields(l.lineBreak, l.wordBreak),
    writingMode: vertical ? 'vertical' : 'horizontal', balance: Boolean(l.balance ?? d.balance),
    stroke: stroke ? { color: canonicalColor(String(stroke.color)), width: num(stroke.width, 2) } : null,
    shadow: shadow ? { color: canonicalColor(String(shadow.color ?? '00000080')), blur: num(shadow.blur, 8), x: num(shadow.x, 0), y: num(shadow.y, 4) } : null,
    background: bg ? { color: canonicalColor(String(bg.color)), radius: num(bg.radius, 0), padding: num(bg.padding, 0) } : null,
  };
  const p = spec.background?.padding ?? 0;
  if (p * 2 >= Math.min(base.width, base.height)) throw badParam('out_of_range', `${at}/background/padding`, `${at}/background/padding leaves no room for text in a ${base.width}x${base.height} layer`);
  return spec;
}

function layer(l: Json, i: number, doc: { w: number; h: number }, ctx: PosterContext): LayerSpec {
  const at = `/layers/${i}`;
  const x = num(l.x, 0), y = num(l.y, 0);
  const base = {
    x, y, width: num(l.width, Math.max(1, doc.w - x)), height: num(l.height, Math.max(1, doc.h - y)),
    opacity: num(l.opacity, 1, 0.001), rotate: num(l.rotate, 0),
  };
  switch (l.type) {
    case 'text': return textLayer(l, base, at, ctx);
    case 'image': return { type: 'image', ...base, source: ctx.assets.resolve(String(l.src), `${at}/src`, ctx.config.maxDataUriBytes), fit: (l.fit ?? 'cover') as 'cover', radius: num(l.radius, 0) };
    default: {
      const stroke = l.stroke as Json | undefined;
      return {
        type: l.type as 'rect' | 'ellipse', ...base,
        fill: l.fill === undefined ? (stroke ? null : { type: 'color', color: '000000ff' }) : canonicalPaint(l.fill),
        stroke: stroke ? { color: canonicalColor(String(stroke.color)), width: num(stroke.width, 2) } : null,
        radius: l.type === 'rect' ? num(l.radius, 0) : 0,
      };
    }
  }
}

/** Validates a document against the schema and turns it into the canonical, frozen PosterSpec. */
export function canonicalizePoster(doc: unknown, ctx: PosterContext, formatOverride?: string): PosterSpec {
  const { config } = ctx;
  validateDocument(doc, config);
  const d = doc as Json;
  const fmtRaw = String(formatOverride ?? d.format ?? POSTER_DEFAULTS.format);
  const format = requireFormat(fmtRaw);
  const w = Number(d.width ?? POSTER_DEFAULTS.width), h = Number(d.height ?? POSTER_DEFAULTS.height);
  const dpr = num(d.dpr, POSTER_DEFAULTS.dpr);
  const pixels = pixelWidth({ w, dpr }) * pixelHeight({ h, dpr });
  if (pixels > config.maxPixels) throw badParam('too_many_pixels', '/width', `width*dpr x height*dpr is ${pixels} pixels; the limit is ${config.maxPixels}`);
  const bgRaw = d.background ?? POSTER_DEFAULTS.background;
  let background: CanvasBackground;
  if (typeof bgRaw === 'object' && (bgRaw as Json).type === 'image') {
    const b = bgRaw as Json;
    background = { type: 'image', source: ctx.assets.resolve(String(b.src), '/background/src', config.maxDataUriBytes), fit: (b.fit ?? 'cover') as 'cover' };
  } else {
    background = canonicalPaint(bgRaw);
  }
  const layers: LayerSpec[] = [];
  // Drawing cost is bounded too: the canvas plus every layer's box, in device pixels.
  let drawn = pixels;
  (d.layers as Json[]).forEach((l, i) => {
    const spec = layer(l, i, { w, h }, ctx);
    drawn += pixelWidth({ w: spec.width, dpr }) * pixelHeight({ h: spec.height, dpr });
    if (drawn > config.maxPixels * 4) throw badParam('too_many_pixels', `/layers/${i}`, `the layers cover more than ${config.maxPixels * 4} pixels in all (4x MAX_PIXELS)`);
    layers.push(spec);
  });
  return deepFreeze({ format, w, h, dpr, q: format === 'png' ? 0 : Number(d.quality ?? POSTER_DEFAULTS.quality), background, layers });
}

/** The canonical string of a poster (image bytes and file paths are stood for by their content ids). */
export function posterCanonicalString(spec: PosterSpec): string {
  return JSON.stringify(spec, (key, value) => (key === 'data' || key === 'file' ? undefined : value));
}
