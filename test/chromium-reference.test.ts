/**
 * The typesetter agrees with Chromium. Headless Chromium (Debian's) is given the SAME font files
 * (the @fontsource @font-face CSS and files the service loads, served from node_modules over
 * loopback) and used as the reference for: line break positions (each grapheme's line from
 * `Range.getClientRects()`, against the service's own line breaker), bidi visual order (words
 * ordered by their x in Chromium, against the service's bidi levels and rule-L2 reordering), and
 * shaping (the ink columns of the service's PNG against a Chromium screenshot of the same text,
 * at a coarse tolerance). Each case reports whether it agrees and the totals are printed. When
 * written (Chromium 156, Debian 12): line breaks 24/24, bidi order 4/4, shaping 7/7 (5 texts, 2
 * rich-text span cases). Line breaks must agree in at least 80% of cases (Chromium may measure a
 * line a hair differently at a boundary), bidi order in all, shaping in all but one.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { PROJECT_ROOT } from '../src/config.js';
import { reorder } from '../workers/layout.js';
import { wrap } from '../workers/line-break.js';
import { decode, renderUrl, startApp } from './helpers.js';
import { paragraphs } from './layout-helpers.js';
import { CHROMIUM, CHROMIUM_ARGS as BASE_ARGS, requireChromium, skipBrowser } from './browser.js';

const CHROMIUM_ARGS = [...BASE_ARGS, '--font-render-hinting=none'];

/** The service's fallback order for Latin-led text (Japanese cases put JP ahead of SC, as lang=ja does). */
const FAMILIES = ['Inter', 'Noto Sans', 'Noto Sans SC', 'Noto Sans JP', 'Noto Sans KR', 'Noto Sans Arabic', 'Noto Sans Hebrew'];
const JA_FAMILIES = ['Inter', 'Noto Sans', 'Noto Sans JP', 'Noto Sans SC', 'Noto Sans KR', 'Noto Sans Arabic', 'Noto Sans Hebrew'];

interface BreakCase { name: string; text: string; width: number; size: number; ja?: boolean; keepAll?: boolean; strict?: boolean }

const LATIN = 'Typesetting is the composition of text by means of arranging physical type or its digital equivalents; it decides where every line ends.';
const HYPHENS = 'State-of-the-art, well-known line-breaking: a fine-grained, line-by-line, word-for-word comparison of break opportunities in hyphenated compounds.';
const CJK = '春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。床前明月光，疑是地上霜。举头望明月，低头思故乡。';
const JA = '東京で開催される「デザインと技術」展示会へようこそ。最新のタイポグラフィを体験してください。';
const ARABIC = 'مرحبا بكم في مؤتمر المطورين السنوي للعام ٢٠٢٦ في مدينة الرياض';
const MIXED = 'The 2026 conference (مؤتمر المطورين) starts at 9:30 in hall 12 — أهلا وسهلا بكم 100% welcome!';
const HEBREW = 'שלום עולם, ברוכים הבאים לכנס המפתחים השנתי שייערך השנה בתל אביב';
const KOREAN = '한국어 문장은 단어 단위로 줄을 바꿉니다. 서울에서 열리는 디자인 전시회에 오신 것을 환영합니다.';
const DEVANAGARI = 'नमस्ते दुनिया, क्षत्रिय स्वतंत्रता और विद्यार्थी संस्कृति की श्रृंखला';

