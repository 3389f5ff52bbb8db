/**
 * Vertical writing mode (竖排): columns run top to bottom and follow each other from right to
 * left, as Chinese and Japanese posters are set. Han, kana, Hangul and emoji stand upright, one
 * em per cell; Latin words, Arabic and numbers longer than two digits are rotated 90° clockwise
 * as a unit; one or two digits sit upright side by side in one cell (tate-chu-yoko). Brackets,
 * quotes and the ellipsis take the fonts' vertical presentation forms (vertical-forms.ts),
 * upright; dashes, the long-vowel mark and anything without a form are rotated. The comma, full
 * stop and enumeration comma move to the cell's top-right corner; small kana shift towards it.
 * Kinsoku holds between columns as between lines, at the paragraph's CSS line-break level (small
 * kana stay off a column's top under `strict`), and a 2-em dash `——` is never split. Dashes next
 * to dashes are stretched to their full cell so `——` draws as one continuous line.
 */
import type { FaceInfo } from './protocol.js';
import type { FontSelector } from './font-select.js';
import type { Paragraph } from './itemize.js';
import { kinsoku, type Kinsoku } from './break-rules.js';
import type { Box, LayoutOptions } from './layout.js';
import { REF_SIZE, measureInk, measureRun } from './measure.js';
import { verticalForm } from './vertical-forms.js';

/** Ideographic em-box centre above the alphabetic baseline, as a fraction of the size (Noto CJK: 0.88 up, 0.12 down). */
export const EM_CENTRE = 0.38;

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
const UPRIGHT_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Bopomofo}\p{Extended_Pictographic}\p{Regional_Indicator}　-〿＀-￯︐-︙︰-﹏]/u; // vertical presentation forms (U+FE10–FE19, U+FE30–FE4F) are drawn upright
const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;
const DIGITS = /^[0-9]{1,2}$/;
const ELLIPSIS = '…';
const DASHES = new Set([...'—―']);

/** A unit of vertical text: one upright grapheme, or graphemes rotated (or tate-chu-yoko) together. */
interface Unit { g0: number; g1: number; text: string; face: FaceInfo; style: number; mode: GlyphMode; space: boolean; width: number; glyph?: string }

/** A rotated punctuation unit becomes its vertical presentation form, upright, when a face has it. */
function withVerticalForm(u: Unit, fonts: FontSelector, spaced: boolean): Unit {
  if (u.mode !== 'rotate' || u.g1 - u.g0 > 1) return u;
  const form = verticalForm(u.text, u.face, fonts);
  if (!form) return u;
  return { ...u, face: form.face, mode: 'upright', glyph: form.text, width: measureRun(form.face, form.text, false, spaced).width };
}

function classify(text: string): GlyphMode | 'sideways' {
  if (ROTATED.has(text)) return 'rotate';
  if (CORNER.has(text)) return 'corner';
  if (SMALL_KANA.has(text)) return 'small';
  return UPRIGHT_SCRIPT.test(text) ? 'upright' : 'sideways';
}

/** Groups a paragraph's graphemes into units (sideways runs split at spaces and face changes). */
function unitsOf(p: Paragraph, spaced: boolean, fonts: FontSelector): Unit[] {
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
    const unit: Unit = { g0: i, g1: j, text, face: gs[i].face, style: gs[i].style, mode: m, space: gs[i].space, width };
    units.push(mode === 'rotate' ? withVerticalForm(unit, fonts, spaced) : unit);
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
  const units = paras.map((p) => unitsOf(p, spaced, fonts));
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
      glyphs.push({ text: u.glyph ?? u.text, face: u.face, style: u.style, mode: u.mode, cx, top, advance: heights[k], width: (u.width * size) / REF_SIZE });
      top += heights[k];
    });
  });
  if (glyphs.length === 0) y0 = y1 = o.box.y;
  const dx = inkShiftX(glyphs, size, o);
  const placed = dx === 0 ? glyphs : glyphs.map((g) => ({ ...g, cx: g.cx + dx }));
  return { size, lines: n, truncated, glyphs: placed, bounds: { x: right - blockW + dx, y: y0, w: blockW, h: y1 - y0 } };
}

/**
 * Horizontal ink of a unit relative to its column's centre line: the em box for upright cells,
 * and for a rotated run its real ink (marks above Latin or Arabic letters, descenders), which
 * lies across the column once turned 90° clockwise about the em-box centre.
 */
function crossInk(g: VerticalGlyph, size: number): { left: number; right: number } {
  if (g.mode !== 'rotate') {
    const half = Math.max(size, g.mode === 'tcy' ? 0 : g.width) / 2;
    return { left: -half, right: half };
  }
  const ink = measureInk(g.face, g.text, false);
  return { left: -(EM_CENTRE + ink.descent) * size - 0.5, right: (ink.ascent - EM_CENTRE) * size + 0.5 };
}

/** How far to move the columns sideways so their ink stays in the box (0 when it already does). */
function inkShiftX(glyphs: readonly VerticalGlyph[], size: number, o: VerticalOptions): number {
  if (glyphs.length === 0) return 0;
  let x0 = Infinity, x1 = -Infinity;
  for (const g of glyphs) {
    const ink = crossInk(g, size);
    x0 = Math.min(x0, g.cx + ink.left);
    x1 = Math.max(x1, g.cx + ink.right);
  }
  const b0 = o.box.x, b1 = o.box.x + o.box.w;
  if (x1 - x0 > b1 - b0) return o.align === 'left' ? b0 - x0 : o.align === 'right' ? b1 - x1 : (b0 + b1) / 2 - (x0 + x1) / 2;
  if (x1 > b1) return b1 - x1;
  if (x0 < b0) return b0 - x0;
  return 0;
}

/** Drops units from the end of the last kept column until a (rotated) ellipsis fits after them. */
function withEllipsis(us: Unit[], p: Paragraph, size: number, o: VerticalOptions, fonts: FontSelector, spaced: boolean): Unit[] {
  const face = fonts.pick(ELLIPSIS, o.font, o.weight, 'Han', 'zh-Hans');
  const ell = withVerticalForm({ g0: 0, g1: 1, text: ELLIPSIS, face, style: us.at(-1)?.style ?? p.graphemes.at(-1)?.style ?? 0, mode: 'rotate', space: false, width: measureRun(face, ELLIPSIS, false, spaced).width }, fonts, spaced);
  const out = [...us];
  const height = (list: Unit[]): number => list.reduce((s, u) => s + advanceOf(u, size, o.letterSpacing), 0);
  while (out.length > 0 && (out.at(-1)!.space || height(out) + advanceOf(ell, size, o.letterSpacing) > o.box.h + 1e-6)) out.pop();
  return [...out, ell];
}
