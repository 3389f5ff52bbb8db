/**
 * CJK typography: CSS line-break / word-break options (strict, normal, loose, anywhere;
 * keep-all, auto-phrase with BudouX), curly quotes set as CJK quotes between Han and kana,
 * adjacent punctuation compressed to 1.5 em (JLREQ 3.1.4, CLREQ), the CJK ellipsis, and vertical
 * text (continuous 2-em dash, small kana off column tops under strict).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { canonicalString } from '../src/etag.js';
import { canonicalize, type RenderQuery } from '../src/params.js';
import { phraseModel, phraseParser } from '../workers/break-rules.js';
import { wrap } from '../workers/line-break.js';
import type { LineBreak } from '../workers/protocol.js';
import { layoutVertical, type VerticalLayout } from '../workers/vertical-layout.js';
import { decode, inProcessFonts, renderUrl, startApp, testConfig } from './helpers.js';
import { layout, opts, paragraphs, visualLines, wrappedLines } from './layout-helpers.js';

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp();
});
afterAll(async () => lp?.app.close());

const toCorner = (s: string): string => s.replace(/“/g, '「').replace(/”/g, '」').replace(/‘/g, '『').replace(/’/g, '』');

describe('curly quotes in Chinese break like the CJK quotes they stand for', () => {
  const curly = '他说：“这件事不可能完成。”随后，全场响起了掌声。';
  it('不可能 is never split where the 「」 version keeps it whole: line breaks match the 「」 version at every width', () => {
    for (let w = 100; w <= 800; w += 4) {
      const a = wrappedLines(curly, w).map(toCorner);
      const b = wrappedLines(toCorner(curly), w);
      expect(a, `width ${w}`).toEqual(b);
    }
  });
  it('they take the CJK font and its full-width metrics (as 「」 do), even opening a paragraph', () => {
    const p = paragraphs('“不可能”他说。')[0];
    for (const q of ['“', '”']) expect(p.graphemes.find((g) => g.text === q)!.face.family).toBe('Noto Sans SC');
  });
  it('Western quotes stay Western: “Hello” in Latin text keeps the Latin font', () => {
    const p = paragraphs('He said “Hello” twice')[0];
    expect(p.graphemes.find((g) => g.text === '“')!.face.family).toBe('Inter');
  });
});

describe('adjacent CJK punctuation is compressed (JLREQ 3.1.4, CLREQ)', () => {
  const size = 40;
  /** Width in em of a one-line layout of `text`. */
  const em = (text: string, lang: 'ja' | 'zh-Hans'): number => {
    const l = visualLines(layout(text, { size, box: { x: 0, y: 0, w: 2000, h: 200 } }, { lang }));
    expect(l).toHaveLength(1);
    return (l[0].x1 - l[0].x0) / size;
  };
  for (const lang of ['ja', 'zh-Hans'] as const) {
    for (const pair of ['」（', '。「', '、「', '）」', '。」', '（「', '」」']) {
      it(`${pair} takes 1.5 em, not 2 (${lang})`, () => {
        expect(em(`一${pair}二`, lang)).toBeCloseTo(3.5, 2);
      });
    }
    it(`「」 (nothing to trim between them) keeps 2 em (${lang})`, () => {
      expect(em('一「」二', lang)).toBeCloseTo(4, 2);
    });
  }
  it('the opening bracket is drawn half an em early: its blank left half overlaps the closing mark’s blank right half', () => {
    const l = layout('東京」（日本', { size, box: { x: 0, y: 0, w: 2000, h: 200 } }, { lang: 'ja' });
    const close = l.runs.find((r) => r.text.endsWith('」'))!;
    const open = l.runs.find((r) => r.text.startsWith('（'))!;
    expect(open.x - (close.x + close.width)).toBeCloseTo(-size / 2, 3);
  });
  it('Chinese ：“ and ！” are compressed too (Simplified Chinese fonts set ：！ on the left)', () => {
    expect(em('一：“二', 'zh-Hans')).toBeCloseTo(3.5, 2);
    expect(em('一！”二', 'zh-Hans')).toBeCloseTo(3.5, 2);
  });
  it('an opening bracket starting a later line loses its blank left half; the first line keeps it', () => {
    const l = visualLines(layout('一二三四五「六七」', { size, box: { x: 0, y: 0, w: 5 * size + 5, h: 400 } }, { lang: 'ja' }));
    expect(l[1].text.startsWith('「')).toBe(true);
    expect(l[1].x0).toBeCloseTo(-size / 2, 3);
    const first = visualLines(layout('「六七」', { size, box: { x: 0, y: 0, w: 400, h: 400 } }, { lang: 'ja' }));
    expect(first[0].x0).toBeCloseTo(0, 3);
  });
  it('a line ending in a stop may hang its blank half rather than break early', () => {
    // 5 ideographs + 。 = 6 em; a 5.6 em box holds them when 。 keeps only its inked half.
    const lines = wrappedLines('一二三四五。六七', 5.6 * size, size, { lang: 'ja' });
    expect(lines[0]).toBe('一二三四五。');
  });
  it('compression shows in the pixels: 」（ draws narrower than 」 and （ apart', async () => {
    const ink = async (text: string): Promise<number> => {
      const res = await lp.app.inject(renderUrl({ text, w: 600, h: 120, size: 80, fit: 'none', align: 'left', padding: 10, lang: 'ja' }));
      const img = await decode(res.rawPayload);
      let x0 = Infinity, x1 = -1;
      for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) if (img.data[(y * img.width + x) * 4] < 128) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); }
      return x1 - x0;
    };
    const pair = await ink('」（');
    const spaced = await ink('」一（'); // an ideograph between: nothing to trim, so 1 em more than an uncompressed pair
    expect(spaced - pair).toBeGreaterThan(80 * 1.5 - 4); // 1 em for 一 + the half em trimmed from the pair
  });
});

