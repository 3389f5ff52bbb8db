import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LetterpressApp } from '../src/app.js';
import { PROJECT_ROOT } from '../src/config.js';
import { loadFontCatalog } from '../src/font-catalog.js';
import { FontSelector } from '../workers/font-select.js';
import { phraseModel } from '../workers/break-rules.js';
import { readCoverage } from '../workers/font-tables.js';
import { rangesHas } from '../workers/unicode-ranges.js';
import { decode, inkBounds, inProcessFonts, renderUrl, startApp } from './helpers.js';
import { paragraphs } from './layout-helpers.js';

/** A word per script and the family the coverage table in README promises for it. */
const SCRIPTS: readonly [string, string, string][] = [
  ['Hindi (Devanagari)', 'नमस्ते', 'Noto Sans'],
  ['Bengali', 'বাংলা', 'Noto Sans Bengali'],
  ['Gurmukhi', 'ਪੰਜਾਬੀ', 'Noto Sans Gurmukhi'],
  ['Gujarati', 'ગુજરાતી', 'Noto Sans Gujarati'],
  ['Tamil', 'தமிழ்', 'Noto Sans Tamil'],
  ['Telugu', 'తెలుగు', 'Noto Sans Telugu'],
  ['Kannada', 'ಕನ್ನಡ', 'Noto Sans Kannada'],
  ['Malayalam', 'മലയാളം', 'Noto Sans Malayalam'],
  ['Sinhala', 'සිංහල', 'Noto Sans Sinhala'],
  ['Thai', 'ภาษาไทย', 'Noto Sans Thai'],
  ['Lao', 'ພາສາລາວ', 'Noto Sans Lao'],
  ['Khmer', 'ភាសាខ្មែរ', 'Noto Sans Khmer'],
  ['Myanmar', 'မြန်မာ', 'Noto Sans Myanmar'],
  ['Tibetan', 'བོད་ཡིག', 'Noto Serif Tibetan'],
  ['Ethiopic', 'አማርኛ', 'Noto Sans Ethiopic'],
  ['Armenian', 'Հայերեն', 'Noto Sans Armenian'],
  ['Georgian', 'ქართული', 'Noto Sans Georgian'],
];
/** Characters the bundle has but fallback by declared unicode-range drew as tofu. */
const SYMBOLS = [...'Œœıľ₴ҐҰ‐‰※‼☺✈'];
/** A code point no bundled font has (Adlam). */
const MISSING = '\u{1E900}';

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp();
});
afterAll(async () => {
  await lp?.app.close();
});

async function render(params: Record<string, string | number>): Promise<Awaited<ReturnType<typeof decode>>> {
  const res = await lp.app.inject(renderUrl({ w: 400, h: 96, padding: 8, size: 48, fit: 'none', bg: 'ffffff', color: '000000', ...params }));
  expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
  return decode(res.rawPayload);
}

/** Pixels whose red channel differs by more than 40. */
function diffCount(a: { data: Buffer }, b: { data: Buffer }): number {
  let n = 0;
  for (let i = 0; i < a.data.length; i += 4) if (Math.abs(a.data[i] - b.data[i]) > 40) n++;
  return n;
}

const count = (text: string): number => [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].length;

describe('every script in the coverage table renders with a real font (no tofu)', () => {
  it.each(SCRIPTS)('%s: "%s" is set in %s, never the notdef box', (_name, word, family) => {
    const gs = paragraphs(word)[0].graphemes;
    for (const g of gs) expect(g.face.family, `${word}: "${g.text}"`).toBe(family);
    const { selector } = inProcessFonts();
    for (const g of gs) for (const ch of g.text) expect(selector.coverage.has(g.face, ch.codePointAt(0)!), `U+${ch.codePointAt(0)!.toString(16)} in ${g.face.file}`).toBe(true);
  });

  it.each(SCRIPTS)('%s: "%s" renders with ink that differs from as many missing-glyph boxes', async (_name, word) => {
    const img = await render({ text: word });
    const boxes = await render({ text: MISSING.repeat(count(word)) });
    expect(inkBounds(img, [255, 255, 255]).count).toBeGreaterThan(150);
    expect(diffCount(img, boxes), `${word} looks like tofu`).toBeGreaterThan(150);
  });
});

