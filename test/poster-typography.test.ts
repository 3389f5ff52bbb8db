/**
 * Poster typography: balanced titles without widows, vertical Chinese/Japanese setting (columns
 * right to left, kinsoku between columns, punctuation placed or rotated, Latin words rotated as a
 * unit, tate-chu-yoko for short numbers), Korean kept whole, and text that never paints outside
 * its layer box in any mode (checked on decoded pixels).
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { NO_LINE_END, NO_LINE_START } from '../workers/itemize.js';
import { layoutVertical, type VerticalLayout } from '../workers/vertical-layout.js';
import { decode, inkBounds, inProcessFonts, startApp } from './helpers.js';
import { layout, opts, paragraphs, visualLines, wrappedLines } from './layout-helpers.js';

const corpus = JSON.parse(fs.readFileSync(new URL('./fixtures/corpus/text-samples.json', import.meta.url), 'utf8')) as { samples: { id: string; scripts: string[]; text: string }[] };

function vertical(text: string, over: Partial<Parameters<typeof layoutVertical>[1]> = {}): VerticalLayout {
  const o = { ...opts({ box: { x: 0, y: 0, w: 400, h: 400 }, size: 40, align: 'right' }), ...over };
  return layoutVertical(paragraphs(text, { lang: 'auto' }), o, inProcessFonts().selector, false);
}

/** Columns of a vertical layout, right to left, each as its units' text. */
function columns(l: VerticalLayout): string[][] {
  const byX = new Map<number, string[]>();
  for (const g of l.glyphs) byX.set(g.cx, [...(byX.get(g.cx) ?? []), g.text]);
  return [...byX.entries()].sort((a, b) => b[0] - a[0]).map(([, units]) => units);
}

describe('balanced titles', () => {
  const title = 'A headline that greedy line breaking leaves with one orphan word';
  it('at every width where greedy breaking leaves a one-word last line, balance does not', () => {
    let widows = 0;
    for (let w = 300; w <= 900; w += 10) {
      const greedy = visualLines(layout(title, { box: { x: 0, y: 0, w, h: 2000 } }));
      if (greedy.length < 2 || greedy.at(-1)!.text.trim().split(/\s+/).length > 1) continue;
      widows++;
      const balanced = visualLines(layout(title, { box: { x: 0, y: 0, w, h: 2000 }, balance: true }));
      expect(balanced, `width ${w}`).toHaveLength(greedy.length);
      expect(balanced.at(-1)!.text.trim().split(/\s+/).length, `width ${w}`).toBeGreaterThan(1);
    }
    expect(widows).toBeGreaterThan(2);
  });
  it('balanced lines have even lengths and keep the line count, for every corpus sample', () => {
    for (const s of corpus.samples) {
      const o = { box: { x: 0, y: 0, w: 500, h: 2000 }, size: 36 };
      const greedy = visualLines(layout(s.text, o));
      const balanced = visualLines(layout(s.text, { ...o, balance: true }));
      expect(balanced.length, s.id).toBe(greedy.length);
      if (balanced.length < 2 || s.text.includes('\n')) continue;
      const widths = balanced.map((l) => l.x1 - l.x0);
      const spread = (Math.max(...widths) - Math.min(...widths)) / Math.max(...widths);
      const greedySpread = (() => {
        const w = greedy.map((l) => l.x1 - l.x0);
        return (Math.max(...w) - Math.min(...w)) / Math.max(...w);
      })();
      expect(spread, s.id).toBeLessThanOrEqual(greedySpread + 1e-6);
      for (const l of balanced) expect(NO_LINE_START.has([...l.text.trim()][0] ?? ''), `${s.id}: ${l.text}`).toBe(false);
    }
  });
});

describe('Korean is broken between words, not between syllables', () => {
  it('a narrow line moves the whole word', () => {
    const lines = wrappedLines('안녕하세요 세계 여러분 반갑습니다', 260);
    for (const l of lines) for (const w of l.trim().split(' ')) expect(['안녕하세요', '세계', '여러분', '반갑습니다']).toContain(w);
  });
});

