/**
 * Text layout for a box: choose the font size (fixed, or shrink-to-fit), cap the lines
 * (maxLines and the box height) with an ellipsis on the last kept line, reorder each line's runs
 * visually (bidi rule L2) and place them with alignment.
 */
import type { FaceInfo } from './font-catalog.js';
import type { FontSelector } from './font-select.js';
import { isCjkChar } from './break-rules.js';
import type { Paragraph } from './itemize.js';
import { measureFace, measureRun } from './measure.js';
import { widthAt, wrap, type LineRange } from './line-break.js';
import type { Align, Fit, VAlign } from './protocol.js';

/** A run of text placed on the canvas (CSS px; `x` is its left edge, `y` its baseline). */
export interface PlacedRun {
  readonly text: string;
  readonly face: FaceInfo;
  readonly rtl: boolean;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  /** Rich-text span index (0 for plain text). */
  readonly style: number;
}

/** The padded box text must stay inside. */
export interface Box { readonly x: number; readonly y: number; readonly w: number; readonly h: number }

/** Layout parameters taken from the render spec. */
export interface LayoutOptions {
  readonly box: Box;
  readonly size: number;
  readonly minSize: number;
  readonly fit: Fit;
  readonly maxLines: number;
  readonly lineHeight: number;
  readonly letterSpacing: number;
  readonly align: Align;
  readonly valign: VAlign;
  readonly font: string;
  readonly weight: number;
  /** Even out line lengths (titles): the narrowest width that keeps the same number of lines. */
  readonly balance?: boolean;
}

/** The finished layout. */
export interface TextLayout {
  readonly size: number;
  readonly lines: number;
  readonly truncated: boolean;
  readonly runs: readonly PlacedRun[];
  /** The text block: line boxes of the kept lines, from the leftmost to the rightmost run. */
  readonly bounds: Box;
}

const ELLIPSIS = '…';

function lineCap(o: LayoutOptions, size: number): number {
  const byHeight = Math.max(1, Math.floor(o.box.h / (o.lineHeight * size) + 1e-6));
  return o.maxLines > 0 ? Math.min(o.maxLines, byHeight) : byHeight;
}

/** Chooses the font size: `size`, or with fit=shrink the largest size (0.5 px steps) that fits. */
export function chooseSize(paras: readonly Paragraph[], o: LayoutOptions, spaced: boolean): number {
  const fits = (s: number): boolean => {
    const r = wrap(paras, s, o.box.w, o.letterSpacing, spaced);
    return !r.emergency && r.lines.length <= lineCap(o, s);
  };
  if (o.fit === 'none' || fits(o.size)) return o.size;
  let lo = Math.ceil(o.minSize * 2), hi = Math.floor(o.size * 2) - 1;
  if (!fits(lo / 2)) return lo / 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (fits(mid / 2)) lo = mid;
    else hi = mid - 1;
  }
  return lo / 2;
}

/** Lays the paragraphs out in the box. */
export function layoutText(paras: readonly Paragraph[], o: LayoutOptions, fonts: FontSelector, spaced: boolean): TextLayout {
  const size = chooseSize(paras, o, spaced);
  const ls = o.letterSpacing;
  const wrapped = wrap(paras, size, o.balance ? balancedWidth(paras, size, o, spaced) : o.box.w, ls, spaced).lines;
  const cap = lineCap(o, size);
  const truncated = wrapped.length > cap;
  const kept = wrapped.slice(0, cap);
  const faces = new Set<FaceInfo>();
  for (const p of paras) for (const g of p.graphemes) faces.add(g.face);
  if (faces.size === 0) faces.add(fonts.faceSet(o.font, o.weight)[0]);
  let ascent = 0, descent = 0;
  for (const f of faces) {
    const m = measureFace(f);
    ascent = Math.max(ascent, m.ascent);
    descent = Math.max(descent, m.descent);
  }
  const lh = o.lineHeight * size;
  const blockH = kept.length * lh;
  const top = o.valign === 'top' ? o.box.y : o.valign === 'bottom' ? o.box.y + o.box.h - blockH : o.box.y + (o.box.h - blockH) / 2;
  const baseline0 = top + (lh - (ascent + descent) * size) / 2 + ascent * size;
  const runs: PlacedRun[] = [];
  kept.forEach((line, i) => {
    const last = truncated && i === kept.length - 1;
    const p = paras[line.para];
    const shown = last ? ellipsize(p, line, size, o, fonts, spaced) : line;
    const logical = lineRuns(p, shown, last, size, o, fonts, spaced);
    const visual = reorder(logical);
    let width = visual.reduce((s, r) => s + r.gap + r.width, 0);
    // A closing mark ending a line that would not fit otherwise hangs its blank half (CSS allow-end).
    if (!last && width > o.box.w + 1e-6 && p.spacing && shown.g1 > shown.g0) width -= p.spacing.endTrim[shown.g1 - 1] * size;
    let x = o.align === 'left' ? o.box.x : o.align === 'right' ? o.box.x + o.box.w - width : o.box.x + (o.box.w - width) / 2;
    for (const r of visual) {
      x += r.gap;
      runs.push({ text: r.text, face: r.face, rtl: (r.level & 1) === 1, x, y: baseline0 + i * lh, width: r.width, style: r.style });
      x += r.width;
    }
  });
  let x0 = Infinity, x1 = -Infinity;
  for (const r of runs) {
    x0 = Math.min(x0, r.x);
    x1 = Math.max(x1, r.x + r.width);
  }
  if (runs.length === 0) x0 = x1 = o.box.x + o.box.w / 2;
  return { size, lines: kept.length, truncated, runs, bounds: { x: x0, y: top, w: x1 - x0, h: blockH } };
}

