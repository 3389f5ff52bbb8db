/**
 * The one render path, as a declared list of stages with cancellation checked before and the
 * deadline after each (imgproxy's pipeline): every image — a GET card (a poster with one text
 * layer), a poster document, a template, a batch row, a badge — goes through the same stages:
 *
 *   resolve (a badge becomes its poster; limits re-checked) -> decode images -> shape text ->
 *   size (cards with w/h=auto) -> lay out text -> rasterise -> read back -> encode
 *
 * so every fast path (undithered cached gradients, the palette PNG, reused canvases) serves
 * every image.
 */
import type { Image } from '@napi-rs/canvas';
import { autoSize } from './auto-size.js';
import { badgePoster } from './badge.js';
import { encodeImage, planEncoding, type EncodePlan } from './encode.js';
import type { FontSelector } from './font-select.js';
import { ImageLoadError, loadSource } from './images.js';
import { detectLang, itemizeParagraph, type Paragraph } from './itemize.js';
import { layoutText, type LayoutOptions } from './layout.js';
import { GradientBudget } from './background.js';
import { drawBackground, drawLayer, type LaidOutText } from './poster-raster.js';
import { isBadge, MAX_FONT_SIZE, pixelHeight, pixelWidth, type PosterSpec, type RenderDocument, type RenderLimits, type StageTimings, type TextLayerSpec } from './protocol.js';
import { canvasFor } from './raster.js';
import { layoutVertical } from './vertical-layout.js';

/** A failure with a stable code, raised inside the pipeline. */
export class RenderError extends Error {
  constructor(readonly code: string, message: string, readonly param?: string) {
    super(message);
  }
}

/** State handed from stage to stage. */
export interface RenderState {
  /** The document as the task sent it. */
  readonly doc: RenderDocument;
  /** The poster being drawn: set by `resolve`, given its final size by `size`. */
  spec: PosterSpec;
  readonly fonts: FontSelector;
  readonly limits: RenderLimits;
  images: Map<number, Image>;
  background: Image | null;
  paragraphs: Map<number, Paragraph[]>;
  text: Map<number, LaidOutText>;
  /** How `encode` will write the image (decided by `raster`, which draws only what it needs). */
  plan: EncodePlan | null;
  pixels: Uint8Array | null;
  body: Buffer | null;
}

/** One step of the render path. */
export interface Stage {
  readonly name: string;
  run(state: RenderState): void | Promise<void>;
}

/** resolve: a badge becomes the poster that draws it (sized to its measured text); limits are re-checked. */
function resolve(s: RenderState): void {
  if (isBadge(s.doc)) s.spec = badgePoster(s.doc, s.fonts);
  checkLimits(s.spec, s.limits);
}

/** decode: the background image and image layers, decoded once per worker (images.ts caches them). */
async function decode(s: RenderState): Promise<void> {
  const bg = s.spec.background;
  if (bg.type === 'image') s.background = await loadImage(s, bg.source, '/background');
  for (const [i, layer] of s.spec.layers.entries()) {
    if (layer.type === 'image') s.images.set(i, await loadImage(s, layer.source, `/layers/${i}/src`));
  }
}

async function loadImage(s: RenderState, source: Parameters<typeof loadSource>[0], pointer: string): Promise<Image> {
  try {
    return await loadSource(source, s.limits.maxPixels);
  } catch (err) {
    if (err instanceof ImageLoadError) throw new RenderError(err.code, err.message, pointer);
    throw err;
  }
}

/** shape: every text layer split into paragraphs, itemised (scripts, fonts, bidi) and measured. */
function shape(s: RenderState): void {
  for (const [i, layer] of s.spec.layers.entries()) if (layer.type === 'text') s.paragraphs.set(i, shapeLayer(layer, s.fonts));
}

