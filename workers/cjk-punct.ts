/**
 * CJK punctuation spacing (JLREQ 3.1.4, CLREQ; CSS text-spacing-trim: normal). Full-width
 * brackets and stops carry half an em of blank on one side: opening brackets on the left,
 * closing brackets and the stops 。、，． on the right. Two of them side by side take 1.5 em
 * instead of 2 (`」「`, `。」`, `、（`, `（「`, and in Simplified Chinese `：“`, `！」`); an opening bracket starting a line other than a
 * paragraph's first loses its left half; a closing mark ending a line may lose its right half
 * when the line would not fit otherwise. Only glyphs the font makes one em wide are trimmed.
 */
import { REF_SIZE, measureRun } from './measure.js';
import type { CjkLang, FaceInfo } from './protocol.js';

/** Space adjustments of a paragraph's graphemes, in em (all ≥ 0: amounts removed). */
export interface PunctSpacing {
  /** Removed between grapheme i and i + 1 when both sit on one line. */
  readonly kern: readonly number[];
  /** Removed from the left of grapheme i when it starts a line that is not the paragraph's first. */
  readonly startTrim: readonly number[];
  /** Removable from the right of grapheme i when it ends a line that would not fit otherwise. */
  readonly endTrim: readonly number[];
}

const OPEN = new Set([...'「『（【〔〈《〖〘〚｛［〝｟“‘']);
const CLOSE = new Set([...'」』）】〕〉》〗〙〛｝］〟｠”’。、，．']);
/** In Simplified Chinese fonts these sit on the left of the em box too (CLREQ); Japanese centres them. */
const CLOSE_ZH = new Set([...'：；！？']);
/** Traditional Chinese fonts (Taiwan, Hong Kong) centre these in the em box: no blank half to trim. */
const CENTRED_HANT = new Set([...'。、，．：；！？']);

/**
 * Spacing for a paragraph: `texts` are its graphemes, `faces` their faces, `cjkQuote` marks the
 * curly quotes set as CJK quotes (others are Western and never trimmed). Null when nothing applies.
 */
export function punctSpacing(texts: readonly string[], faces: readonly FaceInfo[], cjkQuote: readonly (string | null)[], lang: CjkLang): PunctSpacing | null {
  const n = texts.length;
  const kind: (0 | 1 | 2)[] = new Array(n).fill(0); // 1: left blank (opening), 2: right blank (closing/stop)
  let any = false;
  for (let i = 0; i < n; i++) {
    const t = texts[i];
    const closing = CLOSE.has(t) && !((lang === 'zh-Hant' || lang === 'zh-HK') && CENTRED_HANT.has(t));
    const k = OPEN.has(t) ? 1 : closing || (lang === 'zh-Hans' && CLOSE_ZH.has(t)) ? 2 : 0;
    if (k === 0) continue;
    if ('“”‘’'.includes(t) && !cjkQuote[i]) continue;
    if (Math.abs(measureRun(faces[i], t, false, false).width - REF_SIZE) > REF_SIZE * 0.03) continue;
    kind[i] = k;
    any = true;
  }
  if (!any) return null;
  const kern = new Array<number>(n).fill(0), startTrim = new Array<number>(n).fill(0), endTrim = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    if (kind[i] === 1) startTrim[i] = 0.5;
    if (kind[i] === 2) endTrim[i] = 0.5;
    if (i + 1 < n && kind[i] !== 0 && kind[i + 1] !== 0 && (kind[i] === 2 || kind[i + 1] === 1)) kern[i] = 0.5;
  }
  return { kern, startTrim, endTrim };
}

/** Total kerning (em) between consecutive graphemes of [g0, g1). */
export function kernSum(s: PunctSpacing | null, g0: number, g1: number): number {
  if (!s) return 0;
  let k = 0;
  for (let i = g0; i + 1 < g1; i++) k += s.kern[i];
  return k;
}
