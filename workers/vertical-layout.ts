/**
 * Vertical writing mode (竖排): columns run top to bottom and follow each other from right to
 * left, as Chinese and Japanese posters are set. Han, kana, Hangul and emoji stand upright, one
 * em per cell; Latin words, Arabic and numbers longer than two digits are rotated 90° clockwise
 * as a unit; one or two digits sit upright side by side in one cell (tate-chu-yoko). Brackets,
 * dashes, the ellipsis and the long-vowel mark are rotated; the comma, full stop and enumeration
 * comma move to the cell's top-right corner; small kana shift towards it. (The bundled fonts
 * carry no vertical presentation forms, so these are placed by rule rather than by `vert`.)
 * Kinsoku holds between columns as between lines, at the paragraph's CSS line-break level (small
 * kana stay off a column's top under `strict`), and a 2-em dash `——` is never split. Dashes next
 * to dashes are stretched to their full cell so `——` draws as one continuous line.
 */
import type { FaceInfo } from './font-catalog.js';
import type { FontSelector } from './font-select.js';
import type { Paragraph } from './itemize.js';
import { kinsoku, type Kinsoku } from './break-rules.js';
import type { Box, LayoutOptions } from './layout.js';
import { REF_SIZE, measureRun } from './measure.js';

/** How a unit is drawn in its cell. */
export type GlyphMode = 'upright' | 'rotate' | 'corner' | 'small' | 'tcy' | 'dash';

/** A unit placed in a column: `cx` is the column's centre line, `top` the cell's top edge (CSS px). */
export interface VerticalGlyph {
  readonly text: string;
  readonly face: FaceInfo;
  readonly style: number;
  readonly mode: GlyphMode;
  readonly cx: number;
  readonly top: number;
  /** Vertical advance (cell height) in px. */
  readonly advance: number;
  /** Horizontal width of the text as drawn unrotated, in px. */
  readonly width: number;
}

/**
 * Layout parameters: the horizontal ones (`balance` is ignored); `align` places the block of
 * columns in the box, `valign` each column's text along it.
 */
export type VerticalOptions = LayoutOptions;

/** The finished vertical layout. */
export interface VerticalLayout {
  readonly size: number;
  readonly lines: number;
  readonly truncated: boolean;
  readonly glyphs: readonly VerticalGlyph[];
  readonly bounds: Box;
}

/** Rotated on their own; ASCII brackets and dashes stay inside the rotated Latin word they belong to. */
const ROTATED = new Set([...'（）「」『』【】〔〕〈〉《》〖〗〘〙〚〛“”‘’—―–─…‥ー～〜＿｜：；→←']);
const CORNER = new Set([...'，。、．']);
const SMALL_KANA = new Set([...'ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ']);
const UPRIGHT_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Bopomofo}\p{Extended_Pictographic}\p{Regional_Indicator}　-〿＀-￯]/u;
const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;
const DIGITS = /^[0-9]{1,2}$/;
const ELLIPSIS = '…';
const DASHES = new Set([...'—―']);

/** A unit of vertical text: one upright grapheme, or graphemes rotated (or tate-chu-yoko) together. */
interface Unit { g0: number; g1: number; text: string; face: FaceInfo; style: number; mode: GlyphMode; space: boolean; width: number }

function classify(text: string): GlyphMode | 'sideways' {
  if (ROTATED.has(text)) return 'rotate';
  if (CORNER.has(text)) return 'corner';
  if (SMALL_KANA.has(text)) return 'small';
  return UPRIGHT_SCRIPT.test(text) ? 'upright' : 'sideways';
}

/** Groups a paragraph's graphemes into units (sideways runs split at spaces and face changes). */
function unitsOf(p: Paragraph, spaced: boolean): Unit[] {
  const gs = p.graphemes;
  const units: Unit[] = [];
  for (let i = 0; i < gs.length; ) {
    const mode = classify(gs[i].text);
    let j = i + 1;
    if (mode === 'sideways' && !gs[i].space) {
      while (j < gs.length && classify(gs[j].text) === 'sideways' && !gs[j].space && gs[j].face === gs[i].face && gs[j].style === gs[i].style) j++;
    }
    const text = gs.slice(i, j).map((g) => g.text).join('');
    const rtl = (gs[i].level & 1) === 1;
    const width = measureRun(gs[i].face, text, rtl, spaced).width;
    const m: GlyphMode = mode !== 'sideways' ? mode : DIGITS.test(text) ? 'tcy' : 'rotate';
    units.push({ g0: i, g1: j, text, face: gs[i].face, style: gs[i].style, mode: m, space: gs[i].space, width });
    i = j;
  }
  // Dashes in a row (a 2-em dash) fill their cells edge to edge.
  units.forEach((u, k) => {
    if (DASHES.has(u.text) && (DASHES.has(units[k - 1]?.text ?? '') || DASHES.has(units[k + 1]?.text ?? ''))) u.mode = 'dash';
  });
  return units;
}

/** Vertical advance of a unit at `size`: one em per upright cell, the text's width when rotated. */
function advanceOf(u: Unit, size: number, ls: number): number {
  const w = (u.width * size) / REF_SIZE;
  if (u.mode === 'rotate') return w + ls * [...u.text].length;
  if (u.mode === 'upright' && EMOJI.test(u.text)) return Math.max(size, w) + ls;
  if (u.mode === 'dash') return size + ls;
  return size + ls;
}