/** Splits a text layer's spans into paragraphs, keeping the span index of every UTF-16 offset. */
function shapeLayer(layer: TextLayerSpec, fonts: FontSelector): Paragraph[] {
  const full = layer.spans.length === 1 ? layer.spans[0].text : layer.spans.map((sp) => sp.text).join('');
  const styles = layer.spans.map((sp) => ({ font: sp.font, weight: sp.weight }));
  let at: Uint16Array | null = null;
  if (layer.spans.length > 1) {
    at = new Uint16Array(full.length);
    let o = 0;
    layer.spans.forEach((sp, i) => {
      at!.fill(i, o, o + sp.text.length);
      o += sp.text.length;
    });
  }
  const lang = detectLang(full, layer.lang);
  const out: Paragraph[] = [];
  let start = 0;
  for (const line of full.split('\n')) {
    const spans = at ? { styles, at: at.subarray(start, start + line.length) } : undefined;
    const opts = { font: styles[0].font, weight: styles[0].weight, lang, direction: layer.direction, spaced: layer.letterSpacing !== 0, lineBreak: layer.lineBreak, wordBreak: layer.wordBreak, spans };
    out.push(itemizeParagraph(line, opts, fonts));
    start += line.length + 1;
  }
  return out;
}

/** size: a card with `w=auto` / `h=auto` gets its final size from its text; its text layer fills the padded box. */
function size(s: RenderState): void {
  const auto = s.spec.autoSize;
  if (!auto) return;
  const layer = s.spec.layers[0] as TextLayerSpec;
  const input = {
    ...layoutOptions(layer), w: auto.w ? 'auto' as const : s.spec.w, h: auto.h ? 'auto' as const : s.spec.h, dpr: s.spec.dpr, padding: auto.padding,
  };
  const { w, h, box } = autoSize(input, s.paragraphs.get(0) ?? [], s.limits);
  s.spec = { ...s.spec, w, h, autoSize: undefined, layers: [{ ...layer, x: box.x, y: box.y, width: box.w, height: box.h }, ...s.spec.layers.slice(1)] };
}

/** A text layer's layout options, in its own coordinates: its box inset by the background padding. */
function layoutOptions(layer: TextLayerSpec): LayoutOptions {
  const p = layer.background?.padding ?? 0;
  const box = { x: p, y: p, w: Math.max(1, layer.width - 2 * p), h: Math.max(1, layer.height - 2 * p) };
  return { ...layer, box, font: layer.spans[0].font, weight: layer.spans[0].weight };
}

/** layout: each text layer broken into lines (or vertical columns), fitted and placed. */
function layout(s: RenderState): void {
  for (const [i, paras] of s.paragraphs) {
    const layer = s.spec.layers[i] as TextLayerSpec;
    const o = layoutOptions(layer);
    const spaced = layer.letterSpacing !== 0;
    s.text.set(i, layer.writingMode === 'vertical'
      ? { mode: 'vertical', layout: layoutVertical(paras, o, s.fonts, spaced) }
      : { mode: 'horizontal', layout: layoutText(paras, o, s.fonts, spaced) });
  }
}

/**
 * raster: decides the encoding, then draws on a reused canvas: the background, then each layer in
 * order (Skia draws lazily, at readback). A two-colour PNG draws only the rectangle its text
 * layers cover (everything else is known background), on a canvas of that rectangle's size.
 */
function raster(s: RenderState): void {
  const { spec } = s;
  s.plan = planEncoding(spec, s.text, s.fonts);
  const region = s.plan.kind === 'two-color' ? s.plan.clip : { x0: 0, y0: 0, x1: pixelWidth(spec), y1: pixelHeight(spec) };
  const width = region.x1 - region.x0, height = region.y1 - region.y0;
  if (width <= 0 || height <= 0) return;
  const ctx = canvasFor(width, height).getContext('2d');
  ctx.globalAlpha = 1;
  const gradients = new GradientBudget();
  drawBackground(ctx, spec.background, spec, s.background, width, height, gradients);
  ctx.setTransform(spec.dpr, 0, 0, spec.dpr, -region.x0, -region.y0);
  const res = { images: s.images, text: s.text, gradients };
  spec.layers.forEach((layer, i) => drawLayer(ctx, layer, i, res, spec.dpr));
  ctx.setTransform(1, 0, 0, 1, 0, 0);
}