describe('vertical writing mode', () => {
  it('columns run right to left and characters top to bottom', () => {
    const l = vertical('一二三\n四五六');
    const first = l.glyphs.filter((g) => '一二三'.includes(g.text));
    const second = l.glyphs.filter((g) => '四五六'.includes(g.text));
    expect(first[0].cx).toBeGreaterThan(second[0].cx);
    expect(first.map((g) => g.top)).toEqual([...first.map((g) => g.top)].sort((a, b) => a - b));
    expect(first[0].cx).toBeCloseTo(400 - 0.5 * 1.25 * 40, 5); // align right: the first column at the right edge
  });
  it('no column starts with closing punctuation or ends with opening punctuation (every CJK corpus sample, many heights)', () => {
    const cjk = corpus.samples.filter((s) => s.scripts.some((x) => ['Hans', 'Hant', 'Jpan', 'Kore'].includes(x)));
    expect(cjk.length).toBeGreaterThan(2);
    for (const s of cjk) {
      for (let h = 120; h <= 600; h += 40) {
        for (const col of columns(vertical(s.text, { box: { x: 0, y: 0, w: 4000, h } }))) {
          expect(NO_LINE_START.has(col[0][0]), `${s.id} h=${h}: ${col.join('')}`).toBe(false);
          expect(NO_LINE_END.has(col.at(-1)!.at(-1)!), `${s.id} h=${h}: ${col.join('')}`).toBe(false);
        }
      }
    }
  });
  it('punctuation is placed for vertical text: ，。、 in the corner, brackets in their vertical forms, dashes rotated, small kana shifted', () => {
    const l = vertical('東京、「渋谷」。ちょっと——。');
    const mode = (t: string) => l.glyphs.find((g) => g.text === t)!.mode;
    expect(mode('、')).toBe('corner');
    expect(mode('。')).toBe('corner');
    expect(mode('﹁')).toBe('upright'); // vertical presentation forms
    expect(mode('﹂')).toBe('upright');
    expect(mode('—')).toBe('dash'); // rotated, stretched over its cell: —— joins
    expect(mode('ょ')).toBe('small');
    expect(mode('東')).toBe('upright');
  });
  it('Latin words are rotated as a unit; one or two digits stand upright together (tate-chu-yoko)', () => {
    const l = vertical('第12届 Design Week 2026 开幕');
    const units = l.glyphs.map((g) => [g.text, g.mode]);
    expect(units).toContainEqual(['12', 'tcy']);
    expect(units).toContainEqual(['Design', 'rotate']);
    expect(units).toContainEqual(['Week', 'rotate']);
    expect(units).toContainEqual(['2026', 'rotate']);
    const design = l.glyphs.find((g) => g.text === 'Design')!;
    expect(design.advance).toBeCloseTo(design.width, 5); // a rotated word takes its width as vertical advance
  });
  it('fit=shrink shrinks until the columns fit; maxLines ends the last column with an ellipsis', () => {
    const text = '床前明月光，疑是地上霜。举头望明月，低头思故乡。';
    const fitted = vertical(text, { box: { x: 0, y: 0, w: 120, h: 300 }, size: 80, fit: 'shrink' });
    expect(fitted.size).toBeLessThan(80);
    expect(fitted.truncated).toBe(false);
    expect(fitted.lines * fitted.size * 1.25).toBeLessThanOrEqual(120 + 1e-6);
    const cut = vertical(text, { box: { x: 0, y: 0, w: 400, h: 200 }, maxLines: 2 });
    expect(cut.truncated).toBe(true);
    expect(columns(cut)).toHaveLength(2);
    expect(columns(cut)[1].at(-1)).toBe('︙'); // the ellipsis in its vertical form
    for (const g of cut.glyphs) expect(g.top + g.advance).toBeLessThanOrEqual(200 + 1e-6);
  });
});

