/**
 * Itemisation: one paragraph becomes graphemes, each with its font face (per-grapheme
 * fallback), its bidi embedding level (Unicode Bidirectional Algorithm) and whether a line may
 * break before it (UAX #14 plus CJK kinsoku rules), then segments (unbreakable units) of
 * measured pieces.
 */
import bidiFactory from 'bidi-js';
import LineBreaker from 'linebreak';
import type { FaceInfo } from './font-catalog.js';
import { FontSelector, scriptClass, type ScriptClass } from './font-select.js';
import { graphemes } from './text-normalize.js';
import { measureRun, type RunMetrics } from './measure.js';
import type { CjkLang, Direction } from './protocol.js';

const bidi = bidiFactory();

/** A user-perceived character placed in a font at a bidi level. */
export interface Grapheme {
  readonly text: string;
  readonly face: FaceInfo;
  readonly level: number;
  readonly space: boolean;
  /** Index of the rich-text span (style) it belongs to; 0 for plain text. */
  readonly style: number;
}

/** A measured sub-run of a segment: same face and level. */
export interface Piece { readonly g0: number; readonly g1: number; readonly m: RunMetrics }

/** Graphemes [g0, g1) between two break opportunities; trailing spaces start at `trail`. */
export interface Segment { readonly g0: number; readonly trail: number; readonly g1: number; readonly pieces: readonly Piece[] }

/** A paragraph ready for line breaking. */
export interface Paragraph {
  readonly graphemes: readonly Grapheme[];
  readonly segments: readonly Segment[];
  /** Base embedding level: 0 for LTR, 1 for RTL. */
  readonly level: number;
}

/** What itemisation needs from the request. */
export interface ItemizeOptions {
  readonly font: string;
  readonly weight: number;
  readonly lang: Exclude<CjkLang, 'auto'>;
  readonly direction: Direction;
  readonly spaced: boolean;
  /** Rich text: font and weight per span, and the span index of each UTF-16 offset of the text. */
  readonly spans?: { readonly styles: readonly { readonly font: string; readonly weight: number }[]; readonly at: ArrayLike<number> };
}

/** Never start a line with these (closing punctuation, CJK kinsoku). */
export const NO_LINE_START = new Set([...'，。、．：；！？」』）】〕〉》〗〙〛”’!?),.:;%…‥・ー々ゝゞヽヾ']);
/** Never end a line with these (opening punctuation). */
export const NO_LINE_END = new Set([...'「『（【〔〈《〖〘〚“‘(']);
const PUNCT = /\p{P}/u;
const HANGUL = /^\p{Script=Hangul}/u;
const SPACE = /^\s+$/u;

/** Picks the CJK preference for `text` when the request says `auto`: kana → ja, hangul → ko. */
export function detectLang(text: string, lang: CjkLang): Exclude<CjkLang, 'auto'> {
  if (lang !== 'auto') return lang;
  if (/[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(text)) return 'ja';
  if (/\p{Script=Hangul}/u.test(text) && !/\p{Script=Han}/u.test(text)) return 'ko';
  return 'zh-Hans';
}

/** Itemises one paragraph (no newlines inside). */
export function itemizeParagraph(text: string, opts: ItemizeOptions, fonts: FontSelector): Paragraph {
  const parts = graphemes(text);
  const levels = bidi.getEmbeddingLevels(text, opts.direction === 'auto' ? undefined : opts.direction);
  const base = levels.paragraphs[0]?.level ?? (opts.direction === 'rtl' ? 1 : 0);
  const gs: Grapheme[] = [];
  const starts: number[] = [];
  let offset = 0;
  let lastCjk: ScriptClass | null = null;
  for (const g of parts) {
    let script = scriptClass(g);
    if (script === 'Han' || script === 'Jpan' || script === 'Kore') lastCjk = script;
    else if (script === 'Other' && lastCjk && PUNCT.test(g)) script = lastCjk;
    else if (/\p{L}/u.test(g)) lastCjk = null;
    const style = opts.spans ? opts.spans.at[offset] ?? 0 : 0;
    const { font, weight } = opts.spans?.styles[style] ?? opts;
    gs.push({ text: g, face: fonts.pick(g, font, weight, script, opts.lang), level: levels.levels[offset] ?? base, space: SPACE.test(g), style });
    starts.push(offset);
    offset += g.length;
  }
  return { graphemes: gs, segments: segmentize(text, gs, starts, opts.spaced), level: base };
}

/** Break opportunities as grapheme indices (a line may start at each), kinsoku applied. */
function breakPoints(text: string, gs: readonly Grapheme[], starts: readonly number[]): number[] {
  const byOffset = new Map(starts.map((s, i) => [s, i]));
  const out: number[] = [];
  const lb = new LineBreaker(text);
  for (let b = lb.nextBreak(); b; b = lb.nextBreak()) {
    const gi = byOffset.get(b.position);
    if (gi === undefined || gi === 0) continue;
    if (NO_LINE_START.has(gs[gi].text) || NO_LINE_END.has(gs[gi - 1].text)) continue;
    // Korean is set word by word (CSS word-break: keep-all): no break inside a run of Hangul.
    if (HANGUL.test(gs[gi].text) && HANGUL.test(gs[gi - 1].text)) continue;
    out.push(gi);
  }
  return out;
}

function segmentize(text: string, gs: readonly Grapheme[], starts: readonly number[], spaced: boolean): Segment[] {
  const cuts = [0, ...breakPoints(text, gs, starts), gs.length];
  const segments: Segment[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const g0 = cuts[i], g1 = cuts[i + 1];
    if (g1 <= g0) continue;
    let trail = g1;
    while (trail > g0 && gs[trail - 1].space) trail--;
    segments.push({ g0, trail, g1, pieces: measurePieces(gs, g0, g1, spaced) });
  }
  return segments;
}

/** Splits [g0, g1) into maximal same-face, same-level pieces and measures each. */
export function measurePieces(gs: readonly Grapheme[], g0: number, g1: number, spaced: boolean): Piece[] {
  const pieces: Piece[] = [];
  let start = g0;
  for (let i = g0 + 1; i <= g1; i++) {
    if (i === g1 || gs[i].face !== gs[start].face || gs[i].level !== gs[start].level || gs[i].space !== gs[start].space) {
      const text = gs.slice(start, i).map((g) => g.text).join('');
      pieces.push({ g0: start, g1: i, m: measureRun(gs[start].face, text, (gs[start].level & 1) === 1, spaced) });
      start = i;
    }
  }
  return pieces;
}
