/**
 * The padded box text is laid out in: `padding` on every side, but never more than a quarter of
 * that side, so the box keeps at least half of each side. `?text=Hi&w=400&h=100` (the default
 * padding 48 would leave a 4 px strip) lays out in a 50 px tall box; the box grows steadily with
 * the image (no jump where the rule starts to apply).
 */
import type { Box } from './layout.js';

/** What the padded box depends on. */
export interface PaddingSpec { readonly padding: number }

/** Padding used along a side of `side` px: the requested padding, at most a quarter of the side. */
export function effectivePadding(side: number, spec: PaddingSpec): number {
  return Math.min(spec.padding, side / 4);
}

/** The padded text box of a `w`×`h` image (CSS px). */
export function paddedBox(w: number, h: number, spec: PaddingSpec): Box {
  const px = effectivePadding(w, spec), py = effectivePadding(h, spec);
  return { x: px, y: py, w: Math.max(1, w - 2 * px), h: Math.max(1, h - 2 * py) };
}