describe('fallback by the glyphs a font really has (cmap), not its declared unicode-range', () => {
  it('the first subset whose unicode-range claims some of these characters has no glyph for them', () => {
    // Why declared ranges alone gave tofu: pick the first face along the chain whose range covers
    // the character and read its cmap; for several of the set that face lacks the glyph.
    const { catalog, selector } = inProcessFonts();
    const lacking = SYMBOLS.filter((ch) => {
      const cp = ch.codePointAt(0)!;
      for (const fam of selector.chain('Inter', 'Other', 'zh-Hans', false)) {
        const first = selector.faceSet(fam, 400).find((f) => rangesHas(f.ranges, cp));
        if (first) return !rangesHas(readCoverage(first.cmapFile), cp);
      }
      return false;
    });
    expect(lacking.length, 'characters whose first declared subset lacks them').toBeGreaterThan(0);
    expect(catalog.notdef).toBe('Letterpress NotDef');
  });

  it.each(SYMBOLS)('"%s" is drawn from a face whose cmap has it, with ink unlike the missing-glyph box', async (ch) => {
    const g = paragraphs(ch)[0].graphemes[0];
    expect(g.face.family).not.toBe('Letterpress NotDef');
    expect(rangesHas(readCoverage(g.face.cmapFile), ch.codePointAt(0)!)).toBe(true);
    const img = await render({ text: ch, w: 96, size: 64 });
    const box = await render({ text: MISSING, w: 96, size: 64 });
    expect(inkBounds(img, [255, 255, 255]).count).toBeGreaterThan(20);
    expect(diffCount(img, box), `"${ch}" looks like the missing-glyph box`).toBeGreaterThan(60);
  });

  it('draws a character no font has as the notdef box from our own font, one box per grapheme', async () => {
    const gs = paragraphs(`a${MISSING}${MISSING}b`)[0].graphemes;
    expect(gs.map((g) => g.face.family)).toEqual(['Inter', 'Letterpress NotDef', 'Letterpress NotDef', 'Inter']);
    expect(gs[1].text).toBe('\uE000');
    const one = inkBounds(await render({ text: MISSING }), [255, 255, 255]);
    const two = inkBounds(await render({ text: MISSING + MISSING }), [255, 255, 255]);
    expect(one.count).toBeGreaterThan(50);
    expect(two.x1 - two.x0).toBeGreaterThan(1.8 * (one.x1 - one.x0));
  });

  it('takes text-default symbols (☺ ✈) from the emoji font when no text font has them', () => {
    // With only Noto Sans after the requested family, no text font has U+263A or U+2708.
    const catalog = loadFontCatalog({ dirs: [path.join(PROJECT_ROOT, 'fonts')], packageRoot: PROJECT_ROOT, fallback: ['Noto Sans'] });
    const selector = new FontSelector(catalog);
    for (const ch of ['☺', '✈']) expect(selector.pick(ch, 'Inter', 400, 'Other', 'zh-Hans').family).toBe('Noto Color Emoji');
    // With the full chain a monochrome text glyph exists and wins (text presentation by default).
    expect(paragraphs('☺')[0].graphemes[0].face.family).not.toBe('Noto Color Emoji');
  });
});

