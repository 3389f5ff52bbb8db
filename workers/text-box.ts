/**
 * The padded box text is laid out in. `padding` applies on every side, except along an axis
 * where it would leave less room than one line at `minSize` (`minSize × lineHeight` px): there
 * the padding shrinks to a quarter of that side (never more than asked), so `?text=Hi&w=400&h=100`
 * (default padding 48 would leave a 4 px strip) keeps a 50 px tall box and legible text.
 */
import type { Box } from './layout.js';

/** What the padded box depends on. */
export interface PaddingSpec { readonly padding: number; readonly minSize: number; readonly lineHeight: number }

/** Padding used along a side of `side` px. */
export function effectivePadding(side: number, spec: PaddingSpec): number {
  const p = spec.padding;
  if (side - 2 * p >= spec.minSize * spec.lineHeight) return p;
  return Math.min(p, side / 4);
}

/** The padded text box of a `w`×`h` image (CSS px). */
export function paddedBox(w: number, h: number, spec: PaddingSpec): Box {
  const px = effectivePadding(w, spec), py = effectivePadding(h, spec);
  return { x: px, y: py, w: Math.max(1, w - 2 * px), h: Math.max(1, h - 2 * py) };
}
