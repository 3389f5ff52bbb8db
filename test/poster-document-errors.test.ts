/**
 * POST /render validates the whole document once at the edge: every layer type renders, and every
 * way a document can be wrong answers 400 (never 500) with a stable code and the JSON pointer of
 * the bad field in `param`, uncached.
 */
import zlib from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { chunk, SIGNATURE } from '../workers/png-indexed.js';
import { decode, startApp } from './helpers.js';

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp({ MAX_LAYERS: '8', MAX_PIXELS: '4000000', MAX_DATA_URI_KB: '64' });
});
afterAll(async () => lp.app.close());

const post = (payload: unknown) => lp.app.inject({ method: 'POST', url: '/render', payload: payload as object });
const text = (extra: Record<string, unknown> = {}) => ({ type: 'text', text: 'Hi', ...extra });
const doc = (layers: unknown[], extra: Record<string, unknown> = {}) => ({ width: 200, height: 100, layers, ...extra });

async function expectError(payload: unknown, code: string, param: string): Promise<void> {
  const res = await post(payload);
  expect(res.statusCode, res.body).toBe(code === 'unknown_template' ? 404 : 400);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(JSON.parse(res.body).error).toMatchObject({ code, param });
}

describe('every layer type renders', () => {
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==', 'base64');
  const cases: [string, unknown][] = [
    ['text', text({ color: '#ff0000', size: 40 })],
    ['text with spans', { type: 'text', spans: [{ text: 'a', color: '#f00' }, { text: 'b', weight: 700, font: 'serif' }] }],
    ['vertical text', text({ text: '竖排文字', writingMode: 'vertical' })],
    ['image from assets', { type: 'image', src: 'logos/acme.svg' }],
    ['image from a data URI', { type: 'image', src: `data:image/png;base64,${png.toString('base64')}`, fit: 'fill' }],
    ['rect', { type: 'rect', fill: { type: 'linear', stops: ['#000', '#fff'] }, radius: 10 }],
    ['ellipse', { type: 'ellipse', fill: { type: 'radial', stops: [{ color: '#f00', offset: 0 }, { color: '#00f', offset: 1 }] }, stroke: { color: '#000', width: 2 } }],
  ];
  for (const [name, layer] of cases) {
    it(name, async () => {
      const res = await post(doc([layer], { background: '#ffffff' }));
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe('image/png');
      const img = await decode(res.rawPayload);
      expect([img.width, img.height]).toEqual([200, 100]);
      let painted = 0;
      for (let i = 0; i < img.data.length; i += 4) if (img.data[i] < 200 || img.data[i + 1] < 200 || img.data[i + 2] < 200) painted++;
      expect(painted).toBeGreaterThan(20);
    });
  }
  it('jpg, webp and dpr from the document', async () => {
    const res = await post(doc([text()], { format: 'jpeg', quality: 70, dpr: 2 }));
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect((await sharp(res.rawPayload).metadata()).width).toBe(400);
    expect((await post(doc([text()], { format: 'webp' }))).headers['content-type']).toBe('image/webp');
  });
});

