/**
 * Hostile poster documents never cause a 500: arbitrary JSON, and documents with random (often
 * wrong) fields on every layer type, either become a canonical spec or a 4xx AppError naming a
 * JSON pointer; a sample of them rendered through the HTTP route answers 200 or 4xx.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { AppError } from '../src/errors.js';
import { canonicalizePoster } from '../src/poster.js';
import { decode, startApp, testConfig } from './helpers.js';

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp({ MAX_PIXELS: '2000000' });
});
afterAll(async () => lp.app.close());

const config = testConfig({ MAX_PIXELS: '2000000' });
const ctx = () => ({ config, catalog: lp.catalog, assets: lp.assets });

const value = fc.oneof(
  fc.integer({ min: -1e6, max: 1e6 }), fc.double({ noNaN: false }), fc.string({ maxLength: 20 }), fc.boolean(), fc.constant(null),
  fc.constantFrom('#fff', '#12345678', 'red', 'sans', 'serif', 'vertical', 'rtl', 'cover', 'logos/acme.svg', 'https://x.test/a.png', 'data:image/png;base64,AAAA', '春眠不觉晓', '{{x}}', '1e309', 'Infinity'),
);
const layer = fc.record({
  type: fc.constantFrom('text', 'image', 'rect', 'ellipse', 'circle'),
  text: fc.option(fc.string({ maxLength: 60 }), { nil: undefined }),
  src: fc.option(fc.constantFrom('logos/acme.svg', 'photos/mountains.jpg', 'nope.png', 'http://evil.test/x.png'), { nil: undefined }),
}, { requiredKeys: ['type'] }).chain((base) => fc.dictionary(fc.constantFrom('x', 'y', 'width', 'height', 'size', 'rotate', 'opacity', 'color', 'fill', 'stroke', 'shadow', 'spans', 'writingMode', 'balance', 'maxLines', 'letterSpacing', 'lineHeight', 'fit', 'radius', 'background', 'font', 'weight', 'bogus'), value, { maxKeys: 6 })
  .map((extra) => ({ ...base, ...extra })));
const documentArb = fc.record({
  width: fc.option(fc.oneof(fc.integer({ min: -10, max: 5000 }), value), { nil: undefined }),
  height: fc.option(fc.integer({ min: -10, max: 5000 }), { nil: undefined }),
  format: fc.option(fc.constantFrom('png', 'jpg', 'webp', 'gif'), { nil: undefined }),
  background: fc.option(fc.oneof(value, fc.record({ type: fc.constantFrom('linear', 'radial', 'image', 'conic'), stops: fc.array(value, { maxLength: 4 }), src: value })), { nil: undefined }),
  layers: fc.array(layer, { maxLength: 5 }),
});

describe('hostile documents', () => {
  it('canonicalisation never throws anything but a 4xx AppError with a pointer (anything JSON can hold)', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), documentArb), (doc) => {
      try {
        canonicalizePoster(doc, ctx());
      } catch (err) {
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).status).toBeGreaterThanOrEqual(400);
        expect((err as AppError).status).toBeLessThan(500);
        expect((err as AppError).param ?? '').toMatch(/^\//);
      }
    }), { numRuns: 1500 });
  });
  it('rendered through POST /render, random documents answer 200 or 4xx, never 5xx', async () => {
    const statuses = new Map<number, number>();
    // Half the layers are made valid-looking so a good share of documents reaches the renderer.
    const valid = fc.record({
      type: fc.constantFrom('text', 'rect', 'ellipse', 'image'), text: fc.string({ minLength: 1, maxLength: 40 }), src: fc.constant('logos/acme.svg'),
      x: fc.integer({ min: -200, max: 800 }), y: fc.integer({ min: -200, max: 800 }), width: fc.integer({ min: 1, max: 900 }), height: fc.integer({ min: 1, max: 900 }),
      rotate: fc.integer({ min: -360, max: 360 }), size: fc.integer({ min: 4, max: 512 }), writingMode: fc.constantFrom('horizontal', 'vertical'), balance: fc.boolean(),
      letterSpacing: fc.integer({ min: -50, max: 200 }), lineHeight: fc.constantFrom(0.5, 1, 4),
    }).map(({ type, text, src, ...rest }) => (type === 'text' ? { type, text, ...rest } : type === 'image' ? { type, src, ...rest, writingMode: undefined, balance: undefined, size: undefined, letterSpacing: undefined, lineHeight: undefined } : { type, x: rest.x, y: rest.y, width: rest.width, height: rest.height, rotate: rest.rotate }));
    const docs = fc.oneof(documentArb, fc.record({ width: fc.integer({ min: 1, max: 900 }), height: fc.integer({ min: 1, max: 900 }), layers: fc.array(valid, { maxLength: 4 }) }));
    await fc.assert(fc.asyncProperty(docs, async (doc) => {
      const res = await lp.app.inject({ method: 'POST', url: '/render', payload: JSON.parse(JSON.stringify(doc)) });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      expect(res.statusCode < 500, `${res.statusCode} ${res.body.slice(0, 200)}`).toBe(true);
    }), { numRuns: 150 });
    expect(statuses.get(200) ?? 0).toBeGreaterThan(30); // the renderer really ran on many of them
  }, 180_000);

  it('text layers lying wholly off the canvas draw nothing: 200 with only the background', async () => {
    for (const at of [{ x: 4000, y: 10 }, { x: -4000, y: 10 }, { x: 10, y: 4000 }, { x: 10, y: -4000 }]) {
      const doc = { width: 300, height: 200, background: '#123456', layers: [{ type: 'text', width: 100, height: 50, text: 'Off', color: '#ffffff', ...at }] };
      const res = await lp.app.inject({ method: 'POST', url: '/render', payload: doc });
      expect(res.statusCode, `${JSON.stringify(at)}: ${res.body.slice(0, 200)}`).toBe(200);
      const img = await decode(res.rawPayload);
      for (let p = 0; p < img.width * img.height; p++) expect([img.data[p * 4], img.data[p * 4 + 1], img.data[p * 4 + 2]]).toEqual([0x12, 0x34, 0x56]);
    }
  });
});