describe('text never paints outside its layer box', () => {
  let lp: LetterpressApp;
  beforeAll(async () => {
    lp = await startApp();
  });
  afterAll(async () => lp.app.close());

  const box = { x: 100, y: 60, width: 240, height: 120 };
  const modes: [string, Record<string, unknown>][] = [
    ['horizontal, fit none, overflowing', { text: 'Overflowing text that is far too large for its box at this size', size: 90, fit: 'none' }],
    ['horizontal with stroke and shadow', { text: 'Stroke', size: 110, fit: 'none', stroke: { color: '#000', width: 12 }, shadow: { color: '#000', blur: 30, x: 40, y: 40 } }],
    ['horizontal ellipsis', { text: '很长很长的中文标题需要省略号来结束这一行文字', size: 50, maxLines: 1 }],
    ['rich spans, fit none', { spans: [{ text: 'Big ' }, { text: 'BOLD', weight: 900 }, { text: ' 文字' }], size: 140, fit: 'none' }],
    ['vertical, fit none', { text: '竖排文字一直写到框外面去了，还有更多的字', writingMode: 'vertical', size: 70, fit: 'none' }],
    ['vertical with stroke', { text: '描边「竖排」Latin', writingMode: 'vertical', size: 80, fit: 'none', stroke: { color: '#000', width: 10 } }],
    ['RTL', { text: 'مرحبا بكم في مؤتمر المطورين السنوي', size: 100, fit: 'none', direction: 'rtl', align: 'right' }],
    ['text background box', { text: 'Boxed', size: 100, fit: 'none', background: { color: '#000', padding: 10, radius: 8 } }],
  ];
  for (const [name, layer] of modes) {
    for (const dpr of [1, 2]) {
      it(`${name} (dpr ${dpr})`, async () => {
        const res = await lp.app.inject({ method: 'POST', url: '/render', payload: { width: 440, height: 240, dpr, background: '#ffffff', layers: [{ type: 'text', ...box, color: '#000000', ...layer }] } });
        expect(res.statusCode, res.body).toBe(200);
        const ink = inkBounds(await decode(res.rawPayload), [255, 255, 255], 8);
        expect(ink.count).toBeGreaterThan(100);
        expect(ink.x0).toBeGreaterThanOrEqual(box.x * dpr);
        expect(ink.y0).toBeGreaterThanOrEqual(box.y * dpr);
        expect(ink.x1).toBeLessThan((box.x + box.width) * dpr);
        expect(ink.y1).toBeLessThan((box.y + box.height) * dpr);
      });
    }
  }
  it('vertical text starts in the top-right of its box and its second column is to the left (decoded pixels)', async () => {
    const res = await lp.app.inject({ method: 'POST', url: '/render', payload: { width: 200, height: 200, background: '#ffffff', layers: [{ type: 'text', writingMode: 'vertical', size: 60, spans: [{ text: '一', color: '#ff0000' }, { text: '\n二', color: '#0000ff' }] }] } });
    const img = await decode(res.rawPayload);
    const only = (keep: (r: number, g: number, b: number) => boolean) => {
      const data = Buffer.from(img.data);
      for (let i = 0; i < data.length; i += 4) if (!keep(data[i], data[i + 1], data[i + 2])) data.fill(255, i, i + 3);
      return inkBounds({ ...img, data }, [255, 255, 255], 8);
    };
    const first = only((r, g, b) => r > 150 && g < 100 && b < 100); // 一, red
    const second = only((r, g, b) => b > 150 && r < 100 && g < 100); // 二, blue
    expect(first.count).toBeGreaterThan(20);
    expect(second.count).toBeGreaterThan(20);
    expect(first.x1).toBeGreaterThan(150); // 一 in the rightmost column
    expect(first.y0).toBeLessThan(40); // at the top
    expect(second.x1).toBeLessThan(first.x0); // the next column is to its left
  });
});
