/**
 * Marks stay in the box: stacked marks above the first line (Vietnamese Ấ, Arabic shadda with
 * fatha), descenders and marks below the last line, and marks on rotated runs in vertical text are
 * never clipped by the padded box or the layer box. Each case renders the text once where it is
 * cut if lines are placed by the font's nominal ascent, and once in a roomy box, and compares the
 * decoded ink: same height (and width for vertical), inside the image.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { decode, inkBounds, renderUrl, startApp } from './helpers.js';

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp({ FONT_DIRS: '', ASSET_DIRS: '', TEMPLATE_DIRS: '' });
});
afterAll(async () => lp.app.close());

const WHITE: [number, number, number] = [255, 255, 255];

async function ink(res: { statusCode: number; rawPayload: Buffer; body: string }) {
  expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
  const img = await decode(res.rawPayload);
  return { ...inkBounds(img, WHITE, 40), width: img.width, height: img.height };
}

const get = async (params: Record<string, string | number>) => ink(await lp.app.inject(renderUrl({ bg: 'fff', color: '000', fit: 'none', ...params })));

const poster = async (layer: Record<string, unknown>, w = 500, h = 400) => ink(await lp.app.inject({
  method: 'POST', url: '/render', payload: { width: w, height: h, background: '#ffffff', layers: [{ type: 'text', x: 0, y: 0, width: w, height: h, color: '#000000', ...layer }] },
}));

describe('GET /render: marks above the first line and below the last stay inside the padded box', () => {
  const cases: [string, string, Record<string, string | number>][] = [
    ['Vietnamese stacked marks, valign=top', 'Ấn Độ', { valign: 'top', lineHeight: 1.25 }],
    ['Arabic shadda and fatha, valign=top, lineHeight 1', 'شَدَّة', { valign: 'top', lineHeight: 1 }],
    ['descenders and a dot below, valign=bottom, lineHeight 1', 'gyp ọ', { valign: 'bottom', lineHeight: 1 }],
    ['Vietnamese on two lines, valign=top', 'Ấn\nỸ', { valign: 'top', lineHeight: 1 }],
  ];
  for (const [name, text, p] of cases) {
    it(name, async () => {
      const roomy = await get({ text, w: 600, h: 600, size: 80, padding: 0, valign: 'middle', lineHeight: p.lineHeight });
      const tight = await get({ text, w: 600, h: roomy.y1 - roomy.y0 + 20, size: 80, padding: 0, ...p });
      expect(tight.y0).toBeGreaterThanOrEqual(0);
      expect(tight.y1).toBeLessThan(tight.height);
      expect(Math.abs((tight.y1 - tight.y0) - (roomy.y1 - roomy.y0)), `ink ${tight.y1 - tight.y0} vs ${roomy.y1 - roomy.y0}`).toBeLessThanOrEqual(1);
    });
  }

  // Emoji sequences drawn from Noto's artwork (❤️‍🔥 reaches higher and lower than the font's 😀).
  for (const valign of ['top', 'bottom']) {
    it(`an emoji sequence drawn from artwork (❤️‍🔥), valign=${valign}, lineHeight 0.8`, async () => {
      const p = { text: 'x❤️‍🔥', w: 600, size: 240, padding: 0, lineHeight: 0.8 };
      const roomy = await get({ ...p, h: 600, valign: 'middle' });
      const tight = await get({ ...p, h: roomy.y1 - roomy.y0 + 20, valign });
      expect(tight.y0).toBeGreaterThanOrEqual(0);
      expect(tight.y1).toBeLessThan(tight.height);
      expect(Math.abs((tight.y1 - tight.y0) - (roomy.y1 - roomy.y0)), `ink ${tight.y1 - tight.y0} vs ${roomy.y1 - roomy.y0}`).toBeLessThanOrEqual(1);
    });
  }

  it('h=auto makes room for stacked marks taller than the line height', async () => {
    const roomy = await get({ text: 'Ấn Ỹ', w: 600, h: 600, size: 80, padding: 0, lineHeight: 1 });
    const auto = await get({ text: 'Ấn Ỹ', w: 600, h: 'auto', size: 80, padding: 0, lineHeight: 1 });
    expect(auto.height).toBeGreaterThan(80); // one line at lineHeight 1 is 80 px; its ink is taller
    expect(auto.y0).toBeGreaterThanOrEqual(0);
    expect(auto.y1).toBeLessThan(auto.height);
    expect(Math.abs((auto.y1 - auto.y0) - (roomy.y1 - roomy.y0))).toBeLessThanOrEqual(1);
  });

  it('ordinary Latin text at valign=top does not move', async () => {
    const a = await get({ text: 'Hello', w: 600, h: 300, size: 80, padding: 20, valign: 'top' });
    // Nominal placement: the line box starts at the padding; Inter's cap height sits ~0.27 em below it.
    expect(a.y0).toBeGreaterThan(20 + 0.2 * 80);
    expect(a.y0).toBeLessThan(20 + 0.35 * 80);
  });
});

describe('poster text layers (valign top by default) keep marks inside the layer box', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['Vietnamese', { text: 'Ấn Độ', size: 80 }],
    ['Arabic shadda and fatha at lineHeight 1', { text: 'شَدَّة', size: 80, lineHeight: 1 }],
    ['rich spans with marks', { spans: [{ text: 'Ấn ' }, { text: 'Độ', color: '#ff0000' }], size: 80 }],
  ];
  for (const [name, layer] of cases) {
    it(name, async () => {
      const roomy = await poster({ ...layer, valign: 'middle' }, 600, 600);
      const tight = await poster(layer, 600, roomy.y1 - roomy.y0 + 20);
      expect(Math.abs((tight.y1 - tight.y0) - (roomy.y1 - roomy.y0))).toBeLessThanOrEqual(1);
    });
  }
});

describe('vertical text keeps the marks of rotated runs inside the layer box', () => {
  it('a rotated Vietnamese word in a single-column layer', async () => {
    const layer = { text: 'Ấn Độ', writingMode: 'vertical', size: 60 };
    const roomy = await poster({ ...layer, align: 'center' }, 400, 400);
    const tight = await poster(layer, 100, 400); // one 75 px column, set against the right edge
    expect(tight.x0).toBeGreaterThanOrEqual(0);
    expect(tight.x1).toBeLessThan(tight.width);
    expect(Math.abs((tight.x1 - tight.x0) - (roomy.x1 - roomy.x0)), `ink ${tight.x1 - tight.x0} vs ${roomy.x1 - roomy.x0}`).toBeLessThanOrEqual(1);
  });
});
