/**
 * placehold.co-style URLs: every common form (size, colours, format as segment or extension,
 * @2x, text, font) answers exactly what the equivalent GET /render.* URL answers (same canonical
 * spec, bytes and ETag), and bad parts answer 400 naming w, h, bg, color or format.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { decode, inkBounds, startApp } from './helpers.js';

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp();
});
afterAll(async () => lp.app.close());

const get = (url: string) => lp.app.inject(url);
/** The /render URL a 600x400 placeholder stands for (size a quarter of the smaller side, padding 40). */
const render = (format: string, extra: string) => `/render.${format}?w=600&h=400&size=100&minSize=4&padding=40&${extra}`;

describe('placehold.co URL shapes', () => {
  it.each([
    ['/600x400', render('png', 'text=600%20%C3%97%20400&bg=ddd&color=999')],
    ['/600x400/png', render('png', 'text=600%20%C3%97%20400&bg=ddd&color=999')],
    ['/600x400.png', render('png', 'text=600%20%C3%97%20400&bg=ddd&color=999')],
    ['/600x400/000/fff', render('png', 'text=600%20%C3%97%20400&bg=000&color=fff')],
    ['/600x400/000/fff.png', render('png', 'text=600%20%C3%97%20400&bg=000&color=fff')],
    ['/600x400/000000/FFFFFF/webp', render('webp', 'text=600%20%C3%97%20400&bg=000&color=fff')],
    ['/600x400/orange/white.jpg', render('jpg', 'text=600%20%C3%97%20400&bg=ffa500&color=fff')],
    ['/600x400?text=Hello%5Cnworld', render('png', 'text=Hello%0Aworld&bg=ddd&color=999')],
    ['/600x400/1e293b/f8fafc/png?text=Hi&font=serif', render('png', 'text=Hi&bg=1e293b&color=f8fafc&font=serif')],
    ['/600x400?text=Hi&font=playfair-display', render('png', 'text=Hi&bg=ddd&color=999&font=serif')],
    ['/600x400?text=Hi&font=noto-sans', render('png', 'text=Hi&bg=ddd&color=999&font=Noto%20Sans')],
    ['/600x400@2x.png', render('png', 'text=600%20%C3%97%20400&bg=ddd&color=999&dpr=2')],
  ])('%s is %s', async (short, long) => {
    const [a, b] = [await get(short), await get(long)];
    expect(a.statusCode, a.body).toBe(200);
    expect(b.statusCode, b.body).toBe(200);
    expect(a.headers.etag).toBe(b.headers.etag);
    expect(a.headers['content-type']).toBe(b.headers['content-type']);
    expect(Buffer.compare(a.rawPayload, b.rawPayload)).toBe(0);
  });

  it('sizes the image from the path: WxH, a single number as a square, @2x and @3x in device pixels', async () => {
    for (const [url, w, h] of [['/300x120', 300, 120], ['/150', 150, 150], ['/300x120@3x.webp', 900, 360]] as const) {
      const img = await decode((await get(url)).rawPayload);
      expect([img.width, img.height], url).toEqual([w, h]);
    }
  });

  it('draws the default text, the size, in grey on light grey', async () => {
    const img = await decode((await get('/600x400')).rawPayload);
    expect([...img.data.subarray(0, 3)]).toEqual([0xdd, 0xdd, 0xdd]);
    const ink = inkBounds(img, [0xdd, 0xdd, 0xdd]);
    expect(ink.count).toBeGreaterThan(1000);
    expect(ink.x1 - ink.x0).toBeGreaterThan(300); // "600 × 400" across most of the width
  });

  it('renders small placeholders (padding and size follow the image)', async () => {
    const res = await get('/16x16');
    expect(res.statusCode, res.body).toBe(200);
  });

  it('answers 304 to If-None-Match like /render', async () => {
    const first = await get('/320x200/navy/gold');
    const again = await lp.app.inject({ url: '/320x200/navy/gold', headers: { 'if-none-match': first.headers.etag as string } });
    expect(again.statusCode).toBe(304);
  });

  it.each([
    ['/0x400', 'out_of_range', 'w'],
    ['/99999x400', 'out_of_range', 'w'],
    ['/600x99999', 'out_of_range', 'h'],
    ['/600x400/notacolour', 'invalid_color', 'bg'],
    ['/600x400/000/notacolour.png', 'invalid_color', 'color'],
    ['/600x400.svg', 'unknown_format', 'format'],
    ['/600x400/000/fff/gif', 'unknown_format', 'format'],
    ['/600x400.bmp', 'unknown_format', 'format'],
    ['/600x400?text=Hi&font=comic-sans', 'unknown_font', 'font'],
    ['/600x400?size=12', 'unknown_parameter', 'size'],
  ])('%s answers 400 %s naming %s', async (url, code, param) => {
    const res = await get(url);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(res.body).error).toMatchObject({ code, param });
  });

  it('leaves other paths alone: not a size is 404', async () => {
    for (const url of ['/favicon.ico', '/hello/world', '/600y400?x=1']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(JSON.parse(res.body).error.code).toBe('not_found');
    }
    expect((await get('/healthz')).statusCode).toBe(200);
  });
});