describe('lineBreak', () => {
  it('normal (default) lets small kana and ー start a line, as browsers do; strict does not', () => {
    const text = 'タイポグラフィ';
    const normal = wrappedLines(text, 6 * 40 + 5, 40, { lang: 'ja' });
    const strict = wrappedLines(text, 6 * 40 + 5, 40, { lang: 'ja', lineBreak: 'strict' });
    expect(normal).toEqual(['タイポグラフ', 'ィ']);
    expect(strict).toEqual(['タイポグラ', 'フィ']);
  });
  it('loose also lets iteration marks and 。‥… leaders start a line', () => {
    expect(wrappedLines('一二三四五々六', 5 * 40 + 5, 40, { lineBreak: 'normal' })[1]).toBe('五々六');
    expect(wrappedLines('一二三四五々六', 5 * 40 + 5, 40, { lineBreak: 'loose' })[1]).toBe('々六');
    expect(wrappedLines('一二三四五…六', 5 * 40 + 5, 40, { lineBreak: 'loose' })[1]).toBe('…六');
  });
  it('anywhere breaks between any two graphemes, inside words and around punctuation, with no emergency', () => {
    const p = paragraphs('Hello, 世界。', { lineBreak: 'anywhere' })[0];
    expect(p.segments.every((s) => s.g1 - s.g0 === 1)).toBe(true);
    const r = wrap(paragraphs('Typography', { lineBreak: 'anywhere' }), 40, 100, 0, false);
    expect(r.emergency).toBe(false);
    expect(r.lines.length).toBeGreaterThan(2);
    // kinsoku does not hold: a line may start with 。
    expect(wrappedLines('一二三四。五', 4 * 40 + 5, 40, { lineBreak: 'anywhere' })[1]).toBe('。五');
    expect(wrappedLines('一二三四。五', 4 * 40 + 5, 40)[1]).toBe('四。五');
  });
  it('a GET render takes lineBreak and wordBreak; normal ones stay out of the canonical string (existing URLs and signatures keep theirs)', async () => {
    const cfg = testConfig();
    const base = canonicalString(canonicalize('png', { text: 'ちょっと' } as RenderQuery, cfg, lp.catalog));
    expect(canonicalString(canonicalize('png', { text: 'ちょっと', lineBreak: 'normal', wordBreak: 'normal' } as unknown as RenderQuery, cfg, lp.catalog))).toBe(base);
    const strict = canonicalString(canonicalize('png', { text: 'ちょっと', lineBreak: 'strict', wordBreak: 'auto-phrase' } as unknown as RenderQuery, cfg, lp.catalog));
    expect(strict).toContain('"lineBreak":"strict","wordBreak":"auto-phrase"');
    const q = { text: 'タイポグラフィ', w: 265, h: 120, size: 40, fit: 'none', padding: 10 };
    const a = await lp.app.inject(renderUrl(q));
    const b = await lp.app.inject(renderUrl({ ...q, lineBreak: 'strict' }));
    expect(a.statusCode).toBe(200);
    expect(b.statusCode).toBe(200);
    expect(a.headers.etag).not.toBe(b.headers.etag);
    expect(Buffer.compare(a.rawPayload, b.rawPayload)).not.toBe(0);
  });
  it('a poster text layer takes them for all its spans', async () => {
    const layer = (lineBreak?: string) => ({ type: 'text', x: 0, y: 0, width: 6 * 40 + 5, height: 200, size: 40, fit: 'none', lang: 'ja', ...(lineBreak ? { lineBreak } : {}), spans: [{ text: 'タイポ' }, { text: 'グラフィ', color: '#c00' }] });
    const render = async (lb?: string) => (await lp.app.inject({ method: 'POST', url: '/render', payload: { width: 300, height: 200, layers: [layer(lb)] } })).rawPayload;
    expect(Buffer.compare(await render(), await render('strict'))).not.toBe(0);
    expect(Buffer.compare(await render(), await render('normal'))).toBe(0);
  });
});

