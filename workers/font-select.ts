/**
 * Per-grapheme font fallback. For every grapheme we pick the first face, along a chain that
 * depends on the grapheme's script and the request's language, whose cmap has a glyph for every
 * one of its code points (default-ignorables aside): colour emoji first for emoji-presentation
 * graphemes (even when a text font has a monochrome glyph), the dedicated family for scripts that
 * need one (Arabic, Hebrew, Hangul, kana, Han by language, Indic, Southeast Asian, …), then the
 * requested family, the configured fallback chain and, last, the emoji font (text-default symbols
 * such as ☺ ✈). A grapheme no face has becomes the notdef box. Skia is therefore never left to
 * find a glyph by itself, which is what would let the host's fonts leak into an image.
 */
import { LRUCache } from 'lru-cache';
import { FaceCoverage } from './font-coverage.js';
import { ensureFace } from './font-registry.js';
import { NOTDEF_CP, type CjkLang, type FaceInfo, type FontCatalog } from './protocol.js';

/**
 * Script classes that decide the fallback order: `Han`, `Jpan` (kana), `Kore` (Hangul), an
 * ISO 15924 code with a dedicated family (`Arab`, `Hebr`, `Beng`, `Thai`, …) or `Other`.
 */
export type ScriptClass = string;

/** The CJK preference once `auto` is resolved. */
export type HanLang = Exclude<CjkLang, 'auto'>;

const RE_HANG = /\p{Script=Hangul}/u;
const RE_KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
const RE_HAN = /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u;
const RE_EMOJI = /\p{Emoji_Presentation}|\u{FE0F}|\u{20E3}|\p{Emoji_Modifier}/u;
/** Code points shaping handles without a glyph of their own (joiners, selectors, tags, controls). */
const RE_IGNORABLE = /[\p{Default_Ignorable_Code_Point}\p{Cc}]/u;

/** Scripts with a dedicated family in `fonts.json` `scripts`: code -> Unicode Script name. */
const SCRIPT_NAMES: Readonly<Record<string, string>> = {
  Arab: 'Arabic', Hebr: 'Hebrew', Deva: 'Devanagari', Beng: 'Bengali', Guru: 'Gurmukhi', Gujr: 'Gujarati',
  Taml: 'Tamil', Telu: 'Telugu', Knda: 'Kannada', Mlym: 'Malayalam', Sinh: 'Sinhala', Thai: 'Thai', Laoo: 'Lao',
  Khmr: 'Khmer', Mymr: 'Myanmar', Tibt: 'Tibetan', Ethi: 'Ethiopic', Armn: 'Armenian', Geor: 'Georgian',
};
const SCRIPT_RES = Object.entries(SCRIPT_NAMES).map(([code, name]) => [code, new RegExp(`\\p{Script=${name}}`, 'u')] as const);
const SCX_RES = new Map(Object.entries(SCRIPT_NAMES).map(([code, name]) => [code, new RegExp(`^\\p{Script_Extensions=${name}}`, 'u')]));

/** Classifies one grapheme (by its first code point) for font fallback. */
export function scriptClass(ch: string): ScriptClass {
  // Fast path: Latin, Greek, Cyrillic and everything below Armenian have no dedicated family.
  if (ch.charCodeAt(0) < 0x530) return 'Other';
  if (RE_HAN.test(ch)) return 'Han';
  if (RE_KANA.test(ch)) return 'Jpan';
  if (RE_HANG.test(ch)) return 'Kore';
  for (const [code, re] of SCRIPT_RES) if (re.test(ch)) return code;
  return 'Other';
}

/** True when a Common/Inherited grapheme (danda, a mark) is also used by `script` (Script_Extensions). */
export function usedByScript(g: string, script: ScriptClass): boolean {
  return SCX_RES.get(script)?.test(g) ?? false;
}