describe('a bad document answers 400 with the JSON pointer of the bad field', () => {
  const cases: [string, unknown, string, string][] = [
    ['body is not an object', [1, 2], 'invalid_document', '/'],
    ['layers missing', { width: 100 }, 'missing_parameter', '/layers'],
    ['unknown top-level field', { ...doc([]), colour: 'red' }, 'unknown_parameter', '/colour'],
    ['unknown layer field', doc([text({ colour: 'red' })]), 'unknown_parameter', '/layers/0/colour'],
    ['unknown nested field', doc([text({ shadow: { spread: 3 } })]), 'unknown_parameter', '/layers/0/shadow/spread'],
    ['layer without type', doc([{ text: 'x' }]), 'missing_parameter', '/layers/0/type'],
    ['unknown layer type', doc([text(), { type: 'circle' }]), 'invalid_parameter', '/layers/1/type'],
    ['number out of range', doc([text({ size: 1000 })]), 'out_of_range', '/layers/0/size'],
    ['canvas too small', doc([], { width: 0 }), 'out_of_range', '/width'],
    ['opacity above 1', doc([{ type: 'rect', opacity: 2 }]), 'out_of_range', '/layers/0/opacity'],
    ['string where a number goes', doc([text({ size: 'big' })]), 'invalid_parameter', '/layers/0/size'],
    ['bad enum', doc([text({ writingMode: 'diagonal' })]), 'invalid_parameter', '/layers/0/writingMode'],
    ['bad lineBreak', doc([text({ lineBreak: 'auto' })]), 'invalid_parameter', '/layers/0/lineBreak'],
    ['bad wordBreak', doc([text({ wordBreak: 'break-all' })]), 'invalid_parameter', '/layers/0/wordBreak'],
    ['wordBreak on a span (it belongs to the layer)', doc([{ type: 'text', spans: [{ text: 'a', wordBreak: 'keep-all' }] }]), 'unknown_parameter', '/layers/0/spans/0/wordBreak'],
    ['bad colour', doc([text({ color: 'reddish' })]), 'invalid_color', '/layers/0/color'],
    ['bad span colour', doc([{ type: 'text', spans: [{ text: 'a' }, { text: 'b', color: '#12' }] }]), 'invalid_color', '/layers/0/spans/1/color'],
    ['bad gradient stop', doc([], { background: { type: 'linear', stops: ['#000', 'bleu'] } }), 'invalid_color', '/background/stops/1'],
    ['unknown paint type', doc([{ type: 'rect', fill: { type: 'conic', stops: ['#000', '#fff'] } }]), 'invalid_parameter', '/layers/0/fill/type'],
    ['one gradient stop', doc([], { background: { type: 'radial', stops: ['#000'] } }), 'out_of_range', '/background/stops'],
    ['text and spans together', doc([text({ spans: [{ text: 'a' }] })]), 'invalid_parameter', '/layers/0/text'],
    ['neither text nor spans', doc([{ type: 'text' }]), 'invalid_parameter', '/layers/0/text'],
    ['only spaces', doc([text({ text: '   ' })]), 'invalid_parameter', '/layers/0/text'],
    ['text too long', doc([text({ text: 'x'.repeat(2001) })]), 'text_too_long', '/layers/0/text'],
    ['unknown font', doc([text({ font: 'Comic Sans' })]), 'unknown_font', '/layers/0/font'],
    ['unknown span font', doc([{ type: 'text', spans: [{ text: 'a', font: 'Nope' }] }]), 'unknown_font', '/layers/0/spans/0/font'],
    ['too many layers', doc(Array.from({ length: 9 }, () => ({ type: 'rect' }))), 'too_many_layers', '/layers'],
    ['canvas over MAX_PIXELS', doc([], { width: 4000, height: 1001 }), 'too_many_pixels', '/width'],
    ['layers cover too many pixels', doc(Array.from({ length: 5 }, () => ({ type: 'rect', width: 2000, height: 2000 }))), 'too_many_pixels', '/layers/3'],
    ['background padding leaves no room', doc([text({ width: 50, background: { color: '#000', padding: 30 } })]), 'out_of_range', '/layers/0/background/padding'],
    ['remote image', doc([{ type: 'image', src: 'https://example.com/cat.png' }]), 'remote_image', '/layers/0/src'],
    ['remote background image', doc([], { background: { type: 'image', src: 'http://example.com/bg.jpg' } }), 'remote_image', '/background/src'],
    ['unknown asset', doc([{ type: 'image', src: 'photos/nope.jpg' }]), 'unknown_asset', '/layers/0/src'],
    ['svg data URI', doc([{ type: 'image', src: 'data:image/svg+xml;base64,PHN2Zz4=' }]), 'invalid_image', '/layers/0/src'],
    ['data URI over the limit', doc([{ type: 'image', src: `data:image/png;base64,${Buffer.alloc(70 * 1024).toString('base64')}` }]), 'invalid_image', '/layers/0/src'],
    ['image without src', doc([{ type: 'image' }]), 'missing_parameter', '/layers/0/src'],
  ];
  for (const [name, payload, code, param] of cases) it(name, () => expectError(payload, code, param));

  it('bytes that are not an image answer 400 from the worker with the pointer', async () => {
    await expectError(doc([text(), { type: 'image', src: `data:image/png;base64,${Buffer.from('not a png at all').toString('base64')}` }]), 'invalid_image', '/layers/1/src');
  });
  it('an image whose decoded size passes MAX_PIXELS is refused before decoding', async () => {
    const big = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#fff' } }).png({ compressionLevel: 9 }).toBuffer();
    await expectError(doc([{ type: 'image', src: `data:image/png;base64,${big.toString('base64')}` }]), 'too_many_pixels', '/layers/0/src');
  });
  it('an image whose header declares 30000x30000 is too_many_pixels, not invalid_image', async () => {
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(30000, 0);
    ihdr.writeUInt32BE(30000, 4);
    ihdr[8] = 8; // 8-bit
    ihdr[9] = 2; // RGB
    const png = Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.alloc(64))), chunk('IEND', Buffer.alloc(0))]);
    await expectError(doc([{ type: 'image', src: `data:image/png;base64,${png.toString('base64')}` }]), 'too_many_pixels', '/layers/0/src');
  });
  it('malformed JSON is a 400, not a 500', async () => {
    const res = await lp.app.inject({ method: 'POST', url: '/render', payload: '{"layers": [', headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
  });
});

