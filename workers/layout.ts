/**
 * Text layout for a box: choose the font size (fixed, or shrink-to-fit in width and height), cap
 * the lines (maxLines and the box height) with an ellipsis on the last kept line, reorder each
 * line's runs visually (bidi rule L2) and place them with alignment. Lines are placed by their
 * nominal line boxes, then moved just enough that their real ink (stacked marks above the first
 * line, descenders and marks below the last) stays inside the box.
 */
import type { FontSelector } from './font-select.js';
import { isCjkChar } from './break-rules.js';
import type { Paragraph } from './itemize.js';
import { measureFace, measureInk, measureRun } from './measure.js';
import { widthAt, wrap, type LineRange } from './line-break.js';
import type { Align, FaceInfo, Fit, VAlign } from './protocol.js';

/** A run of text placed on the canvas (CSS px; `x` is its left edge, `y` its baseline). */
export interface PlacedRun {
  readonly text: string;
  readonly face: FaceInfo;
  readonly rtl: boolean;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  /** Rich-text span index (0 for plain text): the span of the run's first grapheme. */
  readonly style: number;
  /**
   * Rich-text spans inside the run, as UTF-16 ranges of `text` in logical order, when it crosses
   * span boundaries: the run is shaped whole (Arabic joining, clusters) and each range painted in
   * its span's colour. Absent when the whole run is one span.
   */
  readonly styles?: readonly StyleRange[];
}

/** A span's part of a run: UTF-16 offsets [from, to) of the run's text. */
export interface StyleRange { readonly from: number; readonly to: number; readonly style: number }

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

/** Anti-aliasing and rounding allowance around measured ink, in px. */
const INK_SLACK = 0.5;

/** Ink of one line: px above and below its baseline (null for a line without ink). */
interface LineInk { readonly asc: number; readonly desc: number }

/**
 * The ink of graphemes [g0, g1) of a paragraph at `size`, from the paragraph's measured pieces
 * (words and spaces of one face and level, the same at every size, so fitting reuses their
 * measurements); a piece cut by an emergency break is measured as cut.
 */
function lineInk(p: Paragraph, line: LineRange, size: number): LineInk | null {
  const gs = p.graphemes;
  let asc = -Infinity, desc = -Infinity;
  for (const seg of p.segments) {
    if (seg.g1 <= line.g0 || seg.g0 >= line.g1) continue;
    for (const piece of seg.pieces) {
      const a = Math.max(piece.g0, line.g0), b = Math.min(piece.g1, line.g1);
      if (a >= b || gs[a].space) continue;
      let text = '';
      for (let k = a; k < b; k++) text += gs[k].text;
      const ink = measureInk(gs[a].face, text, (gs[a].level & 1) === 1);
      if (ink.ascent + ink.descent <= 0) continue;
      asc = Math.max(asc, ink.ascent * size + INK_SLACK);
      desc = Math.max(desc, ink.descent * size + INK_SLACK);
    }
  }
  return asc > -Infinity ? { asc, desc } : null;
}

/** Extent of the ink of lines set `lh` apart, relative to the first line's baseline. */
function blockInk(inks: readonly (LineInk | null)[], lh: number): { top: number; bottom: number } {
  let top = Infinity, bottom = -Infinity;
  inks.forEach((ink, i) => {
    if (!ink) return;
    top = Math.min(top, i * lh - ink.asc);
    bottom = Math.max(bottom, i * lh + ink.desc);
  });
  return top === Infinity ? { top: 0, bottom: 0 } : { top, bottom };
}

/**
 * How many of `lines` fit the box at `size`: at most maxLines, at most as many line boxes as
 * the height holds (at least one), and fewer while the kept lines' ink is taller than the box.
 */
function lineCap(o: LayoutOptions, size: number, paras: readonly Paragraph[], lines: readonly LineRange[]): number {
  const lh = o.lineHeight * size;
  const byHeight = Math.max(1, Math.floor(o.box.h / lh + 1e-6));
  let cap = Math.min(lines.length, o.maxLines > 0 ? Math.min(o.maxLines, byHeight) : byHeight);
  const inks = lines.slice(0, cap).map((l) => lineInk(paras[l.para], l, size));
  while (cap > 1) {
    const ink = blockInk(inks.slice(0, cap), lh);
    if (ink.bottom - ink.top <= o.box.h + 1e-6) break;
    cap--;
  }
  return Math.max(cap, 1);
}

/** Height the text block needs at `size`: its line boxes, or its ink where that is taller. */
export function blockHeight(paras: readonly Paragraph[], lines: readonly LineRange[], size: number, lineHeight: number): number {
  const lh = lineHeight * size;
  const ink = blockInk(lines.map((l) => lineInk(paras[l.para], l, size)), lh);
  return Math.max(lines.length * lh, ink.bottom - ink.top);
}

/**
 * Chooses the font size: `size`, or with fit=shrink the largest size (0.5 px steps) at which the
 * text wraps without breaking words and every line, ink included, fits the box's width and height.
 */
