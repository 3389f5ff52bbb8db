/**
 * Per-grapheme font fallback. For every grapheme we pick the first face, along a chain that
 * depends on the grapheme's script and the request's language, whose coverage holds it:
 * colour emoji first for emoji-presentation graphemes (even when a text font has a monochrome
 * glyph), the dedicated family for scripts that need one (Arabic, Hebrew, Hangul, kana, Han by
 * language), then the requested family and the configured fallback chain.
 */
import { rangesHas } from './unicode-ranges.js';
import type { FaceInfo, FontCatalog } from './font-catalog.js';
import type { CjkLang } from './protocol.js';

/** Coarse script classes that decide the fallback order. */
export type ScriptClass = 'Arab' | 'Hebr' | 'Kore' | 'Jpan' | 'Han' | 'Other';

const RE_ARAB = /\p{Script=Arabic}/u;
const RE_HEBR = /\p{Script=Hebrew}/u;
const RE_HANG = /\p{Script=Hangul}/u;
const RE_KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
const RE_HAN = /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u;
const RE_EMOJI = /\p{Emoji_Presentation}|\u{FE0F}|\u{20E3}|\p{Emoji_Modifier}/u;
const IGNORABLE = new Set([0x200d, 0xfe0e, 0xfe0f, 0x200c, 0x20e3]);

/** Classifies one code point for font fallback. */
export function scriptClass(ch: string): ScriptClass {
  if (RE_HAN.test(ch)) return 'Han';
  if (RE_KANA.test(ch)) return 'Jpan';
  if (RE_HANG.test(ch)) return 'Kore';
  if (RE_ARAB.test(ch)) return 'Arab';
  if (RE_HEBR.test(ch)) return 'Hebr';
  return 'Other';
}

/** True for graphemes shown as colour emoji by default (Unicode emoji presentation rules). */
export function isEmojiGrapheme(g: string): boolean {
  return RE_EMOJI.test(g) && !g.includes('\uFE0E');
}

const PROBE_FOR: Record<Exclude<ScriptClass, 'Other'>, string> = {
  Arab: 'Arab', Hebr: 'Hebr', Kore: 'Kore', Jpan: 'Jpan', Han: 'Hans',
};
const HAN_ORDER: Record<Exclude<CjkLang, 'auto'>, string[]> = {
  'zh-Hans': ['Hans', 'Jpan', 'Kore'],
  ja: ['Jpan', 'Hans', 'Kore'],
  ko: ['Kore', 'Hans', 'Jpan'],
};

/** Picks faces for graphemes; one per worker, caches lookups per (family, weight). */
export class FontSelector {
  private readonly byFamily = new Map<string, FaceInfo[]>();
  private readonly scripts = new Map<string, readonly string[]>();
  private readonly faceSets = new Map<string, FaceInfo[]>();
  private readonly cpCache = new Map<string, Map<number, FaceInfo | null>>();
  private readonly chains = new Map<string, string[]>();

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

  /** First face of `family`@`weight` that covers `cp`, or null. */
  faceFor(family: string, weight: number, cp: number): FaceInfo | null {
    const key = `${family}\0${weight}`;
    let cache = this.cpCache.get(key);
    if (!cache) this.cpCache.set(key, (cache = new Map()));
    let face = cache.get(cp);
    if (face === undefined) {
      face = this.faceSet(family, weight).find((f) => rangesHas(f.ranges, cp)) ?? null;
      cache.set(cp, face);
    }
    return face;
  }

  /** Family order for a grapheme of `script` (emoji first when `emoji`). */
  chain(primary: string, script: ScriptClass, lang: Exclude<CjkLang, 'auto'>, emoji: boolean): string[] {
    const key = `${primary}\0${script}\0${lang}\0${emoji}`;
    let chain = this.chains.get(key);
    if (!chain) {
      const rest = [primary, ...this.catalog.fallback.filter((f) => f !== primary)];
      let preferred: string[] = [];
      if (script !== 'Other') {
        const probes = script === 'Han' ? HAN_ORDER[lang] : [PROBE_FOR[script]];
        if (this.scripts.get(primary)?.includes(probes[0])) preferred.push(primary);
        for (const probe of probes) {
          const fam = this.catalog.scripts[probe];
          if (fam) preferred.push(fam);
        }
        for (const probe of probes) preferred.push(...rest.filter((f) => this.scripts.get(f)?.includes(probe)));
      }
      if (emoji && this.catalog.emoji) preferred = [this.catalog.emoji, ...preferred];
      chain = [...new Set([...preferred, ...rest])];
      this.chains.set(key, chain);
    }
    return chain;
  }

  /**
   * The face for one grapheme: the first face along the chain that covers all of its
   * significant code points, else the first that covers its base, else the primary face.
   */
  pick(grapheme: string, primary: string, weight: number, script: ScriptClass, lang: Exclude<CjkLang, 'auto'>): FaceInfo {
    const cps: number[] = [];
    for (const ch of grapheme) {
      const cp = ch.codePointAt(0)!;
      if (!IGNORABLE.has(cp) && !(cp >= 0xe0020 && cp <= 0xe007f)) cps.push(cp);
    }
    if (cps.length === 0) cps.push(grapheme.codePointAt(0)!);
    const chain = this.chain(primary, script, lang, isEmojiGrapheme(grapheme));
    let baseOnly: FaceInfo | null = null;
    for (const fam of chain) {
      const w = fam === this.catalog.emoji ? 400 : weight;
      const face = this.faceFor(fam, w, cps[0]);
      if (!face) continue;
      if (cps.length === 1) return face;
      const full = this.faceSet(fam, w).find((f) => cps.every((cp) => rangesHas(f.ranges, cp)));
      if (full) return full;
      baseOnly ??= face;
    }
    return baseOnly ?? this.faceSet(primary, weight)[0] ?? this.catalog.faces[0];
  }
}