describe('wordBreak', () => {
  const headline = 'タイポグラフィとデザインの基本を学ぶ';
  it('auto-phrase keeps デザイン and タイポグラフィ whole in a narrow headline (at every width that fits the longest phrase)', () => {
    let splitByNormal = 0;
    for (let w = 460; w <= 1000; w += 10) {
      const lines = wrappedLines(headline, w, 56, { wordBreak: 'auto-phrase' });
      expect(lines.join(''), `width ${w}`).toBe(headline);
      const joined = lines.join('|');
      expect(joined, `width ${w}`).toContain('タイポグラフィ');
      expect(joined, `width ${w}`).toContain('デザイン');
      const normal = wrappedLines(headline, w, 56).join('|');
      if (!normal.includes('タイポグラフィ') || !normal.includes('デザイン')) splitByNormal++;
    }
    expect(splitByNormal).toBeGreaterThan(0); // without auto-phrase these widths split a word
  });
  it('BudouX parsers are built once per worker and picked by language', () => {
    expect(phraseParser('ja')).toBe(phraseParser('ja'));
    expect(phraseModel('タイポグラフィ', 'zh-Hans')).toBe('ja');
    expect(phraseModel('我们发布了新的服务', 'zh-Hans')).toBe('zh-hans');
    expect(phraseModel('我們發佈了新的服務，歡迎體驗', 'zh-Hans')).toBe('zh-hant');
    expect(phraseModel('안녕하세요', 'ko')).toBeNull();
  });
  it('auto-phrase picks the Chinese model for Chinese text', () => {
    const lines = wrappedLines('我们今天发布了全新的图片渲染服务', 7 * 48 + 5, 48, { wordBreak: 'auto-phrase' });
    expect(lines.join('')).toBe('我们今天发布了全新的图片渲染服务');
    for (const l of lines) expect(l.startsWith('们') || l.startsWith('天')).toBe(false);
  });
  it('keep-all breaks Chinese only at punctuation and spaces', () => {
    const text = '双十一限时特惠，全场商品五折起！';
    expect(wrappedLines(text, 10 * 40, 40, { wordBreak: 'keep-all' })).toEqual(['双十一限时特惠，', '全场商品五折起！']);
  });
  it('Korean stays whole between spaces under every word-break (the project default, as keep-all)', () => {
    for (const wordBreak of ['normal', 'keep-all', 'auto-phrase'] as const) {
      const lines = wrappedLines('안녕하세요 세계 여러분 반갑습니다', 260, 40, { wordBreak });
      for (const l of lines) for (const w of l.trim().split(' ')) expect(['안녕하세요', '세계', '여러분', '반갑습니다']).toContain(w);
    }
  });
});