/** readback: the drawn pixels, read once (premultiplied RGBA; only the drawn rectangle for a two-colour PNG). */
function readback(s: RenderState): void {
  const { x0, y0, x1, y1 } = s.plan!.kind === 'two-color' ? s.plan!.clip : { x0: 0, y0: 0, x1: pixelWidth(s.spec), y1: pixelHeight(s.spec) };
  s.pixels = x1 > x0 && y1 > y0 ? canvasFor(x1 - x0, y1 - y0).data() : new Uint8Array(0);
}

/** encode: the cheapest exact encoding (palette PNG when the colours allow), else sharp. */
async function encode(s: RenderState): Promise<void> {
  s.body = await encodeImage(s.pixels!, s.spec, s.plan!);
}

/** The stages, in order. */
export const STAGES: readonly Stage[] = [
  { name: 'resolve', run: resolve },
  { name: 'decode', run: decode },
  { name: 'shape', run: shape },
  { name: 'size', run: size },
  { name: 'layout', run: layout },
  { name: 'raster', run: raster },
  { name: 'readback', run: readback },
  { name: 'encode', run: encode },
];

const isNum = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n);

/** Re-checks the hard limits inside the worker (defence in depth if a document bypassed the edge). */
export function checkLimits(spec: PosterSpec, limits: RenderLimits): void {
  for (const key of ['w', 'h', 'dpr', 'q'] as const) {
    if (!isNum(spec[key])) throw new RenderError('limit_exceeded', `${key} is not a finite number`);
  }
  const px = pixelWidth(spec) * pixelHeight(spec);
  if (!(px > 0) || spec.w > limits.maxWidth || spec.h > limits.maxHeight || px > limits.maxPixels) {
    throw new RenderError('limit_exceeded', `image ${spec.w}x${spec.h}@${spec.dpr} exceeds the configured limits`);
  }
  if (spec.layers.length > limits.maxLayers) throw new RenderError('limit_exceeded', `more than ${limits.maxLayers} layers`);
  for (const l of spec.layers) {
    if (![l.x, l.y, l.width, l.height, l.opacity, l.rotate].every(isNum)) throw new RenderError('limit_exceeded', 'a layer has a coordinate that is not a finite number');
    if (l.type !== 'text') continue;
    if (![l.size, l.minSize, l.lineHeight, l.letterSpacing, l.maxLines].every(isNum)) throw new RenderError('limit_exceeded', 'a text option is not a finite number');
    if (!(l.size > 0) || l.size > MAX_FONT_SIZE || !(l.lineHeight > 0) || l.maxLines < 0) throw new RenderError('limit_exceeded', 'size, lineHeight or maxLines out of bounds');
    const length = l.spans.reduce((n, sp) => n + [...sp.text].length, 0);
    if (length > limits.maxTextLength) throw new RenderError('limit_exceeded', 'text exceeds the configured limit');
  }
}

/** Runs every stage over a document; returns the state and per-stage times. */
export async function runPipeline(doc: RenderDocument, fonts: FontSelector, deadline: number, limits: RenderLimits, cancelled: () => boolean = () => false): Promise<{ state: RenderState; timings: StageTimings }> {
  const state: RenderState = {
    doc, spec: doc as PosterSpec, fonts, limits, images: new Map(), background: null, paragraphs: new Map(), text: new Map(), plan: null, pixels: null, body: null,
  };
  return { state, timings: await runStages(STAGES, state, deadline, cancelled) };
}

/** Runs a declared list of stages over `state`, checking cancellation before and the deadline after each. */
export async function runStages<S>(stages: readonly { readonly name: string; run(state: S): void | Promise<void> }[], state: S, deadline: number, cancelled: () => boolean): Promise<StageTimings> {
  const timings: StageTimings = {};
  for (const stage of stages) {
    if (cancelled()) throw new RenderError('cancelled', `every client left before the ${stage.name} stage`);
    const t0 = performance.now();
    await stage.run(state);
    timings[stage.name] = Math.round((performance.now() - t0) * 1000) / 1000;
    if (Date.now() > deadline) throw new RenderError('render_timeout', `render passed its deadline after the ${stage.name} stage`);
  }
  return timings;
}
