/**
 * Greedy line breaking over measured segments: a line takes segments while their content fits
 * the box width (trailing spaces hang), and a segment wider than the box on its own is split
 * between graphemes (an emergency break, reported so fitting can prefer a smaller size).
 */
import { REF_SIZE, measureRun, type RunMetrics } from './measure.js';
import type { Paragraph, Piece } from './itemize.js';

/** A line: graphemes [g0, g1) of paragraph `para`, trailing spaces excluded. */
export interface LineRange { readonly para: number; readonly g0: number; readonly g1: number }

/** Result of breaking all paragraphs at one size. */
export interface Wrapped { readonly lines: LineRange[]; readonly emergency: boolean }

/** Width in px of measured metrics at `size` with `ls` px of letter spacing. */
export function widthAt(m: RunMetrics, size: number, ls: number): number {
  return (m.width * size) / REF_SIZE + m.units * ls;
}

function piecesWidth(pieces: readonly Piece[], upTo: number, size: number, ls: number): number {
  let w = 0;
  for (const p of pieces) if (p.g1 <= upTo) w += widthAt(p.m, size, ls);
  return w;
}

/** Breaks every paragraph into lines no wider than `maxWidth` at `size`. */
export function wrap(paras: readonly Paragraph[], size: number, maxWidth: number, ls: number, spaced: boolean): Wrapped {
  const lines: LineRange[] = [];
  let emergency = false;
  paras.forEach((p, para) => {
    if (p.segments.length === 0) {
      lines.push({ para, g0: 0, g1: 0 });
      return;
    }
    let cur: { g0: number; g1: number; end: number; width: number; full: number } | null = null;
    for (const seg of p.segments) {
      const content = piecesWidth(seg.pieces, seg.trail, size, ls);
      const full = piecesWidth(seg.pieces, seg.g1, size, ls);
      if (cur && cur.full + content <= maxWidth + 1e-6) {
        cur = { g0: cur.g0, g1: seg.trail, end: seg.g1, width: cur.full + content, full: cur.full + full };
        continue;
      }
      if (cur) lines.push({ para, g0: cur.g0, g1: cur.g1 });
      if (content <= maxWidth + 1e-6) {
        cur = { g0: seg.g0, g1: seg.trail, end: seg.g1, width: content, full };
        continue;
      }
      emergency = true;
      let g0 = seg.g0, w = 0;
      for (let g = seg.g0; g < seg.trail; g++) {
        const gw = widthAt(measureRun(p.graphemes[g].face, p.graphemes[g].text, (p.graphemes[g].level & 1) === 1, spaced), size, ls);
        if (g > g0 && w + gw > maxWidth + 1e-6) {
          lines.push({ para, g0, g1: g });
          g0 = g;
          w = 0;
        }
        w += gw;
      }
      cur = { g0, g1: seg.trail, end: seg.g1, width: w, full: w + (full - content) };
    }
    if (cur) lines.push({ para, g0: cur.g0, g1: cur.g1 });
  });
  return { lines, emergency };
}