/** True for graphemes shown as colour emoji by default (Unicode emoji presentation rules). */
export function isEmojiGrapheme(g: string): boolean {
  return RE_EMOJI.test(g) && !g.includes('\uFE0E');
}

const HAN_ORDER: Record<HanLang, string[]> = {
  'zh-Hans': ['Hans', 'Hant', 'Hant-HK', 'Jpan', 'Kore'],
  'zh-Hant': ['Hant', 'Hant-HK', 'Hans', 'Jpan', 'Kore'],
  'zh-HK': ['Hant-HK', 'Hant', 'Hans', 'Jpan', 'Kore'],
  ja: ['Jpan', 'Hans', 'Hant', 'Kore'],
  ko: ['Kore', 'Hant', 'Hans', 'Jpan'],
};

/** A grapheme's face and the text drawn for it (the notdef box's code point when no face has it). */
export interface GlyphChoice { readonly face: FaceInfo; readonly text: string }

/** Counters of the selector's caches. */
export interface SelectorStats { readonly pickHits: number; readonly pickMisses: number; readonly notdef: number }

/** Picks faces for graphemes; one per worker, with bounded caches of cmaps and picks. */
export class FontSelector {
  private readonly byFamily = new Map<string, FaceInfo[]>();
  private readonly scripts = new Map<string, readonly string[]>();
  private readonly faceSets = new Map<string, FaceInfo[]>();
  private readonly picks = new LRUCache<string, GlyphChoice>({ max: 20_000 });
  private readonly chains = new Map<string, string[]>();
  /** Which faces really have which code points (cmaps, read lazily). */
  readonly coverage = new FaceCoverage();
  private pickHits = 0;
  private pickMisses = 0;
  private notdefs = 0;

  constructor(private readonly catalog: FontCatalog) {
    for (const face of catalog.faces) {
      const list = this.byFamily.get(face.family) ?? [];
      list.push(face);
      this.byFamily.set(face.family, list);
    }
    for (const fam of catalog.families) this.scripts.set(fam.name, fam.scripts);
  }

  /** True for faces with colour glyphs (the emoji family), which the two-colour PNG path must avoid. */
  isColor(face: FaceInfo): boolean {
    return face.family === this.catalog.emoji;
  }

  /** The emoji family's face that has all of `cps`, or null (no emoji family, or none has them). */
  emojiFace(cps: readonly number[]): FaceInfo | null {
    return this.catalog.emoji ? this.faceFor(this.catalog.emoji, 400, cps) : null;
  }

  /** The faces of `family` at the available weight nearest to `weight` (ties go heavier). */
  faceSet(family: string, weight: number): FaceInfo[] {
    const key = `${family}\0${weight}`;
    let set = this.faceSets.get(key);
    if (!set) {
      const faces = this.byFamily.get(family) ?? [];
      let best = -1;
      for (const f of faces) {
        const d = Math.abs(f.weight - weight), bd = Math.abs(best - weight);
        if (best < 0 || d < bd || (d === bd && f.weight > best)) best = f.weight;
      }
      set = faces.filter((f) => f.weight === best);
      this.faceSets.set(key, set);
    }
    return set;
  }

  /** First face of `family`@`weight` whose cmap has every code point of `cps` and that Skia loaded, or null. */
  faceFor(family: string, weight: number, cps: readonly number[]): FaceInfo | null {
    for (const f of this.faceSet(family, weight)) {
      if (cps.every((cp) => this.coverage.has(f, cp)) && ensureFace(f)) return f;
    }
    return null;
  }

