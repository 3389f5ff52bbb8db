/**
 * `w=auto` / `h=auto` on GET /render.*: the worker sizes the image to its text plus padding
 * (width grows with the text, nothing is clipped), within MAX_WIDTH / MAX_HEIGHT / MAX_PIXELS;
 * the canonical spec keeps `auto`, so ETags stay deterministic and come before rendering.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { canonicalString } from '../src/etag.js';
import { canonicalize, type RenderQuery } from '../src/params.js';
import { decode, inkBounds, renderUrl, startApp, testConfig } from './helpers.js';

const ENV = { MAX_WIDTH: '1000', MAX_HEIGHT: '800', MAX_PIXELS: '600000' };

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp(ENV);
});
afterAll(async () => lp.app.close());

const BG: [number, number, number] = [255, 255, 255];
const render = async (params: Record<string, string | number>, format = 'png') => {
  const res = await lp.app.inject(renderUrl(params, format));
  expect(res.statusCode, res.body).toBe(200);
  return { res, img: await decode(res.rawPayload) };
};

describe('w=auto', () => {
  it('makes the image as wide as the text plus padding, growing with the text', async () => {
    const widths: number[] = [];
    for (const text of ['Hi', 'Hello there', 'Hello there, general Kenobi']) {
      const { img } = await render({ text, w: 'auto', h: 80, size: 32, padding: 10 });
      expect(img.height).toBe(80);
      const ink = inkBounds(img, BG);
      // Not clipped: ink stays inside the image, close to the padding on both sides.
      expect(ink.x0).toBeGreaterThanOrEqual(8);
      expect(img.width - 1 - ink.x1).toBeGreaterThanOrEqual(8);
      expect(ink.x0).toBeLessThan(16);
      expect(img.width - 1 - ink.x1).toBeLessThan(16);
      widths.push(img.width);
    }
    expect(widths[1]).toBeGreaterThan(widths[0] + 50);
    expect(widths[2]).toBeGreaterThan(widths[1] + 50);
  });

  it('sets one line per explicit newline: the widest line decides', async () => {
    const one = await render({ text: 'a much longer line', w: 'auto', h: 120, size: 24, padding: 8, fit: 'none' });
    const two = await render({ text: 'short\na much longer line', w: 'auto', h: 120, size: 24, padding: 8, fit: 'none' });
    expect(two.img.width).toBe(one.img.width);
  });

  it('never goes past MAX_WIDTH or MAX_PIXELS: longer text wraps or shrinks inside the cap', async () => {
    const { img } = await render({ text: 'word '.repeat(60).trim(), w: 'auto', h: 200, size: 40, padding: 10 });
    expect(img.width).toBe(1000);
    const ink = inkBounds(img, BG);
    expect(ink.x0).toBeGreaterThanOrEqual(9);
    expect(ink.x1).toBeLessThanOrEqual(990);
    const tall = await render({ text: 'word '.repeat(60).trim(), w: 'auto', h: 800, size: 40, padding: 10 });
    expect(tall.img.width * tall.img.height).toBeLessThanOrEqual(600000);
  });
});

describe('h=auto', () => {
  it('makes the image as tall as the laid-out block plus padding', async () => {
    const one = await render({ text: 'One line', w: 400, h: 'auto', size: 40, lineHeight: 1.5, padding: 20 });
    expect(one.img.height).toBe(1 * 60 + 40);
    const three = await render({ text: 'One\nTwo\nThree', w: 400, h: 'auto', size: 40, lineHeight: 1.5, padding: 20 });
    expect(three.img.height).toBe(3 * 60 + 40);
    const ink = inkBounds(three.img, BG);
    expect(ink.y0).toBeGreaterThanOrEqual(20);
    expect(ink.y1).toBeLessThan(three.img.height - 20);
  });

  it('wraps to the fixed width and counts the wrapped lines; maxLines caps them', async () => {
    const text = 'the quick brown fox jumps over the lazy dog '.repeat(3).trim();
    const wrapped = await render({ text, w: 300, h: 'auto', size: 30, padding: 10 });
    expect(wrapped.img.height).toBeGreaterThan(4 * 37);
    const capped = await render({ text, w: 300, h: 'auto', size: 30, padding: 10, maxLines: 2, fit: 'none' });
    expect(capped.img.height).toBe(Math.ceil(2 * 1.25 * 30 + 20));
  });

  it('with w=auto too, fits the text on both axes (dpr in device pixels)', async () => {
    const a = await render({ text: 'Badge-like', w: 'auto', h: 'auto', size: 20, padding: 6 });
    const b = await render({ text: 'Badge-like', w: 'auto', h: 'auto', size: 20, padding: 6, dpr: 2 });
    expect(a.img.height).toBe(Math.ceil(1.25 * 20 + 12));
    expect(b.img.width).toBe(a.img.width * 2);
    expect(b.img.height).toBe(a.img.height * 2);
    expect(inkBounds(a.img, BG).count).toBeGreaterThan(50);
  });
});

describe('canonical spec and errors', () => {
  it('keeps auto in the canonical spec: deterministic ETags before rendering, same as an explicit auto', async () => {
    const spec = canonicalize('png', { text: 'Hi', w: 'auto', h: 'auto' } as RenderQuery, testConfig(ENV), lp.catalog);
    expect(canonicalString(spec)).toContain('"w":"auto","h":"auto"');
    const first = await lp.app.inject(renderUrl({ text: 'Hi', w: 'auto' }));
    const again = await lp.app.inject({ url: renderUrl({ text: 'Hi', w: 'auto' }), headers: { 'if-none-match': first.headers.etag as string } });
    expect(again.statusCode).toBe(304);
    expect(first.headers.etag).not.toBe((await lp.app.inject(renderUrl({ text: 'Hi', w: 'auto', h: 'auto' }))).headers.etag);
  });

  it('leaves fixed-size specs exactly as before (existing URLs keep their ETags)', () => {
    const spec = canonicalize('png', { text: 'Hi', w: '300', h: '100', bg: '0f172a,7c3aed', color: '#fff' } as RenderQuery, testConfig(ENV), lp.catalog);
    expect(canonicalString(spec)).toBe('{"format":"png","text":"Hi","w":300,"h":100,"dpr":1,"q":0,"bg":{"colors":["0f172aff","7c3aedff"],"angle":180},"color":"ffffffff","font":"Inter","weight":400,"size":64,"minSize":12,"align":"center","valign":"middle","padding":48,"lineHeight":1.25,"letterSpacing":0,"maxLines":0,"fit":"shrink","direction":"auto","lang":"auto"}');
  });

  it.each([
    [{ w: 'wide' }, 'invalid_parameter', 'w'],
    [{ h: 'AUTO!' }, 'invalid_parameter', 'h'],
    [{ w: 5000 }, 'out_of_range', 'w'],
    [{ w: 1.5 }, 'invalid_parameter', 'w'],
    [{ w: 'auto', h: 100, padding: 60 }, 'out_of_range', 'padding'],
  ])('%o answers 400 %s naming %s', async (params, code, param) => {
    const res = await lp.app.inject(renderUrl({ text: 'Hi', ...params }));
    expect(res.statusCode, res.body).toBe(400);
    expect(JSON.parse(res.body).error).toMatchObject({ code, param });
  });
});