const BREAK_CASES: BreakCase[] = [
  ...[220, 300, 380, 460].map((width) => ({ name: `Latin paragraph at ${width}px`, text: LATIN, width, size: 24 })),
  ...[200, 280, 360].map((width) => ({ name: `Latin with hyphens at ${width}px`, text: HYPHENS, width, size: 24 })),
  ...[170, 250, 330].map((width) => ({ name: `Chinese paragraph at ${width}px`, text: CJK, width, size: 24 })),
  ...[220, 310].map((width) => ({ name: `Japanese paragraph at ${width}px`, text: JA, width, size: 24, ja: true })),
  ...[220, 310].map((width) => ({ name: `Japanese paragraph, lineBreak=strict, at ${width}px`, text: JA, width, size: 24, ja: true, strict: true })),
  ...[220, 320].map((width) => ({ name: `Arabic paragraph at ${width}px`, text: ARABIC, width, size: 24 })),
  ...[260, 380].map((width) => ({ name: `mixed LTR/RTL with numbers at ${width}px`, text: MIXED, width, size: 24 })),
  ...[240, 340].map((width) => ({ name: `Devanagari at ${width}px`, text: DEVANAGARI, width, size: 24 })),
  ...[200, 300].map((width) => ({ name: `Hebrew paragraph at ${width}px`, text: HEBREW, width, size: 24 })),
  // The service sets Korean word by word: CSS word-break: keep-all.
  ...[220, 320].map((width) => ({ name: `Korean paragraph at ${width}px`, text: KOREAN, width, size: 24, keepAll: true })),
];

const BIDI_CASES: { name: string; text: string }[] = [
  { name: 'English with an Arabic phrase and numbers', text: 'Version 2 of مرحبا بكم في 2026 ships today' },
  { name: 'Arabic with English words and numbers', text: 'مرحبا بكم في مؤتمر React 2026 للمطورين رقم 12' },
  { name: 'Hebrew with a number range and English', text: 'שלום עולם 10-20 אנשים and friends' },
  { name: 'mixed with brackets', text: MIXED },
];

const SHAPE_CASES: { name: string; text: string; align: 'left' | 'right' }[] = [
  { name: 'Arabic joining', text: 'مرحبا بكم في مؤتمر المطورين', align: 'right' },
  { name: 'Arabic with marks', text: 'شَدَّة وَفَتْحَة', align: 'right' },
  { name: 'Devanagari conjuncts', text: 'क्षत्रिय स्वतंत्रता विद्यार्थी', align: 'left' },
  { name: 'Latin with kerning and ligatures', text: 'AVATAR Typography office', align: 'left' },
  { name: 'mixed LTR/RTL with numbers', text: 'Hello مرحبا 2026 world', align: 'left' },
];

/** Byte offset (UTF-16) of each grapheme of the service's paragraph. */
function graphemeOffsets(text: string): { offsets: number[]; texts: string[]; levels: number[] } {
  const p = paragraphs(text)[0];
  const offsets: number[] = [];
  let o = 0;
  for (const g of p.graphemes) {
    offsets.push(o);
    o += g.text.length;
  }
  return { offsets, texts: p.graphemes.map((g) => g.text), levels: p.graphemes.map((g) => g.level) };
}

/** Logical UTF-16 offsets where the service starts each line after the first. */
function serviceBreaks(c: BreakCase): number[] {
  const paras = paragraphs(c.text, { ...(c.ja ? { lang: 'ja' as const } : {}), ...(c.strict ? { lineBreak: 'strict' as const } : {}) });
  const { offsets } = graphemeOffsets(c.text);
  return wrap(paras, c.size, c.width, 0, false).lines.slice(1).map((l) => offsets[l.g0]);
}