/**
 * The narrowest line width (within 0.5 px) at which the text still breaks into as many lines as at
 * the full box width: lines come out even, and the last line is no longer a lone short word.
 */
export function balancedWidth(paras: readonly Paragraph[], size: number, o: LayoutOptions, spaced: boolean): number {
  const target = wrap(paras, size, o.box.w, o.letterSpacing, spaced);
  if (target.lines.length < 2 || target.emergency) return o.box.w;
  const n = target.lines.length;
  const ok = (w: number): boolean => {
    const r = wrap(paras, size, w, o.letterSpacing, spaced);
    return !r.emergency && r.lines.length <= n;
  };
  let lo = o.box.w / (n + 1), hi = o.box.w;
  while (hi - lo > 0.5) {
    const mid = (lo + hi) / 2;
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** A run of one face, level and style; `gap` (px, ≤ 0) is CJK punctuation trimmed before it. */
interface LogicalRun { text: string; face: FaceInfo; level: number; width: number; style: number; gap: number }

/** Shortens a line until it and an ellipsis fit the box width. */
function ellipsize(p: Paragraph, line: LineRange, size: number, o: LayoutOptions, fonts: FontSelector, spaced: boolean): LineRange {
  let g1 = line.g1;
  const width = (end: number): number => runsOf(p, line.g0, end, size, o.letterSpacing, spaced).reduce((s, r) => s + r.gap + r.width, 0);
  const ell = (end: number): number => ellipsisRun(p, size, o, fonts, spaced, lastText(p, { ...line, g1: end })).width;
  while (g1 > line.g0 && (p.graphemes[g1 - 1].space || width(g1) + ell(g1) > o.box.w + 1e-6)) g1--;
  return { para: line.para, g0: line.g0, g1 };
}

/**
 * The ellipsis ending a truncated line: after Han or kana, the CJK font's U+2026 (centred on the
 * em box, as Chinese and Japanese set it); otherwise the requested family's.
 */
function ellipsisRun(p: Paragraph, size: number, o: LayoutOptions, fonts: FontSelector, spaced: boolean, after?: string): LogicalRun {
  const cjk = after !== undefined && isCjkChar(after);
  const face = cjk ? fonts.pick(ELLIPSIS, o.font, o.weight, p.lang === 'ja' ? 'Jpan' : 'Han', p.lang) : fonts.pick(ELLIPSIS, o.font, o.weight, 'Other', 'zh-Hans');
  const style = p.graphemes.at(-1)?.style ?? 0;
  return { text: ELLIPSIS, face, level: p.level, width: widthAt(measureRun(face, ELLIPSIS, false, spaced), size, o.letterSpacing), style, gap: 0 };
}

function lineRuns(p: Paragraph, line: LineRange, withEllipsis: boolean, size: number, o: LayoutOptions, fonts: FontSelector, spaced: boolean): LogicalRun[] {
  const runs = runsOf(p, line.g0, line.g1, size, o.letterSpacing, spaced);
  if (withEllipsis) runs.push(ellipsisRun(p, size, o, fonts, spaced, lastText(p, line)));
  return runs;
}

/** The last non-space grapheme of a line (what the ellipsis follows). */
function lastText(p: Paragraph, line: LineRange): string | undefined {
  for (let g = line.g1 - 1; g >= line.g0; g--) if (!p.graphemes[g].space) return p.graphemes[g].text;
  return line.g0 > 0 ? p.graphemes[line.g0 - 1]?.text : undefined;
}

/**
 * Groups graphemes [g0, g1) into same-face, same-level runs measured at `size`, split where CJK
 * punctuation is kerned (the run after carries the trim as a negative gap); a later line starting
 * with an opening bracket starts half an em early.
 */
function runsOf(p: Paragraph, g0: number, g1: number, size: number, ls: number, spaced: boolean): LogicalRun[] {
  const gs = p.graphemes, sp = p.spacing;
  const runs: LogicalRun[] = [];
  let start = g0;
  let gap = sp && g0 > 0 && g0 < g1 ? -sp.startTrim[g0] * size : 0;
  for (let i = g0 + 1; i <= g1; i++) {
    const kern = sp && i < g1 ? sp.kern[i - 1] : 0;
    if (i === g1 || kern > 0 || gs[i].face !== gs[start].face || gs[i].level !== gs[start].level || gs[i].style !== gs[start].style) {
      const text = gs.slice(start, i).map((g) => g.text).join('');
      const rtl = (gs[start].level & 1) === 1;
      runs.push({ text, face: gs[start].face, level: gs[start].level, width: widthAt(measureRun(gs[start].face, text, rtl, spaced), size, ls), style: gs[start].style, gap });
      gap = -kern * size;
      start = i;
    }
  }
  return runs;
}

/** Bidi rule L2: from the highest level down to the lowest odd one, reverse runs at or above it. */
export function reorder<T extends { level: number }>(runs: readonly T[]): T[] {
  const out = [...runs];
  if (out.length < 2) return out;
  const max = Math.max(...out.map((r) => r.level));
  const minOdd = Math.min(...out.map((r) => (r.level % 2 === 1 ? r.level : r.level + 1)));
  for (let lev = max; lev >= minOdd; lev--) {
    for (let i = 0; i < out.length; ) {
      if (out[i].level < lev) {
        i++;
        continue;
      }
      let j = i;
      while (j < out.length && out[j].level >= lev) j++;
      out.splice(i, j - i, ...out.slice(i, j).reverse());
      i = j;
    }
  }
  return out;
}
