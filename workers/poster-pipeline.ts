/**
 * The poster render path, as a declared list of stages with the deadline checked between them:
 * decode images (cached per worker) -> shape text layers (spans, fallback, bidi) -> lay them out
 * (horizontal with balance, or vertical columns) -> rasterise every layer in order -> encode.
 */
import type { Image } from '@napi-rs/canvas';
import { encode } from './encode.js';
import type { FontSelector } from './font-select.js';
import { ImageLoadError, loadSource } from './images.js';
import { detectLang, itemizeParagraph, type Paragraph } from './itemize.js';
import { layoutText } from './layout.js';
import { RenderError, runStages } from './pipeline.js';
import { drawBackground, drawLayer, type LaidOutText } from './poster-raster.js';
import { MAX_FONT_SIZE, pixelHeight, pixelWidth, type PosterSpec, type RenderLimits, type StageTimings, type TextLayerSpec } from './protocol.js';
import { canvasFor } from './raster.js';
import { layoutVertical } from './vertical-layout.js';

/** State handed from stage to stage. */
export interface PosterState {
  readonly spec: PosterSpec;
  readonly fonts: FontSelector;
  readonly limits: RenderLimits;
  images: Map<number, Image>;
  background: Image | null;
  paragraphs: Map<number, Paragraph[]>;
  text: Map<number, LaidOutText>;
  pixels: Buffer | null;
  body: Buffer | null;
}

/** The text box of a layer (local coordinates): the layer box inset by the background padding. */
function textBox(layer: TextLayerSpec): { x: number; y: number; w: number; h: number } {
  const p = layer.background?.padding ?? 0;
  return { x: p, y: p, w: Math.max(1, layer.width - 2 * p), h: Math.max(1, layer.height - 2 * p) };
}

async function load(s: PosterState, source: Parameters<typeof loadSource>[0], pointer: string): Promise<Image> {
  try {
    return await loadSource(source, s.limits.maxPixels);
  } catch (err) {
    if (err instanceof ImageLoadError) throw new RenderError(err.code, err.message, pointer);
    throw err;
  }
}

/** Splits a text layer's spans into paragraphs, keeping the span index of every UTF-16 offset. */
function shapeLayer(layer: TextLayerSpec, fonts: FontSelector): Paragraph[] {
  const full = layer.spans.map((s) => s.text).join('');
  const at = new Uint16Array(full.length);
  let o = 0;
  layer.spans.forEach((s, i) => {
    at.fill(i, o, o + s.text.length);
    o += s.text.length;
  });
  const styles = layer.spans.map((s) => ({ font: s.font, weight: s.weight }));
  const lang = detectLang(full, layer.lang);
  const out: Paragraph[] = [];
  let start = 0;
  for (const line of full.split('\n')) {
    const opts = { font: styles[0].font, weight: styles[0].weight, lang, direction: layer.direction, spaced: layer.letterSpacing !== 0, lineBreak: layer.lineBreak, wordBreak: layer.wordBreak, spans: { styles, at: at.subarray(start, start + line.length) } };
    out.push(itemizeParagraph(line, opts, fonts));
    start += line.length + 1;
  }
  return out;
}

/** The stages, in order. */
export const POSTER_STAGES: readonly { readonly name: string; run(s: PosterState): void | Promise<void> }[] = [
  {
    name: 'decode',
    async run(s) {
      const bg = s.spec.background;
      if (bg.type === 'image') s.background = await load(s, bg.source, '/background');
      for (const [i, layer] of s.spec.layers.entries()) {
        if (layer.type === 'image') s.images.set(i, await load(s, layer.source, `/layers/${i}/src`));
      }
    },
  },
  {
    name: 'shape',
    run(s) {
      for (const [i, layer] of s.spec.layers.entries()) if (layer.type === 'text') s.paragraphs.set(i, shapeLayer(layer, s.fonts));
    },
  },
  {
    name: 'layout',
    run(s) {
      for (const [i, paras] of s.paragraphs) {
        const layer = s.spec.layers[i] as TextLayerSpec;
        const o = { ...layer, box: textBox(layer), font: layer.spans[0].font, weight: layer.spans[0].weight };
        const spaced = layer.letterSpacing !== 0;
        s.text.set(i, layer.writingMode === 'vertical'
          ? { mode: 'vertical', layout: layoutVertical(paras, o, s.fonts, spaced) }
          : { mode: 'horizontal', layout: layoutText(paras, o, s.fonts, spaced) });
      }
    },
  },
  {
    name: 'raster',
    run(s) {
      const { spec } = s;
      const canvas = canvasFor(pixelWidth(spec), pixelHeight(spec));
      const ctx = canvas.getContext('2d');
      ctx.setTransform(spec.dpr, 0, 0, spec.dpr, 0, 0);
      ctx.globalAlpha = 1;
      drawBackground(ctx, spec.background, spec, s.background);
      const res = { images: s.images, text: s.text };
      spec.layers.forEach((layer, i) => drawLayer(ctx, layer, i, res, spec.dpr));
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      s.pixels = canvas.data();
    },
  },
  {
    name: 'encode',
    async run(s) {
      const { spec } = s;
      s.body = await encode(s.pixels!, pixelWidth(spec), pixelHeight(spec), spec.format, spec.q, isOpaque(spec));
    },
  },
];

/** True when the background covers every pixel opaquely (layers draw over it). */
function isOpaque(spec: PosterSpec): boolean {
  const bg = spec.background;
  if (bg.type === 'image') return true; // painted over white first
  if (bg.type === 'color') return bg.color.endsWith('ff');
  return bg.stops.every((st) => st.color.endsWith('ff'));
}

/** Re-checks the hard limits inside the worker (defence in depth if a spec bypassed the edge). */
export function checkPosterLimits(spec: PosterSpec, limits: RenderLimits): void {
  const px = pixelWidth(spec) * pixelHeight(spec);
  if (!Number.isFinite(px) || !(px > 0) || spec.w > limits.maxWidth || spec.h > limits.maxHeight || px > limits.maxPixels) {
    throw new RenderError('limit_exceeded', `canvas ${spec.w}x${spec.h}@${spec.dpr} exceeds the configured limits`);
  }
  if (spec.layers.length > limits.maxLayers) throw new RenderError('limit_exceeded', `more than ${limits.maxLayers} layers`);
  for (const l of spec.layers) {
    if (l.type === 'text' && (!(l.size > 0) || l.size > MAX_FONT_SIZE || !(l.lineHeight > 0))) throw new RenderError('limit_exceeded', 'text size or line height out of bounds');
  }
}

/** Runs every poster stage; returns the state and per-stage times. */
export async function runPosterPipeline(spec: PosterSpec, fonts: FontSelector, deadline: number, limits: RenderLimits, cancelled: () => boolean = () => false): Promise<{ state: PosterState; timings: StageTimings }> {
  checkPosterLimits(spec, limits);
  const state: PosterState = { spec, fonts, limits, images: new Map(), background: null, paragraphs: new Map(), text: new Map(), pixels: null, body: null };
  return { state, timings: await runStages(POSTER_STAGES, state, deadline, cancelled) };
}