describe.skipIf(skipBrowser)('the typesetter agrees with Chromium given the same fonts', () => {
  let browser: Browser;
  let page: Page;
  let server: http.Server;
  let lp: LetterpressApp;
  const tally: Record<string, { agree: number; total: number; disagree: string[] }> = {
    'line breaks': { agree: 0, total: 0, disagree: [] },
    'bidi order': { agree: 0, total: 0, disagree: [] },
    shaping: { agree: 0, total: 0, disagree: [] },
  };
  const record = (kind: string, name: string, ok: boolean, detail = ''): void => {
    tally[kind].total++;
    if (ok) tally[kind].agree++;
    else tally[kind].disagree.push(`${name}${detail ? `: ${detail}` : ''}`);
  };

  beforeAll(async () => {
    requireChromium();
    lp = await startApp({ FONT_DIRS: '', ASSET_DIRS: '', TEMPLATE_DIRS: '' });
    // The same @font-face CSS (and the files it points at) that fonts/fonts.json loads, weight 400.
    const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'fonts/fonts.json'), 'utf8')) as { css: string[] };
    const css = manifest.css.filter((c) => c.startsWith('@fontsource/') && c.endsWith('/400.css'));
    const root = path.join(PROJECT_ROOT, 'node_modules', '@fontsource');
    const html = `<!doctype html><html><head><meta charset="utf-8">${css.map((c) => `<link rel="stylesheet" href="/${c}">`).join('')}
      <style>html,body{margin:0;background:#fff}#t{color:#000;white-space:normal;overflow-wrap:break-word;hyphens:manual;-webkit-font-smoothing:antialiased;font-kerning:normal}</style></head><body><div id="t"></div></body></html>`;
    server = http.createServer((req, res) => {
      const url = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      if (url === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
        return;
      }
      const file = path.resolve(root, `.${url.replace(/^\/@fontsource/, '')}`);
      if (!file.startsWith(root + path.sep) || !fs.existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      const type = file.endsWith('.css') ? 'text/css' : file.endsWith('.woff2') ? 'font/woff2' : 'application/octet-stream';
      res.writeHead(200, { 'content-type': type }).end(fs.readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1000, height: 600 }, deviceScaleFactor: 1 });
    await page.goto(`http://127.0.0.1:${port}/`);
  });

  afterAll(async () => {
    const lines = Object.entries(tally).map(([k, t]) => `${k}: ${t.agree}/${t.total} agree${t.disagree.length ? ` (differ: ${t.disagree.join('; ')})` : ''}`);
    console.log(`Chromium reference comparison\n  ${lines.join('\n  ')}`);
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await lp?.app.close();
  });

  /** Sets the text and style of the test element and waits until its fonts have loaded. */
  async function show(text: string, style: Record<string, string>, spans?: { text: string; color?: string }[]): Promise<void> {
    await page.evaluate(async ({ text, style, spans }) => {
      const el = document.getElementById('t')!;
      el.removeAttribute('style');
      Object.assign(el.style, style);
      el.textContent = spans ? '' : text;
      for (const s of spans ?? []) {
        const span = el.appendChild(document.createElement('span'));
        span.textContent = s.text;
        if (s.color) span.style.color = s.color;
      }
      void el.offsetHeight;
      await document.fonts.ready;
      for (const f of document.fonts) if (f.status === 'loading') await f.loaded.catch(() => undefined);
      await document.fonts.ready;
    }, { text, style, spans });
  }

  /** UTF-16 offsets where Chromium starts each line after the first (by each grapheme's rect). */
  async function chromiumBreaks(c: BreakCase): Promise<number[]> {
    // The service's defaults are CSS line-break: normal and word-break: normal (Korean: keep-all);
    // its lineBreak=strict is CSS line-break: strict.
    await show(c.text, { width: `${c.width}px`, fontSize: `${c.size}px`, lineHeight: '1.5', fontFamily: (c.ja ? JA_FAMILIES : FAMILIES).map((f) => `"${f}"`).join(','), direction: 'ltr', unicodeBidi: 'plaintext', textAlign: 'start', lineBreak: c.strict ? 'strict' : 'normal', wordBreak: c.keepAll ? 'keep-all' : 'normal' });
    const { offsets, texts } = graphemeOffsets(c.text);
    return page.evaluate(({ offsets, texts, lh }) => {
      const node = document.getElementById('t')!.firstChild!;
      const range = document.createRange();
      const breaks: number[] = [];
      let lineTop: number | null = null;
      offsets.forEach((o, i) => {
        if (/^\s+$/u.test(texts[i])) return;
        range.setStart(node, o);
        range.setEnd(node, o + texts[i].length);
        const r = range.getClientRects()[0];
        if (!r) return;
        if (lineTop === null) lineTop = r.top;
        else if (r.top > lineTop + lh / 2) {
          breaks.push(o);
          lineTop = r.top;
        }
      });
      return breaks;
    }, { offsets, texts, lh: c.size * 1.5 });
  }

  it('line breaks', async () => {
    for (const c of BREAK_CASES) {
      const ours = serviceBreaks(c);
      const theirs = await chromiumBreaks(c);
      const same = ours.length === theirs.length && ours.every((b, i) => b === theirs[i]);
      record('line breaks', c.name, same, same ? '' : `ours ${JSON.stringify(ours)} vs Chromium ${JSON.stringify(theirs)}`);
    }
    const t = tally['line breaks'];
    expect(t.agree, t.disagree.join('\n')).toBeGreaterThanOrEqual(Math.ceil(t.total * 0.8));
  });

  it('bidi visual order', async () => {
    for (const c of BIDI_CASES) {
      const words = [...c.text.matchAll(/\S+/gu)].map((m) => ({ text: m[0], from: m.index!, to: m.index! + m[0].length }));
      await show(c.text, { width: '2000px', fontSize: '24px', fontFamily: FAMILIES.map((f) => `"${f}"`).join(','), unicodeBidi: 'plaintext', whiteSpace: 'nowrap' });
      // A word's place is its leftmost piece (a word can be split by bidi: in "بكم 100% welcome" the
      // digits join the Arabic run while "%" stays LTR), on both sides.
      const xs = await page.evaluate((ws) => {
        const node = document.getElementById('t')!.firstChild!;
        const range = document.createRange();
        return ws.map((w) => {
          range.setStart(node, w.from);
          range.setEnd(node, w.to);
          return Math.min(...[...range.getClientRects()].filter((r) => r.width > 0).map((r) => r.left));
        });
      }, words);
      const theirs = words.map((w, i) => ({ w: w.text, x: xs[i] })).sort((a, b) => a.x - b.x).map((e) => e.w);
      // Ours: the service's bidi levels per grapheme, reordered by rule L2 as its layout does.
      const { offsets, levels } = graphemeOffsets(c.text);
      const visual = reorder(offsets.map((o, i) => ({ o, level: levels[i] })));
      const pos = new Map(visual.map((v, i) => [v.o, i]));
      const ours = words.map((w) => ({ w: w.text, x: Math.min(...offsets.filter((o) => o >= w.from && o < w.to).map((o) => pos.get(o)!)) })).sort((a, b) => a.x - b.x).map((e) => e.w);
      const same = ours.join(' ') === theirs.join(' ');
      record('bidi order', c.name, same, same ? '' : `ours "${ours.join(' ')}" vs Chromium "${theirs.join(' ')}"`);
    }
    const t = tally['bidi order'];
    expect(t.agree, t.disagree.join('\n')).toBe(t.total);
  });

  /** Which pixel columns hold ink (any channel darker than 160). */
  function inkColumns(img: { data: Buffer; width: number; height: number }): boolean[] {
    const cols = new Array<boolean>(img.width).fill(false);
    for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) if (img.data[(y * img.width + x) * 4] < 160) cols[x] = true;
    return cols;
  }

  /** Share of inked columns of `a` with an inked column of `b` within `tol` px, taken both ways (the worse). */
  function columnAgreement(a: boolean[], b: boolean[], tol: number): number {
    const near = (cols: boolean[], x: number) => cols.slice(Math.max(0, x - tol), x + tol + 1).some(Boolean);
    const one = (p: boolean[], q: boolean[]) => {
      let n = 0, ok = 0;
      p.forEach((v, x) => {
        if (!v) return;
        n++;
        if (near(q, x)) ok++;
      });
      return n ? ok / n : 1;
    };
    return Math.min(one(a, b), one(b, a));
  }

  it('shaping: ink columns of the same text', async () => {
    const W = 900, H = 80, size = 40;
    for (const c of SHAPE_CASES) {
      const res = await lp.app.inject(renderUrl({ text: c.text, w: W, h: H, size, padding: 0, fit: 'none', align: c.align, valign: 'top', lineHeight: 1.5, bg: 'fff', color: '000' }));
      expect(res.statusCode).toBe(200);
      const ours = inkColumns(await decode(res.rawPayload));
      await show(c.text, { width: `${W}px`, height: `${H}px`, fontSize: `${size}px`, lineHeight: '1.5', fontFamily: FAMILIES.map((f) => `"${f}"`).join(','), textAlign: c.align, unicodeBidi: 'plaintext', whiteSpace: 'nowrap' });
      const shot = await page.locator('#t').screenshot();
      const theirs = inkColumns(await decode(shot));
      const agreement = columnAgreement(ours, theirs, 2);
      const span = (cols: boolean[]) => cols.lastIndexOf(true) - cols.indexOf(true);
      const widthRatio = span(ours) / Math.max(1, span(theirs));
      const same = agreement >= 0.9 && Math.abs(widthRatio - 1) <= 0.03;
      record('shaping', c.name, same, same ? '' : `column agreement ${agreement.toFixed(3)}, ink width ratio ${widthRatio.toFixed(3)}`);
    }
    const t = tally.shaping;
    expect(t.agree, t.disagree.join('\n')).toBeGreaterThanOrEqual(t.total - 1);
  });

  it('shaping across rich-text spans (a coloured span inside an Arabic word, as in a poster layer)', async () => {
    const W = 900, H = 80, size = 40;
    const cases: [string, { text: string; color?: string }[]][] = [
      ['Arabic word with a coloured middle', [{ text: 'مر' }, { text: 'حب', color: '#dc2626' }, { text: 'ا بكم' }]],
      ['Devanagari with a coloured syllable', [{ text: 'नम' }, { text: 'स्ते', color: '#dc2626' }, { text: ' दुनिया' }]],
    ];
    for (const [name, spans] of cases) {
      const align = /[\u0600-\u06ff]/u.test(spans[0].text) ? 'right' : 'left';
      const res = await lp.app.inject({ method: 'POST', url: '/render', payload: {
        width: W, height: H, background: '#ffffff',
        layers: [{ type: 'text', x: 0, y: 0, width: W, height: H, size, lineHeight: 1.5, fit: 'none', align, color: '#000000', spans }],
      } });
      expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
      const ours = inkColumns(await decode(res.rawPayload));
      await show('', { width: `${W}px`, height: `${H}px`, fontSize: `${size}px`, lineHeight: '1.5', fontFamily: FAMILIES.map((f) => `"${f}"`).join(','), textAlign: align, unicodeBidi: 'plaintext', whiteSpace: 'nowrap' }, spans);
      const theirs = inkColumns(await decode(await page.locator('#t').screenshot()));
      const agreement = columnAgreement(ours, theirs, 2);
      const span = (cols: boolean[]) => cols.lastIndexOf(true) - cols.indexOf(true);
      const widthRatio = span(ours) / Math.max(1, span(theirs));
      const same = agreement >= 0.9 && Math.abs(widthRatio - 1) <= 0.03;
      record('shaping', `${name} (spans)`, same, same ? '' : `column agreement ${agreement.toFixed(3)}, ink width ratio ${widthRatio.toFixed(3)}`);
      expect(same, name).toBe(true);
    }
  });

  it('the shaping comparison has teeth: Arabic with its joining broken (ZWNJ between letters) disagrees', async () => {
    const W = 900, H = 80, size = 40, text = 'مرحبا بكم في مؤتمر المطورين';
    const res = await lp.app.inject(renderUrl({ text, w: W, h: H, size, padding: 0, fit: 'none', align: 'right', valign: 'top', lineHeight: 1.5, bg: 'fff', color: '000' }));
    const ours = inkColumns(await decode(res.rawPayload));
    await show([...text].join('\u200c'), { width: `${W}px`, height: `${H}px`, fontSize: `${size}px`, lineHeight: '1.5', fontFamily: FAMILIES.map((f) => `"${f}"`).join(','), textAlign: 'right', unicodeBidi: 'plaintext', whiteSpace: 'nowrap' });
    const broken = inkColumns(await decode(await page.locator('#t').screenshot()));
    const span = (cols: boolean[]) => cols.lastIndexOf(true) - cols.indexOf(true);
    expect(columnAgreement(ours, broken, 2) < 0.9 || Math.abs(span(ours) / span(broken) - 1) > 0.03).toBe(true);
  });
});