describe('Chinese glyph forms by lang', () => {
  it('draws 骨 differently in Simplified (zh-Hans), Taiwan (zh-Hant) and Hong Kong (zh-HK) forms', async () => {
    const fam = (lang: 'zh-Hans' | 'zh-Hant' | 'zh-HK'): string => paragraphs('骨', { lang })[0].graphemes[0].face.family;
    expect([fam('zh-Hans'), fam('zh-Hant'), fam('zh-HK')]).toEqual(['Noto Sans SC', 'Noto Sans TC', 'Noto Sans HK']);
    const [hans, hant, hk] = await Promise.all(['zh-Hans', 'zh-Hant', 'zh-HK'].map((lang) => render({ text: '骨', w: 120, h: 120, size: 96, lang })));
    expect(diffCount(hans, hant)).toBeGreaterThan(100);
    expect(diffCount(hant, hk)).toBeGreaterThan(100);
    expect(diffCount(hans, hk)).toBeGreaterThan(100);
  });

  it('keeps Traditional Chinese punctuation centred: no half-em trimmed off 。，：！ in zh-Hant and zh-HK', () => {
    // Noto Sans TC/HK centre 。，、：；！？ in the em box; trimming their "blank" half (right for
    // Simplified fonts) would crash them into the next character.
    const kernAfterStop = (lang: 'zh-Hans' | 'zh-Hant' | 'zh-HK'): number => paragraphs('世界。「好」', { lang })[0].spacing?.kern[2] ?? 0;
    expect(kernAfterStop('zh-Hans')).toBe(0.5);
    expect(kernAfterStop('zh-Hant')).toBe(0);
    expect(kernAfterStop('zh-HK')).toBe(0);
    // Brackets keep their blank half in every Chinese form.
    expect(paragraphs('好」「好', { lang: 'zh-Hant' })[0].spacing?.kern[1]).toBe(0.5);
    expect(phraseModel('今天天氣很好', 'zh-HK')).toBe('zh-hant');
  });

  it('accepts lang=zh-Hant and zh-HK in posters too', async () => {
    const res = await lp.app.inject({
      method: 'POST', url: '/render',
      payload: { width: 200, height: 120, layers: [{ type: 'text', text: '骨', lang: 'zh-HK', x: 0, y: 0, width: 200, height: 120 }] },
    });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  });
});