describe('posters share the GET route caching rules', () => {
  it('the ETag comes from the canonical document: key order and colour spelling do not matter; 304 without rendering', async () => {
    const a = await post({ width: 200, height: 100, layers: [{ type: 'text', text: 'Hi', color: '#F00' }] });
    const b = await post({ layers: [{ color: 'ff0000ff', text: 'Hi', type: 'text' }], height: 100, width: 200 });
    expect(a.headers.etag).toBe(b.headers.etag);
    expect(a.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const c = await lp.app.inject({ method: 'POST', url: '/render', payload: { width: 200, height: 100, layers: [{ type: 'text', text: 'Hi' }] }, headers: { 'if-none-match': a.headers.etag as string } });
    expect(c.headers.etag).not.toBe(a.headers.etag);
    expect(c.statusCode).toBe(200);
    const d = await lp.app.inject({ method: 'POST', url: '/render', payload: { width: 200, height: 100, layers: [{ type: 'text', text: 'Hi', color: '#f00' }] }, headers: { 'if-none-match': a.headers.etag as string } });
    expect(d.statusCode).toBe(304);
  });
});

describe('with SIGNING_KEYS, documents need a key', () => {
  it('POST /render answers 403 without Authorization: Bearer <key> and 200 with it', async () => {
    const signed = await startApp({ SIGNING_KEYS: 'a-signing-key-of-16+' });
    try {
      const body = doc([text()]);
      const no = await signed.app.inject({ method: 'POST', url: '/render', payload: body });
      expect(no.statusCode).toBe(403);
      expect(JSON.parse(no.body).error.code).toBe('invalid_signature');
      const wrong = await signed.app.inject({ method: 'POST', url: '/render', payload: body, headers: { authorization: 'Bearer another-key-of-16+' } });
      expect(wrong.statusCode).toBe(403);
      const ok = await signed.app.inject({ method: 'POST', url: '/render', payload: body, headers: { authorization: 'Bearer a-signing-key-of-16+' } });
      expect(ok.statusCode).toBe(200);
    } finally {
      await signed.app.close();
    }
  });
});
