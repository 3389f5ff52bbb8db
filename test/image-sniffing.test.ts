/**
 * Images in request data are decoded only as the raster format their bytes show, and only PNG,
 * JPEG and WebP: an SVG (or anything else) under an image/png label never reaches a decoder, so a
 * hostile document cannot hold Skia's SVG lock and stall every other render.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { ImageLoadError, loadSource } from '../workers/images.js';
import { sniffImage } from '../workers/image-sniff.js';
import { startApp } from './helpers.js';

const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><filter id="f"><feGaussianBlur stdDeviation="20"/></filter><rect width="64" height="64" filter="url(#f)"/></svg>');
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

let lp: LetterpressApp;
let png: Buffer;
let jpeg: Buffer;
let webp: Buffer;
beforeAll(async () => {
  lp = await startApp({ MAX_DATA_URI_KB: '64' });
  const img = sharp({ create: { width: 8, height: 8, channels: 3, background: '#c00' } });
  [png, jpeg, webp] = await Promise.all([img.clone().png().toBuffer(), img.clone().jpeg().toBuffer(), img.clone().webp().toBuffer()]);
});
afterAll(async () => lp.app.close());

const dataUri = (type: string, bytes: Buffer): string => `data:image/${type};base64,${bytes.toString('base64')}`;
const post = (src: string) => lp.app.inject({ method: 'POST', url: '/render', payload: { width: 64, height: 64, layers: [{ type: 'image', src }] } });

describe('images are decoded by their sniffed type only', () => {
  it('tells PNG, JPEG and WebP by their magic bytes and nothing else', () => {
    expect([sniffImage(png), sniffImage(jpeg), sniffImage(webp)]).toEqual(['png', 'jpeg', 'webp']);
    expect(sniffImage(SVG)).toBeNull();
    expect(sniffImage(GIF)).toBeNull();
    expect(sniffImage(new Uint8Array(0))).toBeNull();
  });

  for (const [name, src] of [
    ['SVG bytes labelled image/png', () => dataUri('png', SVG)],
    ['GIF bytes labelled image/png', () => dataUri('png', GIF)],
    ['PNG bytes labelled image/jpeg', () => dataUri('jpeg', png)],
    ['JPEG bytes labelled image/webp', () => dataUri('webp', jpeg)],
  ] as const) {
    it(`${name} answers 400 invalid_image naming the field, without decoding`, async () => {
      const res = await post(src());
      expect(res.statusCode, res.body).toBe(400);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(JSON.parse(res.body).error).toMatchObject({ code: 'invalid_image', param: '/layers/0/src' });
    });
  }

  it('each raster format under its own label renders', async () => {
    for (const [type, bytes] of [['png', png], ['jpeg', jpeg], ['webp', webp]] as const) {
      const res = await post(dataUri(type, bytes));
      expect(res.statusCode, `${type}: ${res.body}`).toBe(200);
      const { data } = await sharp(res.rawPayload).raw().toBuffer({ resolveWithObject: true });
      expect(data[0]).toBeGreaterThan(150); // the red image filled the canvas
    }
  });

  it('the worker refuses request bytes that are not a raster image even if the edge were bypassed', async () => {
    await expect(loadSource({ id: 'svg-as-data', data: SVG }, 16_000_000)).rejects.toBeInstanceOf(ImageLoadError);
    await expect(loadSource({ id: 'gif-as-data', data: GIF }, 16_000_000)).rejects.toMatchObject({ code: 'invalid_image' });
  });
});
