import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { decode, inkBounds, renderUrl, startApp } from './helpers.js';

const corpus = JSON.parse(fs.readFileSync(new URL('./fixtures/corpus/text-samples.json', import.meta.url), 'utf8')) as { samples: { id: string; text: string }[] };

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp();
});
afterAll(async () => {
  await lp?.app.close();
});

async function render(params: Record<string, string | number>, format = 'png') {
  const res = await lp.app.inject(renderUrl(params, format));
  expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
  return decode(res.rawPayload);
}

describe('rendered pixels', () => {
  it.each([1, 2, 3, 1.5])('outputs w*dpr by h*dpr pixels (dpr %s)', async (dpr) => {
    const img = await render({ text: 'Sharp', w: 300, h: 157, dpr });
    expect([img.width, img.height]).toEqual([Math.round(300 * dpr), Math.round(157 * dpr)]);
  });

  const overflowing = corpus.samples.map((s) => s.text).join(' ');
  it.each([
    { align: 'left', valign: 'top' },
    { align: 'right', valign: 'bottom' },
    { align: 'center', valign: 'middle', direction: 'rtl' },
    { align: 'left', valign: 'top', letterSpacing: 12 },
  ])('paints text only inside the padded box, even when it overflows (%o)', async (extra) => {
    const pad = 40, dpr = 2, w = 500, h = 260;
    const img = await render({ text: overflowing, w, h, dpr, padding: pad, size: 56, fit: 'none', bg: 'ffffff', color: '000000', ...extra });
    const ink = inkBounds(img, [255, 255, 255], 0);
    expect(ink.count).toBeGreaterThan(1000);
    expect(ink.x0).toBeGreaterThanOrEqual(pad * dpr);
    expect(ink.y0).toBeGreaterThanOrEqual(pad * dpr);
    expect(ink.x1).toBeLessThan((w - pad) * dpr);
    expect(ink.y1).toBeLessThan((h - pad) * dpr);
  });

  it('renders every character of a mixed-script sample differently from a character no font has (no tofu)', async () => {
    const tofu = await render({ text: '\u{10FFFD}', w: 96, h: 96, padding: 8, size: 64, fit: 'none' });
    const sample = corpus.samples.find((s) => s.id === 'everything')!.text + '한국어العربيةעברית简体中文日本語';
    const chars = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(sample)].map((s) => s.segment).filter((g) => g.trim());
    for (const ch of chars) {
      const img = await render({ text: ch, w: 96, h: 96, padding: 8, size: 64, fit: 'none' });
      let diff = 0;
      for (let i = 0; i < img.data.length; i += 4) if (Math.abs(img.data[i] - tofu.data[i]) > 40) diff++;
      expect(diff, `"${ch}" looks like the missing-glyph box`).toBeGreaterThan(60);
    }
  });

  it('draws emoji in colour', async () => {
    const img = await render({ text: '👋', w: 96, h: 96, padding: 8, size: 64, color: '000000' });
    let coloured = 0;
    for (let i = 0; i < img.data.length; i += 4) {
      const [r, g, b] = [img.data[i], img.data[i + 1], img.data[i + 2]];
      if (Math.max(r, g, b) - Math.min(r, g, b) > 80) coloured++;
    }
    expect(coloured).toBeGreaterThan(500);
  });

  it('shapes Arabic: joined letters differ from the same letters kept apart', async () => {
    const joined = await render({ text: 'مرحبا', w: 300, h: 100, fit: 'none', size: 48 });
    const apart = await render({ text: [...'مرحبا'].join('\u200C'), w: 300, h: 100, fit: 'none', size: 48 });
    let diff = 0;
    for (let i = 0; i < joined.data.length; i += 4) if (Math.abs(joined.data[i] - apart.data[i]) > 60) diff++;
    expect(diff).toBeGreaterThan(200);
  });

  it('paints a linear gradient between the stops without dithering noise', async () => {
    const img = await render({ text: '.', w: 200, h: 100, bg: 'ff0000,0000ff', angle: 180, padding: 30 });
    const px = (x: number, y: number) => [...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3)];
    expect(px(5, 0)[0]).toBeGreaterThan(240);
    expect(px(5, 99)[2]).toBeGreaterThan(240);
    for (const y of [0, 15, 85, 99]) for (let x = 1; x < 200; x++) expect(px(x, y)).toEqual(px(0, y));
  });

  it('keeps transparency for RRGGBBAA backgrounds in PNG and WebP', async () => {
    for (const format of ['png', 'webp']) {
      const img = await render({ text: 'Alpha', w: 200, h: 100, bg: '00000000', color: 'ff0000' }, format);
      expect(img.data[3]).toBe(0);
    }
  });
});
