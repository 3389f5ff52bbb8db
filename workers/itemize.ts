/**
 * Itemisation: one paragraph becomes graphemes, each with its font face (per-grapheme
 * fallback), its bidi embedding level (Unicode Bidirectional Algorithm) and whether a line may
 * break before it (UAX #14 plus CJK kinsoku rules), then segments (unbreakable units) of
 * measured pieces.
 */
import bidiFactory from 'bidi-js';
import { breakOpportunities, cjkQuotes, NO_LINE_END, NO_LINE_START } from './break-rules.js';
import { punctSpacing, type PunctSpacing } from './cjk-punct.js';
import { FontSelector, scriptClass, usedByScript, type ScriptClass } from './font-select.js';
import { graphemes } from './text-normalize.js';
import { ART_PLACEHOLDER, artFace, hasArtwork } from './emoji-art.js';
import { measureRun, type RunMetrics } from './measure.js';
import type { CjkLang, Direction, FaceInfo, LineBreak, WordBreak } from './protocol.js';

const bidi = bidiFactory();

/** A user-perceived character placed in a font at a bidi level. */
export interface Grapheme {
  /** What is drawn and measured: the grapheme, or the notdef box's code point when no font has it. */
  readonly text: string;
  /** The grapheme as written in the text (differs from `text` only for a notdef box or dropped marks). */
  readonly source: string;
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
  /** The CJK language its breaks, quotes and ellipsis follow. */
  readonly lang: Exclude<CjkLang, 'auto'>;
  /** The CSS line-break level its breaks follow (emergency breaks and columns keep its kinsoku). */
  readonly lineBreak: LineBreak;
  /** CJK punctuation spacing (JLREQ 3.1.4), or null when the paragraph has none to adjust. */
  readonly spacing: PunctSpacing | null;
}

/** What itemisation needs from the request. */
export interface ItemizeOptions {
  readonly font: string;
  readonly weight: number;
  readonly lang: Exclude<CjkLang, 'auto'>;
  readonly direction: Direction;
  readonly spaced: boolean;
  /** CSS line-break (default `normal`). */
  readonly lineBreak?: LineBreak;
  /** CSS word-break (default `normal`; Korean is always kept whole between spaces). */
  readonly wordBreak?: WordBreak;
  /** Rich text: font and weight per span, and the span index of each UTF-16 offset of the text. */
  readonly spans?: { readonly styles: readonly { readonly font: string; readonly weight: number }[]; readonly at: ArrayLike<number> };
}

/** What a line may not start (strict kinsoku) or end with; other levels: break-rules.ts kinsoku(). */
export { NO_LINE_END, NO_LINE_START };
const PUNCT = /\p{P}/u;
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
  let lastScript: ScriptClass | null = null;
  const quotes = cjkQuotes(parts);
  parts.forEach((g, i) => {
    let script = scriptClass(g);
    if (script === 'Han' || script === 'Jpan' || script === 'Kore') lastCjk = script;
    else if (quotes[i]) script = lastCjk ?? (opts.lang === 'ja' ? 'Jpan' : 'Han');
    else if (script === 'Other' && lastCjk && PUNCT.test(g)) script = lastCjk;
    else if (/\p{L}/u.test(g)) lastCjk = null;
    // Shared marks and punctuation (danda, nukta…) stay in the font of the script around them.
    if (script !== 'Other' && script !== 'Han' && script !== 'Jpan' && script !== 'Kore') lastScript = script;
    else if (script === 'Other' && lastScript && usedByScript(g, lastScript)) script = lastScript;
    else if (/\p{L}/u.test(g)) lastScript = null;
    const style = opts.spans ? opts.spans.at[offset] ?? 0 : 0;
    const { font, weight } = opts.spans?.styles[style] ?? opts;
    let glyph = fonts.pickGlyph(g, font, weight, script, opts.lang);
    if (hasArtwork(g)) {
      // An emoji sequence the font cannot form: one emoji wide, drawn from Noto's artwork (emoji-art.ts).
      const emoji = fonts.emojiFace([ART_PLACEHOLDER.codePointAt(0)!]);
      if (emoji) glyph = { face: artFace(g, emoji), text: ART_PLACEHOLDER };
    }
    gs.push({ text: glyph.text, source: g, face: glyph.face, level: levels.levels[offset] ?? base, space: SPACE.test(g), style });
    starts.push(offset);
    offset += g.length;
  });
  const lineBreak = opts.lineBreak ?? 'normal';
  const cuts = breakOpportunities(text, parts, starts, quotes, { lineBreak, wordBreak: opts.wordBreak ?? 'normal', lang: opts.lang });
  const spacing = punctSpacing(parts, gs.map((g) => g.face), quotes, opts.lang);
  return { graphemes: gs, segments: segmentize(gs, cuts, opts.spaced), level: base, lang: opts.lang, lineBreak, spacing };
}

function segmentize(gs: readonly Grapheme[], breaks: readonly number[], spaced: boolean): Segment[] {
  const cuts = [0, ...breaks, gs.length];
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
