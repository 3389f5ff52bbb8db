/**
 * Line-break rules, CSS style: UAX #14 opportunities (the `linebreak` package) adjusted by
 * `line-break` (strict / normal / loose / anywhere: which CJK characters may start a line) and
 * `word-break` (normal / keep-all / auto-phrase: phrase boundaries from BudouX for Japanese and
 * Chinese), plus CJK kinsoku. Curly quotes between Han or kana break like the CJK brackets they
 * stand for (“ as 「, ” as 」).
 */
import { jaModel, Parser, zhHansModel, zhHantModel } from 'budoux';
import LineBreaker from 'linebreak';
import type { CjkLang, LineBreak, WordBreak } from './protocol.js';

/** Small kana and prolonged sound marks (UAX #14 class CJ): kept off line starts only under `strict`. */
export const CJ = new Set([...'ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿｧｨｩｪｫｬｭｮｯーｰ']);
/** Hyphens a line may start with under `normal` and `loose` in Chinese and Japanese (CSS Text 3). */
const CJK_HYPHENS = new Set([...'‐–〜゠']);
/** Iteration marks: no line start unless `loose`. */
const ITERATION = new Set([...'々〻ゝゞヽヾ']);
/** Inseparable characters (class IN): no break before them unless `loose`. */
const INSEPARABLE = new Set(['․', '‥', '…', '⋯', '︙', '\u{10AF6}']);
/** Centred punctuation: no line start unless `loose`. */
const CENTRED = new Set([...'・：；･‼⁇⁈⁉！？']);
/** Wide suffixes (class PO, East Asian width A/F/W): no line start unless `loose`. */
const WIDE_SUFFIX = new Set([...'°‰′″‵℃℉﹪％￠']);
/** Wide prefixes (class PR, East Asian width A/F/W): a line may end with them under `loose`. */
const WIDE_PREFIX = new Set([...'￥＄￡￦№']);
/** Closing punctuation and stops: never at a line start (except under `anywhere`). */
const CLOSING = new Set([...'，。、．」』）】〕〉》〗〙〛｝］〟｠”’»›!?),.:;%']);
/** Opening punctuation: never at a line end (except under `anywhere`). */
const OPENING = new Set([...'「『（【〔〈《〖〘〚｛［〝｟“‘«‹(']);

/** What a line may not start with under `strict` (and, before this option existed, always). */
export const NO_LINE_START: ReadonlySet<string> = new Set([...CLOSING, ...CENTRED, ...INSEPARABLE, ...ITERATION, ...WIDE_SUFFIX, ...CJ, ...CJK_HYPHENS]);
/** What a line may not end with. */
export const NO_LINE_END: ReadonlySet<string> = OPENING;

const NORMAL_START = new Set([...CLOSING, ...CENTRED, ...INSEPARABLE, ...ITERATION, ...WIDE_SUFFIX]);
const LOOSE_START: ReadonlySet<string> = CLOSING;
const NONE: ReadonlySet<string> = new Set();
const LOOSE_END = new Set([...OPENING].filter((c) => !WIDE_PREFIX.has(c)));

/** Kinsoku sets of one `line-break` level: what may not start, and what may not end, a line. */
export interface Kinsoku { readonly start: ReadonlySet<string>; readonly end: ReadonlySet<string> }

/** The kinsoku sets of a `line-break` level. */
export function kinsoku(level: LineBreak): Kinsoku {
  switch (level) {
    case 'strict': return { start: NO_LINE_START, end: NO_LINE_END };
    case 'normal': return { start: NORMAL_START, end: NO_LINE_END };
    case 'loose': return { start: LOOSE_START, end: LOOSE_END };
    default: return { start: NONE, end: NONE };
  }
}

const CJK_CHAR = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3000-\u303f\uff00-\uffef\u30fc]/u;
const CJK_LETTER = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30fc\u3005\u303b]/u;
const HANGUL = /^\p{Script=Hangul}/u;
const LETTER = /^[\p{L}\p{N}]/u;
const QUOTES: Readonly<Record<string, string>> = { '“': '「', '”': '」', '‘': '『', '’': '』' };

/** True for Han, kana and CJK punctuation (the context that turns curly quotes into CJK quotes). */
export function isCjkChar(g: string): boolean {
  return CJK_CHAR.test(g);
}

/**
 * For each grapheme, the CJK bracket a curly quote stands for when it sits in CJK context (an
 * opening quote followed by Han/kana, a closing one preceded by Han/kana), else null.
 */
export function cjkQuotes(gs: readonly string[]): (string | null)[] {
  const near = (i: number, step: number): string | undefined => {
    for (let j = i + step; j >= 0 && j < gs.length; j += step) if (!(gs[j] in QUOTES)) return gs[j];
    return undefined;
  };
  return gs.map((g, i) => {
    const as = QUOTES[g];
    if (!as) return null;
    const opening = g === '“' || g === '‘';
    const n = near(i, opening ? 1 : -1);
    return n !== undefined && isCjkChar(n) ? as : null;
  });
}

/** Line-breaking options of a paragraph. */
export interface BreakOptions {
  readonly lineBreak: LineBreak;
  readonly wordBreak: WordBreak;
  readonly lang: Exclude<CjkLang, 'auto'>;
}

