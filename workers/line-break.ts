/**
 * Greedy line breaking over measured segments: a line takes segments while their content fits
 * the box width (trailing spaces hang), and a segment wider than the box on its own is split
 * between graphemes (an emergency break, reported so fitting can prefer a smaller size).
 * CJK punctuation spacing (cjk-punct.ts) counts: adjacent marks are kerned, an opening bracket
 * starting a later line loses its left half, and a closing mark may hang its blank half at a
 * line end.
 */
import { kinsoku } from './break-rules.js';
import { kernSum } from './cjk-punct.js';
import { REF_SIZE, measureRun, type RunMetrics } from './measure.js';
import type { Paragraph, Piece, Segment } from './itemize.js';

/** A line: graphemes [g0, g1) of paragraph `para`, trailing spaces excluded. */
export interface LineRange { readonly para: number; readonly g0: number; readonly g1: number }

/** Result of breaking all paragraphs at one size. */
export interface Wrapped { readonly lines: LineRange[]; readonly emergency: boolean }

/** Width in px of measured metrics at `size` with `ls` px of letter spacing. */
export function widthAt(m: RunMetrics, size: number, ls: number): number {
  return (m.width * size) / REF_SIZE + m.units * ls;
}

/** Width in px of the pieces that end at or before grapheme `upTo`. */
export function piecesWidth(pieces: readonly Piece[], upTo: number, size: number, ls: number): number {
  let w = 0;
  for (const p of pieces) if (p.g1 <= upTo) w += widthAt(p.m, size, ls);
  return w;
}

/** Width in px of a segment's graphemes [seg.g0, upTo), CJK punctuation kerning included. */
export function segmentWidth(p: Paragraph, seg: Segment, upTo: number, size: number, ls: number): number {
  return piecesWidth(seg.pieces, upTo, size, ls) - kernSum(p.spacing, seg.g0, upTo) * size;
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
    const sp = p.spacing;
    // Trims in px: kerning between grapheme i and i+1, at a later line's start, at a line's end.
    const kern = (i: number): number => (sp && i >= 0 ? sp.kern[i] * size : 0);
    const startTrim = (g: number): number => (sp && g > 0 ? sp.startTrim[g] * size : 0);
    const endTrim = (g: number): number => (sp && g >= 0 ? sp.endTrim[g] * size : 0);
    let cur: { g0: number; g1: number; end: number; width: number; full: number } | null = null;
    for (const seg of p.segments) {
      const content = segmentWidth(p, seg, seg.trail, size, ls);
      const full = segmentWidth(p, seg, seg.g1, size, ls);
      const join: number = cur && cur.end === cur.g1 ? kern(seg.g0 - 1) : 0;
      if (cur && cur.full - join + content - endTrim(seg.trail - 1) <= maxWidth + 1e-6) {
        cur = { g0: cur.g0, g1: seg.trail, end: seg.g1, width: cur.full - join + content, full: cur.full - join + full };
        continue;
      }
      if (cur) lines.push({ para, g0: cur.g0, g1: cur.g1 });
      const lead = startTrim(seg.g0);
      if (content - lead - endTrim(seg.trail - 1) <= maxWidth + 1e-6) {
        cur = { g0: seg.g0, g1: seg.trail, end: seg.g1, width: content - lead, full: full - lead };
        continue;
      }
      emergency = true;
      const parts = splitLong(p, seg.g0, seg.trail, size, maxWidth, ls, spaced);
      const last = parts.pop()!;
      for (const part of parts) lines.push({ para, g0: part.g0, g1: part.g1 });
      cur = { g0: last.g0, g1: seg.trail, end: seg.g1, width: last.width, full: last.width + (full - content) };
    }
    if (cur) lines.push({ para, g0: cur.g0, g1: cur.g1 });
  });
  return { lines, emergency };
}

/**
 * Splits graphemes [g0, g1) that are wider than the line into lines between graphemes, still
 * obeying kinsoku: a break is moved back (or, in a box too narrow for that, forward, letting the
 * mark hang) so no line starts with closing punctuation or ends with opening punctuation.
 */
function splitLong(p: Paragraph, g0: number, g1: number, size: number, maxWidth: number, ls: number, spaced: boolean): { g0: number; g1: number; width: number }[] {
  const gs = p.graphemes;
  const widths: number[] = [];
  for (let g = g0; g < g1; g++) widths.push(widthAt(measureRun(gs[g].face, gs[g].text, (gs[g].level & 1) === 1, spaced), size, ls));
  const k = kinsoku(p.lineBreak);
  const bad = (b: number): boolean => k.start.has(gs[b].text) || k.end.has(gs[b - 1].text);
  const out: { g0: number; g1: number; width: number }[] = [];
  let start = g0;
  while (start < g1) {
    let end = start + 1;
    let w = widths[start - g0];
    while (end < g1 && w + widths[end - g0] <= maxWidth + 1e-6) w += widths[end++ - g0];
    if (end < g1 && bad(end)) {
      let b = end;
      while (b > start + 1 && bad(b)) b--;
      if (bad(b)) for (b = end; b < g1 && bad(b); ) b++;
      end = b;
    }
    let width = 0;
    for (let g = start; g < end; g++) width += widths[g - g0];
    out.push({ g0: start, g1: end, width });
    start = end;
  }
  return out;
}
