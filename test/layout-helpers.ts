/** Runs the real itemise/line-break/layout code in-process for layout unit tests. */
import { detectLang, itemizeParagraph, type Paragraph } from '../workers/itemize.js';
import { layoutText, type LayoutOptions, type TextLayout } from '../workers/layout.js';
import { wrap } from '../workers/line-break.js';
import type { CjkLang, Direction, LineBreak, WordBreak } from '../workers/protocol.js';
import { inProcessFonts } from './helpers.js';

/** Layout options with test defaults (a 600x400 box at the origin, 40px, no fitting). */
export function opts(over: Partial<LayoutOptions> = {}): LayoutOptions {
  return {
    box: { x: 0, y: 0, w: 600, h: 400 }, size: 40, minSize: 12, fit: 'none', maxLines: 0, lineHeight: 1.25,
    letterSpacing: 0, align: 'left', valign: 'top', font: 'Inter', weight: 400, ...over,
  };
}

/** Itemises text the way the worker does. */
export function paragraphs(text: string, o: BreakOpts & { font?: string; weight?: number; direction?: Direction } = {}): Paragraph[] {
  const { selector } = inProcessFonts();
  const io = { font: o.font ?? 'Inter', weight: o.weight ?? 400, lang: detectLang(text, o.lang ?? 'auto'), direction: o.direction ?? 'auto', spaced: false, lineBreak: o.lineBreak, wordBreak: o.wordBreak };
  return text.split('\n').map((line) => itemizeParagraph(line, io, selector));
}

/** Language and CSS line-/word-break options of a test paragraph. */
export interface BreakOpts { lang?: CjkLang; lineBreak?: LineBreak; wordBreak?: WordBreak }

/** The logical text of each line when `text` is wrapped at `width` px and `size` px. */
export function wrappedLines(text: string, width: number, size = 40, o: BreakOpts = {}): string[] {
  const paras = paragraphs(text, o);
  return wrap(paras, size, width, 0, false).lines.map((l) => paras[l.para].graphemes.slice(l.g0, l.g1).map((g) => g.source).join(''));
}

/** Full layout of `text`. */
export function layout(text: string, o: Partial<LayoutOptions> = {}, p: Parameters<typeof paragraphs>[1] = {}): TextLayout {
  return layoutText(paragraphs(text, { font: o.font, weight: o.weight, ...p }), opts(o), inProcessFonts().selector, false);
}

/** Groups placed runs into visual lines (by baseline), left to right. */
export function visualLines(l: TextLayout): { text: string; x0: number; x1: number; y: number }[] {
  const byY = new Map<number, typeof l.runs[number][]>();
  for (const r of l.runs) byY.set(r.y, [...(byY.get(r.y) ?? []), r]);
  return [...byY.entries()].sort((a, b) => a[0] - b[0]).map(([y, runs]) => ({
    text: runs.map((r) => r.text).join(''), x0: Math.min(...runs.map((r) => r.x)), x1: Math.max(...runs.map((r) => r.x + r.width)), y,
  }));
}
