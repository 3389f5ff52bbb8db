/**
 * The render path as a declared list of stages, read top to bottom, with the deadline checked
 * between stages: normalise paragraphs -> choose fonts, shape and measure -> decide the size
 * (w/h=auto) -> break lines and fit -> rasterise -> encode.
 */
import { autoSize } from './auto-size.js';
import { isOpaque } from './background.js';
import { rgba } from './shared.js';
import { encode } from './encode.js';
import { encodeTwoColorPng } from './png-indexed.js';
import type { FontSelector } from './font-select.js';
import { detectLang, itemizeParagraph, type Paragraph } from './itemize.js';
import { layoutText, type Box, type TextLayout } from './layout.js';
import { MAX_FONT_SIZE, pixelHeight, pixelWidth, type RenderLimits, type RenderSpec, type StageTimings } from './protocol.js';
import { rasterize } from './raster.js';
import { paddedBox } from './text-box.js';

/** A failure with a stable code, raised inside the pipeline. */
export class RenderError extends Error {
  constructor(readonly code: string, message: string, readonly param?: string) {
    super(message);
  }
}

/** Mutable state handed from stage to stage. */
export interface RenderState {
  readonly spec: RenderSpec;
  readonly fonts: FontSelector;
  readonly limits: RenderLimits | undefined;
  /** Final size in CSS px (the spec's, or decided by the size stage when a side is auto). */
  w: number;
  h: number;
  box: Box;
  lines: string[];
  paragraphs: Paragraph[];
  layout: TextLayout | null;
  pixels: Buffer | null;
  body: Buffer | null;
}

/** One step of the render path. */
export interface Stage {
  readonly name: string;
  run(state: RenderState): void | Promise<void>;
}

/** The stages, in order. */
export const STAGES: readonly Stage[] = [
  {
    name: 'normalize',
    run(s) {
      s.lines = s.spec.text.split('\n');
    },
  },
  {
    name: 'shape',
    run(s) {
      const { spec } = s;
      const opts = { font: spec.font, weight: spec.weight, lang: detectLang(spec.text, spec.lang), direction: spec.direction, spaced: spec.letterSpacing !== 0, lineBreak: spec.lineBreak, wordBreak: spec.wordBreak };
      s.paragraphs = s.lines.map((line) => itemizeParagraph(line, opts, s.fonts));
    },
  },
  {
    name: 'size',
    run(s) {
      const { spec } = s;
      if (spec.w !== 'auto' && spec.h !== 'auto') return;
      if (!s.limits) throw new RenderError('limit_exceeded', 'w=auto and h=auto need the configured limits');
      Object.assign(s, autoSize(spec, s.paragraphs, s.limits));
    },
  },
  {
    name: 'layout',
    run(s) {
      const { spec } = s;
      s.layout = layoutText(s.paragraphs, { ...spec, box: s.box }, s.fonts, spec.letterSpacing !== 0);
    },
  },
  {
    name: 'raster',
    run(s) {
      const { spec } = s;
      s.pixels = rasterize({
        width: pixelWidth({ w: s.w, dpr: spec.dpr }), height: pixelHeight({ h: s.h, dpr: spec.dpr }), dpr: spec.dpr, bg: spec.bg, color: spec.color,
        box: s.box, letterSpacing: spec.letterSpacing, layout: s.layout!,
      });
    },
  },
  {
    name: 'encode',
    async run(s) {
      const { spec } = s;
      const [w, h] = [pixelWidth({ w: s.w, dpr: spec.dpr }), pixelHeight({ h: s.h, dpr: spec.dpr })];
      const { box } = s;
      const clip = { x0: Math.floor(box.x * spec.dpr), y0: Math.floor(box.y * spec.dpr), x1: Math.ceil((box.x + box.w) * spec.dpr), y1: Math.ceil((box.y + box.h) * spec.dpr) };
      s.body = isTwoColor(s)
        ? encodeTwoColorPng(s.pixels!, w, h, rgba(spec.bg.colors[0]), rgba(spec.color), clip)
        : await encode(s.pixels!, w, h, spec.format, spec.q, isOpaque(spec.bg));
    },
  },
];

/** True when a PNG holds only the text colour over one opaque background (no colour glyphs). */
function isTwoColor(s: RenderState): boolean {
  const { spec } = s;
  return spec.format === 'png' && spec.bg.colors.length === 1 && isOpaque(spec.bg) && !s.layout!.runs.some((r) => s.fonts.isColor(r.face));
}


/** Re-checks the hard limits inside the worker (defence in depth if a spec bypassed the edge). */
export function checkLimits(spec: RenderSpec, limits: RenderLimits): void {
  for (const key of ['w', 'h'] as const) {
    if (spec[key] !== 'auto' && !Number.isFinite(spec[key])) throw new RenderError('limit_exceeded', `${key} is not a finite number`);
  }
  for (const key of ['dpr', 'q', 'weight', 'size', 'minSize', 'padding', 'lineHeight', 'letterSpacing', 'maxLines'] as const) {
    if (!Number.isFinite(spec[key])) throw new RenderError('limit_exceeded', `${key} is not a finite number`);
  }
  if (spec.size > MAX_FONT_SIZE || spec.lineHeight <= 0 || spec.maxLines < 0 || !Number.isFinite(spec.bg.angle)) {
    throw new RenderError('limit_exceeded', 'size, lineHeight, maxLines or angle out of bounds');
  }
  // An auto side counts as 1 px here; the size stage keeps it within the limits.
  const px = pixelWidth({ w: spec.w === 'auto' ? 1 : spec.w, dpr: spec.dpr }) * pixelHeight({ h: spec.h === 'auto' ? 1 : spec.h, dpr: spec.dpr });
  if (Number(spec.w) > limits.maxWidth || Number(spec.h) > limits.maxHeight || px > limits.maxPixels || !(px > 0)) {
    throw new RenderError('limit_exceeded', `image ${spec.w}x${spec.h}@${spec.dpr} exceeds the configured limits`);
  }
  if ([...spec.text].length > limits.maxTextLength) throw new RenderError('limit_exceeded', 'text exceeds the configured limit');
}

/** Runs every stage, checking the deadline after each; returns the state and per-stage times. */
export async function runPipeline(spec: RenderSpec, fonts: FontSelector, deadline: number, limits?: RenderLimits, cancelled: () => boolean = () => false): Promise<{ state: RenderState; timings: StageTimings }> {
  if (limits) checkLimits(spec, limits);
  // An auto side gets its size in the size stage; until then it is a placeholder.
  const w = spec.w === 'auto' ? 1 : spec.w, h = spec.h === 'auto' ? 1 : spec.h;
  const state: RenderState = {
    spec, fonts, limits, w, h, box: paddedBox(w, h, spec),
    lines: [], paragraphs: [], layout: null, pixels: null, body: null,
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
