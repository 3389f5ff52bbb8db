/**
 * Rich-text spans never break shaping: a span boundary inside an Arabic word keeps the letters
 * joined, one inside a Devanagari conjunct keeps the conjunct, one between a base and its
 * combining mark keeps the mark on its base. Checked on decoded pixels: the ink of the multi-span
 * render has the same shape as the single-span render, and the span's colour lands on its letters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { normalizeSpans } from '../workers/text-normalize.js';
import { decode, startApp } from './helpers.js';

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp({ FONT_DIRS: '', ASSET_DIRS: '', TEMPLATE_DIRS: '' });
});
afterAll(async () => lp.app.close());

type Img = { data: Buffer; width: number; height: number };

async function render(spans: { text: string; color?: string }[], extra: Record<string, unknown> = {}): Promise<Img> {
  const res = await lp.app.inject({
    method: 'POST', url: '/render',
    payload: { width: 500, height: 200, background: '#ffffff', layers: [{ type: 'text', x: 20, y: 20, width: 460, height: 160, size: 96, color: '#000000', spans, ...extra }] },
  });
  expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
  return decode(res.rawPayload);
}

const inked = (img: Img, i: number): boolean => img.data[i * 4] < 200 || img.data[i * 4 + 1] < 200 || img.data[i * 4 + 2] < 200;
const isRed = (img: Img, i: number): boolean => img.data[i * 4] > 150 && img.data[i * 4 + 1] < 90 && img.data[i * 4 + 2] < 90;

/** Pixels inked in one image and not the other, as a fraction of the inked pixels. */
function shapeDiff(a: Img, b: Img): number {
  let diff = 0, ink = 0;
  for (let i = 0; i < a.width * a.height; i++) {
    const x = inked(a, i), y = inked(b, i);
    if (x || y) ink++;
    if (x !== y) diff++;
  }
  return diff / Math.max(1, ink);
}

function columnsOf(img: Img, pred: (img: Img, i: number) => boolean): { x0: number; x1: number; n: number } {
  let x0 = Infinity, x1 = -1, n = 0;
  for (let i = 0; i < img.width * img.height; i++) {
    if (!pred(img, i)) continue;
    n++;
    x0 = Math.min(x0, i % img.width);
    x1 = Math.max(x1, i % img.width);
  }
  return { x0, x1, n };
}

describe('a span boundary does not change the shapes', () => {
  const cases: [string, string[], Record<string, unknown>?][] = [
    ['Arabic joining across spans (مر[حب]ا)', ['مر', 'حب', 'ا'], { direction: 'rtl', align: 'right' }],
    ['a Devanagari conjunct across spans (नमस्[ते])', ['नमस्', 'ते', '']],
    ['a combining mark in another span than its base (e + U+0301)', ['e', '\u0301', 'x']],
  ];
  for (const [name, parts, extra] of cases) {
    it(name, async () => {
      const whole = await render([{ text: parts.join('') }], extra);
      const split = await render(parts.filter(Boolean).map((text, i) => (i === 1 ? { text, color: '#dc2626' } : { text })), extra);
      expect(shapeDiff(whole, split)).toBeLessThan(0.01);
    });
  }

  it('the coloured span paints its own letters: red in the middle of the Arabic word, black on both sides', async () => {
    const img = await render([{ text: 'مر' }, { text: 'حب', color: '#dc2626' }, { text: 'ا' }], { direction: 'rtl', align: 'right' });
    const red = columnsOf(img, isRed);
    const all = columnsOf(img, inked);
    expect(red.n).toBeGreaterThan(200);
    expect(red.x0).toBeGreaterThan(all.x0 + 10); // alef (leftmost, last in logical order) stays black
    expect(red.x1).toBeLessThan(all.x1 - 30); // meem and reh (rightmost) stay black
  });

  it('with a shadow, the run casts one shadow and the spans keep their colours', async () => {
    const extra = { direction: 'rtl', align: 'right', shadow: { color: '#0000ff', blur: 0, x: 6, y: 6 } };
    const whole = await render([{ text: 'مرحبا' }], extra);
    const split = await render([{ text: 'مر' }, { text: 'حب', color: '#dc2626' }, { text: 'ا' }], extra);
    expect(shapeDiff(whole, split)).toBeLessThan(0.01);
    expect(columnsOf(split, isRed).n).toBeGreaterThan(200);
  });
});

describe('span texts are normalised as one text', () => {
  it('a combining mark that opens a span joins its base (and composes with it)', () => {
    expect(normalizeSpans(['e', '\u0301', 'x'])).toEqual(['é', '', 'x']);
    expect(normalizeSpans(['Vie', '\u0323\u0302t'])).toEqual(['Việ', 't']);
    expect(normalizeSpans(['مر', 'حب', 'ا'])).toEqual(['مر', 'حب', 'ا']);
  });
});