export function chooseSize(paras: readonly Paragraph[], o: LayoutOptions, spaced: boolean): number {
  const fits = (s: number): boolean => {
    const r = wrap(paras, s, o.box.w, o.letterSpacing, spaced);
    if (r.emergency || r.lines.length > lineCap(o, s, paras, r.lines)) return false;
    const ink = blockInk(r.lines.map((l) => lineInk(paras[l.para], l, s)), o.lineHeight * s);
    return ink.bottom - ink.top <= o.box.h + 1e-6;
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
  const cap = lineCap(o, size, paras, wrapped);
  const truncated = wrapped.length > cap;
  const kept = wrapped.slice(0, cap);
  const faces = new Set<FaceInfo>();
  for (const p of paras) for (const g of p.graphemes) faces.add(g.face);
  if (faces.size === 0) faces.add(fonts.faceSet(o.font, o.weight)[0]);
  let ascent = 0, descent = 0;
  for (const f of faces) {
    const m = measureFace(f, fonts.coverage.sample(f));
    ascent = Math.max(ascent, m.ascent);
    descent = Math.max(descent, m.descent);
  }
  const lh = o.lineHeight * size;
  const blockH = kept.length * lh;
  const nominalTop = o.valign === 'top' ? o.box.y : o.valign === 'bottom' ? o.box.y + o.box.h - blockH : o.box.y + (o.box.h - blockH) / 2;
  const lines = kept.map((line, i) => {
    const last = truncated && i === kept.length - 1;
    const p = paras[line.para];
    const shown = last ? ellipsize(p, line, size, o, fonts, spaced) : line;
    return { p, shown, last, logical: lineRuns(p, shown, last, size, o, fonts, spaced) };
  });
  const nominal0 = nominalTop + (lh - (ascent + descent) * size) / 2 + ascent * size;
  const shift = inkShift(lines.map((l) => runsInk(l.logical, size)), nominal0, lh, o);
  const top = nominalTop + shift, baseline0 = nominal0 + shift;
  const runs: PlacedRun[] = [];
  lines.forEach(({ p, shown, last, logical }, i) => {
    const visual = reorder(logical);
    let width = visual.reduce((s, r) => s + r.gap + r.width, 0);
    // A closing mark ending a line that would not fit otherwise hangs its blank half (CSS allow-end).
    if (!last && width > o.box.w + 1e-6 && p.spacing && shown.g1 > shown.g0) width -= p.spacing.endTrim[shown.g1 - 1] * size;
    let x = o.align === 'left' ? o.box.x : o.align === 'right' ? o.box.x + o.box.w - width : o.box.x + (o.box.w - width) / 2;
    for (const r of visual) {
      x += r.gap;
      const placed = { text: r.text, face: r.face, rtl: (r.level & 1) === 1, x, y: baseline0 + i * lh, width: r.width, style: r.style };
      runs.push(r.styles ? { ...placed, styles: r.styles } : placed);
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

/** The ink of a line's runs at `size` (null when nothing in it has ink). */
function runsInk(runs: readonly LogicalRun[], size: number): LineInk | null {
  let asc = -Infinity, desc = -Infinity;
  for (const r of runs) {
    const ink = measureInk(r.face, r.text, (r.level & 1) === 1);
    if (ink.ascent + ink.descent <= 0) continue;
    asc = Math.max(asc, ink.ascent * size + INK_SLACK);
    desc = Math.max(desc, ink.descent * size + INK_SLACK);
  }
  return asc > -Infinity ? { asc, desc } : null;
}

/**
 * How far to move lines placed at their nominal baselines (`baseline0` for the first) so that
 * their ink stays inside the box: zero for ordinary text, just enough for marks or descenders
 * that would leave it. Ink taller than the box is aligned by `valign` (top, centre, bottom).
 */
function inkShift(inks: readonly (LineInk | null)[], baseline0: number, lh: number, o: LayoutOptions): number {
  if (!inks.some(Boolean)) return 0;
  const ink = blockInk(inks, lh);
  const top = baseline0 + ink.top, bottom = baseline0 + ink.bottom;
  const y0 = o.box.y, y1 = o.box.y + o.box.h;
  if (bottom - top > y1 - y0) {
    if (o.valign === 'top') return y0 - top;
    if (o.valign === 'bottom') return y1 - bottom;
    return (y0 + y1) / 2 - (top + bottom) / 2;
  }
  if (top < y0) return y0 - top;
  if (bottom > y1) return y1 - bottom;
  return 0;
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

/**
 * A run of one face and level (spans recorded in `styles` when it crosses them); `gap` (px, ≤ 0)
 * is CJK punctuation trimmed before it.
 */
interface LogicalRun { text: string; face: FaceInfo; level: number; width: number; style: number; gap: number; styles?: StyleRange[] }

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
 * with an opening bracket starts half an em early. Rich-text spans do not split runs (that would
 * break shaping: Arabic joining, marks): a run crossing spans records each span's UTF-16 range.
 */
function runsOf(p: Paragraph, g0: number, g1: number, size: number, ls: number, spaced: boolean): LogicalRun[] {
  const gs = p.graphemes, sp = p.spacing;
  const runs: LogicalRun[] = [];
  let start = g0;
  let gap = sp && g0 > 0 && g0 < g1 ? -sp.startTrim[g0] * size : 0;
  for (let i = g0 + 1; i <= g1; i++) {
    const kern = sp && i < g1 ? sp.kern[i - 1] : 0;
    if (i === g1 || kern > 0 || gs[i].face !== gs[start].face || gs[i].level !== gs[start].level) {
      let text = '';
      const styles: { from: number; to: number; style: number }[] = [];
      for (let k = start; k < i; k++) {
        const prev = styles.at(-1);
        if (prev && prev.style === gs[k].style) prev.to += gs[k].text.length;
        else styles.push({ from: text.length, to: text.length + gs[k].text.length, style: gs[k].style });
        text += gs[k].text;
      }
      const rtl = (gs[start].level & 1) === 1;
      const run: LogicalRun = { text, face: gs[start].face, level: gs[start].level, width: widthAt(measureRun(gs[start].face, text, rtl, spaced), size, ls), style: gs[start].style, gap };
      if (styles.length > 1) run.styles = styles;
      runs.push(run);
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