describe('the ellipsis of truncated text', () => {
  it('after Han or kana is the CJK font’s …, centred on the em box; after Latin, the Latin one', () => {
    const zh = layout('这是一段非常长的中文文本用来测试截断时的省略号', { size: 40, maxLines: 1, box: { x: 0, y: 0, w: 300, h: 400 } });
    expect(zh.truncated).toBe(true);
    const ell = zh.runs.at(-1)!;
    expect(ell.text).toBe('…');
    expect(ell.face.family).toBe('Noto Sans SC');
    expect(ell.width).toBeCloseTo(40, 1); // one em
    const ja = layout('東京で開催されるデザインと技術の展示会へようこそ', { size: 40, maxLines: 1, box: { x: 0, y: 0, w: 300, h: 400 } });
    expect(ja.runs.at(-1)!.face.family).toBe('Noto Sans JP');
    const en = layout('A headline that is far too long for its box', { size: 40, maxLines: 1, box: { x: 0, y: 0, w: 300, h: 400 } });
    expect(en.runs.at(-1)!.face.family).toBe('Inter');
    for (const l of [zh, ja, en]) expect(Math.max(...l.runs.map((r) => r.x + r.width))).toBeLessThanOrEqual(300 + 1e-6);
  });
});

describe('vertical text', () => {
  function vertical(text: string, h: number, lineBreak?: LineBreak): VerticalLayout {
    const o = { ...opts({ box: { x: 0, y: 0, w: 2000, h }, size: 40, align: 'right' }) };
    return layoutVertical(paragraphs(text, { lang: 'ja', lineBreak }), o, inProcessFonts().selector, false);
  }
  const columns = (l: VerticalLayout): string[] => {
    const byX = new Map<number, string>();
    for (const g of l.glyphs) byX.set(g.cx, (byX.get(g.cx) ?? '') + g.text);
    return [...byX.entries()].sort((a, b) => b[0] - a[0]).map(([, t]) => t);
  };
  const SMALL = /^[ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ]/u;
  it('under strict no column starts with small kana; under normal one may (as CSS says for lines)', () => {
    const text = 'ちょっとまってください、いっしょにいこう';
    let normalStarts = 0;
    for (let h = 120; h <= 400; h += 40) {
      for (const c of columns(vertical(text, h, 'strict')).slice(1)) expect(SMALL.test(c), `h=${h}: ${c}`).toBe(false);
      if (columns(vertical(text, h)).slice(1).some((c) => SMALL.test(c))) normalStarts++;
    }
    expect(normalStarts).toBeGreaterThan(0);
  });
  it('—— is two touching cells, never split between columns, drawn as one continuous line (decoded pixels)', async () => {
    const l = vertical('彼は——そう言った', 2000);
    const dashes = l.glyphs.filter((g) => g.text === '—');
    expect(dashes.map((d) => d.mode)).toEqual(['dash', 'dash']);
    expect(dashes[1].top).toBeCloseTo(dashes[0].top + dashes[0].advance, 6);
    for (let h = 80; h <= 400; h += 40) for (const c of columns(vertical('彼は——そう言った', h))) expect(c.startsWith('—') && c[1] !== '—', `h=${h}`).toBe(false);
    const size = 100;
    const doc = { width: 200, height: 600, background: '#ffffff', layers: [{ type: 'text', writingMode: 'vertical', text: '一——二', size, fit: 'none', color: '#000000', x: 0, y: 0, width: 200, height: 600, align: 'center' }] };
    const res = await lp.app.inject({ method: 'POST', url: '/render', payload: doc });
    const img = await decode(res.rawPayload);
    const inkAt = (y: number): boolean => {
      for (let x = 50; x < 150; x++) if (img.data[(y * img.width + x) * 4] < 64) return true;
      return false;
    };
    // The dashes fill the cells [size, 3 size) from the top: every row has ink, the seam included.
    let gaps = 0;
    for (let y = size + 1; y < 3 * size - 1; y++) if (!inkAt(y)) gaps++;
    expect(gaps).toBe(0);
  });
});

describe('w=auto', () => {
  it('sizes CJK text with compressed punctuation to exactly one line', async () => {
    const res = await lp.app.inject(renderUrl({ text: '「東京」（日本）。「大阪」、「京都」', w: 'auto', h: 'auto', size: 40, padding: 8, lang: 'ja' }));
    expect(res.statusCode).toBe(200);
    const { naturalWidth } = await import('../workers/auto-size.js');
    const paras = paragraphs('「東京」（日本）。「大阪」、「京都」', { lang: 'ja' });
    const w = naturalWidth(paras[0], 40, 0);
    expect(w).toBeCloseTo(40 * (18 - 2.5), 1); // 18 characters; 」（ ）。 。「 」、 、「 each trim half an em
    expect(wrap(paras, 40, w, 0, false).lines).toHaveLength(1);
    const img = await decode(res.rawPayload);
    expect(img.width).toBe(Math.ceil(w + 16));
  });
});
