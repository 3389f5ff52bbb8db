/**
 * fit=shrink fits the width AND the height: the largest size at which the laid-out block, with
 * its real ink, fits the padded box; padding never takes more than a quarter of a side, so small
 * images (`w=400&h=100`) keep room for legible text; below minSize the truncation rules apply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { effectivePadding, paddedBox } from '../workers/text-box.js';
import { decode, inkBounds, renderUrl, startApp } from './helpers.js';
import { layout, visualLines } from './layout-helpers.js';

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp({ FONT_DIRS: '', ASSET_DIRS: '', TEMPLATE_DIRS: '' });
});
afterAll(async () => lp.app.close());

async function ink(params: Record<string, string | number>) {
  const res = await lp.app.inject(renderUrl({ bg: 'fff', color: '000', ...params }));
  expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
  const img = await decode(res.rawPayload);
  return { ...inkBounds(img, [255, 255, 255], 40), height: img.height };
}

describe('GET /render with fit=shrink', () => {
  it('`Hi` at 400x100 (default padding 48) is legible, not a 4 px sliver', async () => {
    const b = await ink({ text: 'Hi', w: 400, h: 100 });
    expect(b.y1 - b.y0).toBeGreaterThanOrEqual(40); // Inter's cap height at 64 px is ~47 px
    expect(b.y0).toBeGreaterThanOrEqual(25); // inside the padded box: padding is 100 / 4 = 25
    expect(b.y1).toBeLessThan(75);
  });

  it('`Hello` at 400x120 is neither clipped at the top nor at the bottom', async () => {
    const b = await ink({ text: 'Hello', w: 400, h: 120 });
    expect(b.y1 - b.y0).toBeGreaterThanOrEqual(40);
    expect(b.y0).toBeGreaterThanOrEqual(30);
    expect(b.y1).toBeLessThan(90);
  });

  it('shrinks until the ink of stacked marks fits the height, and no further', async () => {
    const roomy = await ink({ text: 'Ấn Độ Ỹ', w: 800, h: 400, padding: 0, size: 60, fit: 'none' });
    const b = await ink({ text: 'Ấn Độ Ỹ', w: 800, h: 120, padding: 0, size: 300 });
    expect(b.y0).toBeGreaterThanOrEqual(0);
    expect(b.y1).toBeLessThan(120);
    expect(b.y1 - b.y0).toBeGreaterThanOrEqual(120 - 5); // the largest size (0.5 px steps): the ink fills the box
    // Nothing clipped: the ink keeps the proportions it has in a roomy box.
    const ratio = (x: typeof b) => (x.x1 - x.x0) / (x.y1 - x.y0);
    expect(Math.abs(ratio(b) / ratio(roomy) - 1)).toBeLessThan(0.04);
  });

  it('a paragraph shrinks in both dimensions: every line inside the box, the ink filling its height', async () => {
    const b = await ink({ text: 'Typography is the craft of arranging type to make written language legible', w: 500, h: 200, padding: 20, size: 120 });
    expect(b.y0).toBeGreaterThanOrEqual(20);
    expect(b.y1).toBeLessThan(180);
    expect(b.x0).toBeGreaterThanOrEqual(20);
    expect(b.x1).toBeLessThan(480);
  });
});

describe('layout', () => {
  it('a single line taller than the box shrinks (the line count alone allowed 64 px before)', () => {
    const l = layout('Hi', { size: 64, fit: 'shrink', box: { x: 0, y: 0, w: 400, h: 30 } });
    expect(l.size).toBeLessThan(64);
    expect(l.size * 0.73).toBeLessThanOrEqual(30); // Inter's cap height is 0.727 em
    expect(l.truncated).toBe(false);
  });

  it('when even minSize does not fit, lines beyond the box end in an ellipsis', () => {
    const l = layout('Ship faster with typed, tested, observable services that render every script', { size: 80, minSize: 20, fit: 'shrink', box: { x: 0, y: 0, w: 300, h: 30 } });
    expect(l.size).toBe(20);
    expect(l.lines).toBe(1);
    expect(l.truncated).toBe(true);
    expect(visualLines(l)[0].text.endsWith('…')).toBe(true);
  });
});

describe('padding in small images', () => {
  it('is at most a quarter of each side, and as asked otherwise', () => {
    expect(effectivePadding(100, { padding: 48 })).toBe(25);
    expect(effectivePadding(630, { padding: 48 })).toBe(48);
    expect(paddedBox(400, 100, { padding: 48 })).toEqual({ x: 48, y: 25, w: 304, h: 50 });
    expect(paddedBox(1200, 630, { padding: 48 })).toEqual({ x: 48, y: 48, w: 1104, h: 534 });
  });
});