/** BudouX model name for a paragraph, or null where phrase analysis does not apply. */
export function phraseModel(text: string, lang: Exclude<CjkLang, 'auto'>): 'ja' | 'zh-hans' | 'zh-hant' | null {
  if (lang === 'ko') return null;
  if (lang === 'zh-Hant' || lang === 'zh-HK') return /\p{Script=Han}/u.test(text) ? 'zh-hant' : null;
  if (lang === 'ja' || /[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(text)) return 'ja';
  if (!/\p{Script=Han}/u.test(text)) return null;
  // Simplified or Traditional: count characters that exist in one form only.
  let trad = 0, simp = 0;
  for (const ch of text) {
    if (TRAD_ONLY.includes(ch)) trad++;
    else if (SIMP_ONLY.includes(ch)) simp++;
  }
  return trad > simp ? 'zh-hant' : 'zh-hans';
}
const TRAD_ONLY = '這們個來說會國學時為過還對開發關點體當與麼後經現長頁見親輕邊邊車門問間陽電話語請讀認識號幾氣無愛樂書買賣東動場報處備變島師帶從應態戰總們產實寫專導將層壓圓區單貝財質員圍網絡練維線紅約級給統絲經觀覽歡歲歷準無熱獨環現產畫當發盡監碼確禮種穩節範築糧紀約純紙級紛細組終結給絕統經綠維網緊線練縣總繁';
const SIMP_ONLY = '这们个来说会国学时为过还对开发关点体当与么后经现长页见亲轻边车门问间阳电话语请读认识号几气无爱乐书买卖东动场报处备变岛师带从应态战总产实写专导将层压圆区单贝财质员围网络练维线红约级给统丝观览欢岁历准热独环画尽监码确礼种稳节范筑粮纪纯纸纷细组终结绝绿紧县繁';

const parsers = new Map<string, Parser>();
const MODELS = { ja: jaModel, 'zh-hans': zhHansModel, 'zh-hant': zhHantModel } as const;

/** The BudouX parser of a model, built once per worker. */
export function phraseParser(model: keyof typeof MODELS): Parser {
  let p = parsers.get(model);
  if (!p) parsers.set(model, (p = new Parser(MODELS[model])));
  return p;
}

/** UTF-16 offsets of BudouX phrase boundaries in `text`. */
function phraseBoundaries(text: string, model: keyof typeof MODELS): Set<number> {
  const out = new Set<number>();
  let o = 0;
  for (const chunk of phraseParser(model).parse(text)) {
    o += chunk.length;
    out.add(o);
  }
  return out;
}

/**
 * Break opportunities as grapheme indices (a line may start at each): `gs` are the graphemes of
 * `text`, `starts` their UTF-16 offsets, `quotes` what cjkQuotes() found.
 */
export function breakOpportunities(text: string, gs: readonly string[], starts: readonly number[], quotes: readonly (string | null)[], o: BreakOptions): number[] {
  const out: number[] = [];
  if (o.lineBreak === 'anywhere') {
    for (let i = 1; i < gs.length; i++) out.push(i);
    return out;
  }
  // The text UAX #14 sees: CJK-context quotes as brackets; characters this level lets start a
  // line (small kana under normal; iteration marks, leaders, centred marks... under loose) as an
  // ideograph, so the usual ideographic opportunities apply around them.
  const cjkLang = o.lang !== 'ko';
  const seen = gs.map((g, i) => {
    const q = quotes[i];
    if (q) return q;
    if (!cjkLang || o.lineBreak === 'strict') return g;
    const inCjk = i > 0 && (isCjkChar(gs[i - 1]) || quotes[i - 1] !== null);
    if (CJ.has(g)) return '字';
    if (CJK_HYPHENS.has(g) && inCjk) return '字';
    if (o.lineBreak === 'loose' && (ITERATION.has(g) || INSEPARABLE.has(g) || CENTRED.has(g) || WIDE_SUFFIX.has(g) || WIDE_PREFIX.has(g)) && (inCjk || isCjkChar(gs[i + 1] ?? ''))) return '字'.padEnd(g.length, '字');
    return g;
  });
  const analysed = seen.join('');
  const k = kinsoku(o.lineBreak);
  const byOffset = new Map(starts.map((s, i) => [s, i]));
  const phrases = o.wordBreak === 'auto-phrase' ? phraseModel(text, o.lang) : null;
  const bounds = phrases ? phraseBoundaries(text, phrases) : null;
  const lb = new LineBreaker(analysed);
  for (let b = lb.nextBreak(); b; b = lb.nextBreak()) {
    const gi = byOffset.get(b.position);
    if (gi === undefined || gi === 0 || gi >= gs.length) continue;
    const prev = seen[gi - 1], cur = seen[gi];
    if (k.start.has(cur) || k.end.has(prev)) continue;
    // Korean is set word by word (CSS word-break: keep-all) whatever word-break says.
    if (HANGUL.test(gs[gi]) && HANGUL.test(gs[gi - 1])) continue;
    if (o.wordBreak === 'keep-all' && LETTER.test(gs[gi]) && LETTER.test(gs[gi - 1])) continue;
    if (bounds && isCjkChar(gs[gi - 1]) && isCjkChar(gs[gi]) && !bounds.has(starts[gi])) continue;
    out.push(gi);
  }
  return out;
}

/** True for Han and kana letters (what keep-all and auto-phrase keep together). */
export function isCjkLetter(g: string): boolean {
  return CJK_LETTER.test(g);
}