interface Column { para: number; u0: number; u1: number }

/** Breaks every paragraph into columns no taller than `height`; `emergency` when one unit is taller. */
function columns(units: readonly Unit[][], ks: readonly Kinsoku[], size: number, height: number, ls: number): { cols: Column[]; emergency: boolean } {
  const cols: Column[] = [];
  let emergency = false;
  units.forEach((us, para) => {
    if (us.length === 0) {
      cols.push({ para, u0: 0, u1: 0 });
      return;
    }
    let start = 0;
    let used = 0;
    for (let i = 0; i < us.length; i++) {
      const adv = advanceOf(us[i], size, ls);
      if (adv > height + 1e-6) emergency = true;
      if (i > start && used + adv > height + 1e-6 && !us[i].space) {
        let b = i;
        const k = ks[para];
        const bad = (c: number): boolean => k.start.has(us[c].text[0]) || k.end.has(us[c - 1].text.at(-1)!) || (us[c].mode === 'dash' && us[c - 1].mode === 'dash');
        while (b > start + 1 && bad(b)) b--;
        cols.push({ para, u0: start, u1: b });
        start = b;
        used = 0;
        for (let k = b; k < i; k++) used += advanceOf(us[k], size, ls);
      }
      if (us[i].space && i === start) {
        start = i + 1; // a space never starts a column
        continue;
      }
      used += adv;
    }
    cols.push({ para, u0: start, u1: us.length });
  });
  return { cols, emergency };
}

/** Lays paragraphs out in vertical columns inside the box. */
export function layoutVertical(paras: readonly Paragraph[], o: VerticalOptions, fonts: FontSelector, spaced: boolean): VerticalLayout {
  const units = paras.map((p) => unitsOf(p, spaced));
  const ks = paras.map((p) => kinsoku(p.lineBreak));
  const ls = o.letterSpacing;
  const cap = (size: number): number => {
    const byWidth = Math.max(1, Math.floor(o.box.w / (o.lineHeight * size) + 1e-6));
    return o.maxLines > 0 ? Math.min(o.maxLines, byWidth) : byWidth;
  };
  const fits = (size: number): boolean => {
    const r = columns(units, ks, size, o.box.h, ls);
    return !r.emergency && r.cols.length <= cap(size);
  };
  let size = o.size;
  if (o.fit === 'shrink' && !fits(size)) {
    let lo = Math.ceil(o.minSize * 2), hi = Math.floor(o.size * 2) - 1;
    if (fits(lo / 2)) {
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (fits(mid / 2)) lo = mid;
        else hi = mid - 1;
      }
    }
    size = lo / 2;
  }
  const all = columns(units, ks, size, o.box.h, ls).cols;
  const n = Math.min(all.length, cap(size));
  const truncated = all.length > n;
  const kept = all.slice(0, n);
  const lh = o.lineHeight * size;
  const blockW = n * lh;
  const right = o.align === 'right' ? o.box.x + o.box.w : o.align === 'left' ? o.box.x + blockW : o.box.x + (o.box.w + blockW) / 2;
  const glyphs: VerticalGlyph[] = [];
  let y0 = Infinity, y1 = -Infinity;
  kept.forEach((col, i) => {
    let us = units[col.para].slice(col.u0, col.u1);
    while (us.length > 0 && us.at(-1)!.space) us = us.slice(0, -1);
    if (truncated && i === n - 1) us = withEllipsis(us, paras[col.para], size, o, fonts, spaced);
    const heights = us.map((u) => advanceOf(u, size, ls));
    const total = heights.reduce((a, b) => a + b, 0);
    let top = o.valign === 'top' ? o.box.y : o.valign === 'bottom' ? o.box.y + o.box.h - total : o.box.y + (o.box.h - total) / 2;
    const cx = right - (i + 0.5) * lh;
    y0 = Math.min(y0, top);
    y1 = Math.max(y1, top + total);
    us.forEach((u, k) => {
      glyphs.push({ text: u.text, face: u.face, style: u.style, mode: u.mode, cx, top, advance: heights[k], width: (u.width * size) / REF_SIZE });
      top += heights[k];
    });
  });
  if (glyphs.length === 0) y0 = y1 = o.box.y;
  return { size, lines: n, truncated, glyphs, bounds: { x: right - blockW, y: y0, w: blockW, h: y1 - y0 } };
}

/** Drops units from the end of the last kept column until a (rotated) ellipsis fits after them. */
function withEllipsis(us: Unit[], p: Paragraph, size: number, o: VerticalOptions, fonts: FontSelector, spaced: boolean): Unit[] {
  const face = fonts.pick(ELLIPSIS, o.font, o.weight, 'Han', 'zh-Hans');
  const ell: Unit = { g0: 0, g1: 0, text: ELLIPSIS, face, style: us.at(-1)?.style ?? p.graphemes.at(-1)?.style ?? 0, mode: 'rotate', space: false, width: measureRun(face, ELLIPSIS, false, spaced).width };
  const out = [...us];
  const height = (list: Unit[]): number => list.reduce((s, u) => s + advanceOf(u, size, o.letterSpacing), 0);
  while (out.length > 0 && (out.at(-1)!.space || height(out) + advanceOf(ell, size, o.letterSpacing) > o.box.h + 1e-6)) out.pop();
  return [...out, ell];
}