describe('emoji sequences', () => {
  it.each(['👩‍💻', '🏳️‍⚧️', '🏴‍☠️', '👨‍👩‍👧', '1️⃣', '🇯🇵', '👏🏽'])('%s is one glyph, as wide as one emoji', async (seq) => {
    const one = inkBounds(await render({ text: '😀', w: 200, h: 120, size: 80 }), [255, 255, 255]);
    const img = inkBounds(await render({ text: seq, w: 200, h: 120, size: 80 }), [255, 255, 255]);
    expect(img.x1 - img.x0).toBeLessThan(1.25 * (one.x1 - one.x0));
  });

  // The rainbow flag's ligature is in none of the subsets @infolektuell/noto-color-emoji ships
  // (each drew 🏳 and 🌈 side by side): it is drawn from Noto's artwork (workers/emoji-art.ts).
  it('🏳️‍🌈 is one glyph, as wide as one emoji, in the rainbow\'s colours', async () => {
    const one = inkBounds(await render({ text: '😀', w: 200, h: 120, size: 80 }), [255, 255, 255]);
    const img = await render({ text: '🏳️‍🌈', w: 200, h: 120, size: 80 });
    const ink = inkBounds(img, [255, 255, 255]);
    expect(ink.x1 - ink.x0).toBeLessThan(1.15 * (one.x1 - one.x0));
    expect(ink.x1 - ink.x0).toBeGreaterThan(0.85 * (one.x1 - one.x0));
    // Where the font's emoji is: same start, same band above and below the baseline (a few px).
    expect(Math.abs(ink.x0 - one.x0)).toBeLessThanOrEqual(6);
    expect(Math.abs(ink.y0 - one.y0)).toBeLessThanOrEqual(8);
    expect(Math.abs(ink.y1 - one.y1)).toBeLessThanOrEqual(8);
    const bands = rainbowBands(img);
    for (const [name, n] of Object.entries(bands)) expect(n, `${name} band`).toBeGreaterThan(200);
  });

  it.each(['❤️‍🔥', '⛓️‍💥', '❤️‍🩹', '🏳‍🌈'])('%s (no subset forms it) is drawn as one emoji from Noto\'s artwork', async (seq) => {
    const one = inkBounds(await render({ text: '😀', w: 200, h: 120, size: 80 }), [255, 255, 255]);
    const img = inkBounds(await render({ text: seq, w: 200, h: 120, size: 80 }), [255, 255, 255]);
    expect(img.count).toBeGreaterThan(0.3 * one.count);
    expect(img.x1 - img.x0).toBeLessThan(1.15 * (one.x1 - one.x0));
  });

  it('measures artwork sequences as one emoji advance each (centred, in a row, letter-spaced)', async () => {
    for (const spacing of [0, 10]) {
      const two = inkBounds(await render({ text: '😀😀x', w: 400, h: 120, size: 80, align: 'center', letterSpacing: spacing }), [255, 255, 255]);
      const flags = inkBounds(await render({ text: '🏳️‍🌈🏳️‍🌈x', w: 400, h: 120, size: 80, align: 'center', letterSpacing: spacing }), [255, 255, 255]);
      expect(Math.abs(flags.x0 - two.x0), `letterSpacing ${spacing}`).toBeLessThanOrEqual(6);
      expect(Math.abs(flags.x1 - two.x1), `letterSpacing ${spacing}`).toBeLessThanOrEqual(3);
    }
  });

  it('draws the same bytes for the same URL, rasterising each sequence once per pixel size', async () => {
    const url = renderUrl({ text: 'Pride 🏳️‍🌈 ❤️‍🔥', w: 300, h: 100, size: 40, bg: 'ffffff' });
    const a = await lp.app.inject(url);
    expect(a.statusCode).toBe(200);
    // Another app, its image cache off: the first render rasterises, the second draws cached bitmaps.
    const fresh = await startApp({ IMAGE_CACHE_MB: '0' });
    try {
      const b = await fresh.app.inject(url);
      const before = fresh.pool.cacheStats();
      const c = await fresh.app.inject(url);
      const after = fresh.pool.cacheStats();
      expect(Buffer.compare(a.rawPayload, b.rawPayload)).toBe(0);
      expect(Buffer.compare(b.rawPayload, c.rawPayload)).toBe(0);
      expect(before.emojiArtMisses).toBe(2);
      expect(after.emojiArtMisses).toBe(2);
      expect(after.emojiArtHits).toBe(before.emojiArtHits + 2);
      const metrics = await fresh.app.inject('/metrics');
      expect(metrics.body).toMatch(/letterpress_emoji_art_misses 2\b/);
    } finally {
      await fresh.app.close();
    }
  });

  it('counts the artwork file in the font-set version (so ETags change with it)', () => {
    const dir = (extra: boolean): string => {
      const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-art-'));
      fs.copyFileSync(path.join(PROJECT_ROOT, 'fonts', 'letterpress-notdef.otf'), path.join(d, 'letterpress-notdef.otf'));
      if (extra) fs.copyFileSync(path.join(PROJECT_ROOT, 'fonts', 'emoji-sequences.json.br'), path.join(d, 'emoji-sequences.json.br'));
      return d;
    };
    const version = (d: string): string => loadFontCatalog({ dirs: [d], packageRoot: PROJECT_ROOT }).version;
    const [plain, art] = [dir(false), dir(true)];
    expect(version(art)).not.toBe(version(plain));
    fs.writeFileSync(path.join(plain, 'emoji-sequences.json.br'), 'other');
    expect(version(plain)).not.toBe(version(art));
  });

  it('draws the artwork in poster text layers, horizontal and vertical, at the device pixel ratio', async () => {
    for (const writingMode of ['horizontal', 'vertical'] as const) {
      const res = await lp.app.inject({
        method: 'POST', url: '/render',
        payload: { width: 200, height: 200, dpr: 2, background: '#ffffff', layers: [{ type: 'text', writingMode, text: '🏳️‍🌈', size: 80, fit: 'none', color: '#000000', x: 0, y: 0, width: 200, height: 200, align: 'center' }] },
      });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      const img = await decode(res.rawPayload);
      const ink = inkBounds(img, [255, 255, 255]);
      expect(ink.x1 - ink.x0, writingMode).toBeLessThan(2 * 1.3 * 80);
      for (const [name, n] of Object.entries(rainbowBands(img))) expect(n, `${writingMode} ${name} band`).toBeGreaterThan(400);
    }
  });
});

/** Pixels near each colour of Noto's rainbow flag. */
function rainbowBands(img: { data: Buffer; width: number; height: number }): Record<string, number> {
  const colours: Record<string, [number, number, number]> = {
    red: [255, 0, 0], orange: [251, 141, 0], yellow: [255, 224, 0], green: [67, 160, 71], blue: [21, 101, 192], purple: [122, 31, 166],
  };
  const counts: Record<string, number> = Object.fromEntries(Object.keys(colours).map((k) => [k, 0]));
  for (let o = 0; o < img.data.length; o += 4) {
    for (const [name, [r, g, b]] of Object.entries(colours)) {
      if (Math.abs(img.data[o] - r) + Math.abs(img.data[o + 1] - g) + Math.abs(img.data[o + 2] - b) < 60) counts[name]++;
    }
  }
  return counts;
}
