/**
 * `w=auto` / `h=auto`: the worker decides an image's size from its text. An auto width is the
 * widest paragraph set on one line (one line per explicit newline) at `size`, plus padding; an
 * auto height is the laid-out block (lines x line height at the size fitting chooses, or the
 * lines' ink where marks or descenders make it taller), plus padding. Either is capped by MAX_WIDTH / MAX_HEIGHT and MAX_PIXELS; text that then does not fit
 * wraps, shrinks and ends in an ellipsis as in a fixed box.
 */
import type { Paragraph } from './itemize.js';
import { blockHeight, chooseSize, type Box, type LayoutOptions } from './layout.js';
import { segmentWidth, wrap } from './line-break.js';
import { pixelHeight, pixelWidth, type Dimension, type RenderLimits } from './protocol.js';
import { effectivePadding } from './text-box.js';

/** Width in px of a paragraph set on one line at `size` (trailing spaces hang), summed as wrap() sums it. */
export function naturalWidth(p: Paragraph, size: number, ls: number): number {
  let full = 0, content = 0;
  for (const seg of p.segments) {
    // CJK punctuation kerning between segments counts as wrap() counts it.
    const join = seg.g0 > 0 && p.spacing ? p.spacing.kern[seg.g0 - 1] * size : 0;
    content = full - join + segmentWidth(p, seg, seg.trail, size, ls);
    full += segmentWidth(p, seg, seg.g1, size, ls) - join;
  }
  return content;
}

/** Largest CSS size along one side so that side x `otherPx` device pixels stays within MAX_PIXELS. */
function pixelCap(limits: RenderLimits, otherPx: number, dpr: number): number {
  return Math.floor(Math.floor(limits.maxPixels / Math.max(1, otherPx)) / dpr);
}

const clamp = (n: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, n));

/** What sizing a canvas to its text reads: the text's layout options, each side (auto or fixed), dpr and padding. */
export interface AutoSizeInput extends Omit<LayoutOptions, 'box'> {
  readonly w: Dimension;
  readonly h: Dimension;
  readonly dpr: number;
  readonly padding: number;
}

/** The final size (CSS px) of a render whose `w` and/or `h` is `auto`, and its padded text box. */
export function autoSize(spec: AutoSizeInput, paras: readonly Paragraph[], limits: RenderLimits): { w: number; h: number; box: Box } {
  const p = spec.padding, dpr = spec.dpr, spaced = spec.letterSpacing !== 0;
  let w: number;
  if (spec.w === 'auto') {
    const natural = Math.max(0, ...paras.map((para) => naturalWidth(para, spec.size, spec.letterSpacing)));
    const otherPx = spec.h === 'auto' ? 1 : pixelHeight({ h: spec.h, dpr });
    w = clamp(Math.ceil(natural + 2 * p), 1, Math.min(limits.maxWidth, pixelCap(limits, otherPx, dpr)));
  } else {
    w = spec.w;
  }
  let h: number;
  if (spec.h === 'auto') {
    const cap = Math.min(limits.maxHeight, pixelCap(limits, pixelWidth({ w, dpr }), dpr));
    const px = spec.w === 'auto' ? p : effectivePadding(w, spec);
    const o = { ...spec, box: { x: px, y: p, w: Math.max(1, w - 2 * px), h: Math.max(1, cap - 2 * p) } };
    const size = chooseSize(paras, o, spaced);
    const lines = wrap(paras, size, o.box.w, spec.letterSpacing, spaced).lines;
    const kept = spec.maxLines > 0 ? lines.slice(0, spec.maxLines) : lines;
    h = clamp(Math.ceil(blockHeight(paras, kept, size, spec.lineHeight) + 2 * p), 1, cap);
  } else {
    h = spec.h;
  }
  const px = spec.w === 'auto' ? p : effectivePadding(w, spec), py = spec.h === 'auto' ? p : effectivePadding(h, spec);
  return { w, h, box: { x: px, y: py, w: Math.max(1, w - 2 * px), h: Math.max(1, h - 2 * py) } };
}