  /** Family order for a grapheme of `script` (emoji first when `emoji`, else last). */
  chain(primary: string, script: ScriptClass, lang: HanLang, emoji: boolean): string[] {
    const key = `${primary}\0${script}\0${lang}\0${emoji}`;
    let chain = this.chains.get(key);
    if (!chain) {
      const rest = [primary, ...this.catalog.fallback.filter((f) => f !== primary)];
      let preferred: string[] = [];
      if (script !== 'Other') {
        const probes = script === 'Han' ? HAN_ORDER[lang] : [script];
        if (this.scripts.get(primary)?.includes(probes[0])) preferred.push(primary);
        for (const probe of probes) {
          const fam = this.catalog.scripts[probe];
          if (fam) preferred.push(fam);
        }
        for (const probe of probes) preferred.push(...rest.filter((f) => this.scripts.get(f)?.includes(probe)));
      }
      const em = this.catalog.emoji;
      if (emoji && em) preferred = [em, ...preferred];
      chain = [...new Set([...preferred, ...rest, ...(em ? [em] : [])])];
      this.chains.set(key, chain);
    }
    return chain;
  }

  /** The face for one grapheme (see `pickGlyph`). */
  pick(grapheme: string, primary: string, weight: number, script: ScriptClass, lang: HanLang): FaceInfo {
    return this.pickGlyph(grapheme, primary, weight, script, lang).face;
  }

  /**
   * The face for one grapheme: the first face along the chain that has all of its significant
   * code points; else the first that has its base (the marks it lacks are dropped); else the
   * notdef box. A grapheme of ignorables only (a lone joiner) stays in the primary family.
   */
  pickGlyph(grapheme: string, primary: string, weight: number, script: ScriptClass, lang: HanLang): GlyphChoice {
    const key = `${grapheme}\0${primary}\0${weight}\0${script}\0${lang}`;
    const hit = this.picks.get(key);
    if (hit) {
      this.pickHits++;
      return hit;
    }
    this.pickMisses++;
    const choice = this.choose(grapheme, primary, weight, script, lang);
    this.picks.set(key, choice);
    return choice;
  }

  private choose(grapheme: string, primary: string, weight: number, script: ScriptClass, lang: HanLang): GlyphChoice {
    const cps: number[] = [];
    for (const ch of grapheme) if (!RE_IGNORABLE.test(ch)) cps.push(ch.codePointAt(0)!);
    if (cps.length === 0) {
      const face = this.faceSet(primary, weight).find((f) => ensureFace(f)) ?? this.firstLoadable();
      if (face) return { face, text: grapheme };
      return this.notdef(grapheme);
    }
    const chain = this.chain(primary, script, lang, isEmojiGrapheme(grapheme));
    for (const fam of chain) {
      const face = this.faceFor(fam, fam === this.catalog.emoji ? 400 : weight, cps);
      if (face) return { face, text: grapheme };
    }
    if (cps.length > 1) {
      for (const fam of chain) {
        const face = this.faceFor(fam, fam === this.catalog.emoji ? 400 : weight, [cps[0]]);
        if (!face) continue;
        const text = [...grapheme].filter((ch) => RE_IGNORABLE.test(ch) || this.coverage.has(face, ch.codePointAt(0)!)).join('');
        return { face, text };
      }
    }
    return this.notdef(grapheme);
  }

  /** True when `face` is the notdef box face. */
  isNotdef(face: FaceInfo): boolean {
    return face.family === this.catalog.notdef;
  }

  private notdef(grapheme: string): GlyphChoice {
    this.notdefs++;
    const face = this.catalog.notdef ? this.faceFor(this.catalog.notdef, 400, [NOTDEF_CP]) : null;
    if (face) return { face, text: String.fromCodePoint(NOTDEF_CP) };
    // No notdef font configured: nothing is drawn rather than letting Skia look elsewhere.
    const any = this.firstLoadable()!;
    return { face: any, text: '\u200b' };
  }

  private firstLoadable(): FaceInfo | undefined {
    return this.catalog.faces.find((f) => ensureFace(f));
  }

  /** Counters of the pick cache and of graphemes drawn as the notdef box. */
  stats(): SelectorStats {
    return { pickHits: this.pickHits, pickMisses: this.pickMisses, notdef: this.notdefs };
  }
}
