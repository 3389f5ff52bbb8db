/**
 * shields.io-style static badges, checked on decoded pixels: 20 px high (x dpr), the label on
 * #555 and the message on its colour split where the label ends, as wide as the text, rounded
 * corners for flat; shields' escapes and palette; errors name the part at fault.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { unescapeBadgeText } from '../src/badge.js';
import { decode } from './helpers.js';
import { startApp } from './helpers.js';

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp();
});
afterAll(async () => lp.app.close());

type Img = { data: Buffer; width: number; height: number };
const badge = async (url: string): Promise<Img> => {
  const res = await lp.app.inject(url);
  expect(res.statusCode, res.body).toBe(200);
  return decode(res.rawPayload);
};
const pixel = (img: Img, x: number, y: number): number[] => [...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4)];
const near = (a: number[], b: number[], tol = 2): boolean => a.every((v, i) => Math.abs(v - b[i]) <= tol);
/** Columns of row `y` whose colour is `rgb` (first and last). */
function span(img: Img, y: number, rgb: number[]): [number, number] {
  let first = -1, last = -1;
  for (let x = 0; x < img.width; x++) {
    if (near(pixel(img, x, y).slice(0, 3), rgb)) {
      if (first < 0) first = x;
      last = x;
    }
  }
  return [first, last];
}

const GREY = [0x55, 0x55, 0x55], BRIGHTGREEN = [0x44, 0xcc, 0x11], SHIELDS_RED = [0xe0, 0x5d, 0x44];

describe('GET /badge/{label}-{message}-{color}', () => {
  it('is 20 px high: label on #555, message on its colour, split where the label ends', async () => {
    const img = await badge('/badge/build-passing-brightgreen.png');
    expect(img.height).toBe(20);
    const [g0, g1] = span(img, 2, GREY);
    const [c0, c1] = span(img, 2, BRIGHTGREEN);
    expect(g0).toBeLessThanOrEqual(1);
    expect(c0).toBe(g1 + 1); // two backgrounds meet at one column
    expect(c1).toBeGreaterThanOrEqual(img.width - 2);
    expect(g1).toBeGreaterThan(20); // "build" + padding
    // White text inside both parts.
    const white = (x0: number, x1: number): number => {
      let n = 0;
      for (let y = 4; y < 16; y++) for (let x = x0; x <= x1; x++) if (near(pixel(img, x, y).slice(0, 3), [255, 255, 255], 40)) n++;
      return n;
    };
    expect(white(g0, g1)).toBeGreaterThan(10);
    expect(white(c0, c1)).toBeGreaterThan(10);
  });

  it('is as wide as its text: longer label or message, wider badge and later split', async () => {
    const short = await badge('/badge/ci-ok-blue.png');
    const longLabel = await badge('/badge/continuous_integration-ok-blue.png');
    const longMessage = await badge('/badge/ci-all_checks_passed-blue.png');
    expect(longLabel.width).toBeGreaterThan(short.width + 50);
    expect(longMessage.width).toBeGreaterThan(short.width + 50);
    expect(span(longLabel, 10, GREY)[1]).toBeGreaterThan(span(short, 10, GREY)[1] + 50);
    expect(span(longMessage, 10, GREY)[1]).toBe(span(short, 10, GREY)[1]);
  });

  it('rounds the corners of flat badges (transparent corner pixel) and not of flat-square ones', async () => {
    const flat = await badge('/badge/a-b-blue.png');
    const square = await badge('/badge/a-b-blue.png?style=flat-square');
    expect(pixel(flat, 0, 0)[3]).toBeLessThan(128);
    expect(pixel(flat, flat.width - 1, flat.height - 1)[3]).toBeLessThan(128);
    expect(pixel(square, 0, 0)).toEqual([0x55, 0x55, 0x55, 255]);
    expect(flat.width).toBe(square.width);
  });

  it('uses the shields palette (red is #e05d44), query colours, and dpr', async () => {
    const red = await badge('/badge/tests-failing-red.png');
    expect(span(red, 10, SHIELDS_RED)[0]).toBeGreaterThan(0);
    const custom = await badge('/badge/a-b-red.png?labelColor=000080&color=brightgreen');
    expect(span(custom, 10, [0, 0, 0x80])[0]).toBeLessThanOrEqual(1);
    expect(span(custom, 10, BRIGHTGREEN)[0]).toBeGreaterThan(0);
    const one = await badge('/badge/a-b-blue.png');
    const two = await badge('/badge/a-b-blue.png?dpr=2');
    expect(two.height).toBe(40);
    expect(two.width).toBe(one.width * 2);
  });

  it('draws a message-only badge in one colour', async () => {
    const img = await badge('/badge/passing-green');
    expect(span(img, 10, GREY)[0]).toBe(-1);
    expect(span(img, 10, [0x97, 0xca, 0x00])[0]).toBeLessThanOrEqual(1);
  });

  it('defaults to PNG without an extension and also answers jpg and webp', async () => {
    for (const [url, type] of [['/badge/a-b-blue', 'image/png'], ['/badge/a-b-blue.jpg', 'image/jpeg'], ['/badge/a-b-blue.webp', 'image/webp']]) {
      const res = await lp.app.inject(url);
      expect(res.headers['content-type'], url).toBe(type);
    }
    const a = await lp.app.inject('/badge/a-b-blue');
    const b = await lp.app.inject('/badge/a-b-blue.png');
    expect(a.headers.etag).toBe(b.headers.etag);
  });

  it("follows shields' escapes: -- is -, __ is _, _ and %20 are spaces", async () => {
    expect(unescapeBadgeText('a__b_c')).toBe('a_b c');
    const etag = async (url: string): Promise<string> => (await lp.app.inject(url)).headers.etag as string;
    expect(await etag('/badge/my_label-v1.0--rc-blue')).toBe(await etag('/badge/my%20label-v1.0--rc-blue'));
    expect(await etag('/badge/snake__case-ok-blue')).not.toBe(await etag('/badge/snake_case-ok-blue'));
    expect(await etag('/badge/a--b-c-blue')).not.toBe(await etag('/badge/a-b-blue'));
    const dash = await badge('/badge/pre--release-1.0-orange.png');
    expect(dash.width).toBeGreaterThan((await badge('/badge/prerelease-1.0-orange.png')).width);
  });

  it.each([
    ['/badge/only', 'invalid_parameter', 'badge'],
    ['/badge/a-b-c-d', 'invalid_parameter', 'badge'],
    ['/badge/a-b-notacolour', 'invalid_color', 'color'],
    ['/badge/a-b-blue?labelColor=nope', 'invalid_color', 'labelColor'],
    ['/badge/a-b-blue.svg', 'unknown_format', 'format'],
    ['/badge/a-b-blue?style=plastic', 'invalid_parameter', 'style'],
    ['/badge/a-b-blue?dpr=4', 'out_of_range', 'dpr'],
    ['/badge/a-b-blue?logo=github', 'unknown_parameter', 'logo'],
    [`/badge/a-${'x'.repeat(129)}-blue`, 'text_too_long', 'message'],
    ['/badge/a-_-blue', 'invalid_parameter', 'message'],
  ])('%s answers 400 %s naming %s', async (url, code, param) => {
    const res = await lp.app.inject(url);
    expect(res.statusCode, res.body).toBe(400);
    expect(JSON.parse(res.body).error).toMatchObject({ code, param });
  });
});
