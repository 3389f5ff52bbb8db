/**
 * Painting rich-text spans without breaking shaping. A run that crosses span boundaries is shaped
 * and drawn whole (so Arabic letters keep joining and marks stay on their bases), once per span,
 * clipped to the horizontal extent of that span's characters. Boundaries are the advance of the
 * logical prefix shaped with a trailing ZERO WIDTH JOINER, so a cursive letter before the boundary
 * is measured in the joined form it takes inside the run; RTL runs measure from their right edge.
 */
import { REF_SIZE, measureRun } from './measure.js';
import type { PlacedRun } from './layout.js';
import { widthAt } from './line-break.js';

/** A vertical strip of a run painted in one span's colour (CSS px, left to right edges). */
export interface SpanStrip { readonly x0: number; readonly x1: number; readonly style: number }

const ZWJ = '\u200d';

/** The strips of a run, one per span range; the outer ends extend past the run for overhanging ink. */
export function spanStrips(run: PlacedRun, size: number, ls: number, dpr: number): SpanStrip[] {
  const ranges = run.styles ?? [{ from: 0, to: run.text.length, style: run.style }];
  const spaced = ls !== 0;
  const advance = (end: number): number => {
    if (end <= 0) return 0;
    if (end >= run.text.length) return run.width;
    return widthAt(measureRun(run.face, run.text.slice(0, end) + ZWJ, run.rtl, spaced), size, ls);
  };
  const snap = (x: number): number => Math.round(x * dpr) / dpr;
  const overhang = 2 * size + REF_SIZE;
  return ranges.map((r) => {
    const a = advance(r.from), b = advance(r.to);
    let x0 = run.rtl ? run.x + run.width - b : run.x + a;
    let x1 = run.rtl ? run.x + run.width - a : run.x + b;
    const startEdge = r.from === 0, endEdge = r.to >= run.text.length;
    if (run.rtl ? endEdge : startEdge) x0 -= overhang;
    if (run.rtl ? startEdge : endEdge) x1 += overhang;
    return { x0: snap(x0), x1: snap(x1), style: r.style };
  });
}
