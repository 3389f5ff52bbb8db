/**
 * An `<img>` whose URL is wrong gets the error drawn as a small PNG (code, parameter, message)
 * with the same status, `Cache-Control: no-store` and `Vary: Accept`; API clients (curl's `*\/*`,
 * `application/json`, no Accept) keep the JSON. The drawing needs no render worker: it works while
 * the pool is cold or full.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { prefersImage } from '../src/accept.js';
import { ERROR_IMAGE_WIDTH } from '../src/error-image.js';
import { decode, inkBounds, renderUrl, startApp, withColdApp } from './helpers.js';

const CHROMIUM_IMG = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const FIREFOX_IMG = 'image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5';
const SAFARI_IMG = 'image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5';
const CHROMIUM_TAB = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7';

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp({}, { jobs: false });
});
afterAll(async () => {
  await lp?.app.close();
});

/** Pixels inside the border (4 px in) within `tol` of `rgb` in every channel. */
function countNear(img: { data: Buffer; width: number; height: number }, rgb: [number, number, number], tol: number): number {
  let n = 0;
  for (let y = 4; y < img.height - 4; y++) {
    for (let x = 4; x < img.width - 4; x++) {
      const o = (y * img.width + x) * 4;
      if (Math.abs(img.data[o] - rgb[0]) <= tol && Math.abs(img.data[o + 1] - rgb[1]) <= tol && Math.abs(img.data[o + 2] - rgb[2]) <= tol) n++;
    }
  }
  return n;
}

/** A PNG error drawing: status and headers, its size, and text-coloured pixels (dark message, red heading) inside the border. */
async function expectErrorImage(res: { statusCode: number; headers: Record<string, unknown>; rawPayload: Buffer }, status: number): Promise<void> {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toBe('image/png');
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers.vary).toBe('Accept');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers.etag).toBeUndefined();
  const img = await decode(res.rawPayload);
  expect(img.format).toBe('png');
  expect(img.width).toBe(ERROR_IMAGE_WIDTH);
  expect(img.height).toBeGreaterThan(40);
  expect(img.height).toBeLessThan(400);
  expect(countNear(img, [0x1f, 0x29, 0x37], 40)).toBeGreaterThan(100); // message text
  expect(countNear(img, [0xb9, 0x1c, 0x1c], 40)).toBeGreaterThan(50); // "400 code" heading
  expect(inkBounds(img, [0xfe, 0xf2, 0xf2], 120).count).toBeGreaterThan(300);
}

describe('errors drawn as images for <img> requests', () => {
  it('a bad render parameter requested by an <img> answers 400 as a PNG with text drawn, no-store and Vary: Accept', async () => {
    for (const accept of [CHROMIUM_IMG, FIREFOX_IMG, SAFARI_IMG]) {
      await expectErrorImage(await lp.app.inject({ url: '/render.png?text=Hi&bg=nocolour', headers: { accept } }), 400);
    }
  });

  it('the image is a different drawing for a different error (it names the error)', async () => {
    const a = await lp.app.inject({ url: '/render.png?text=Hi&bg=nocolour', headers: { accept: CHROMIUM_IMG } });
    const b = await lp.app.inject({ url: '/render.png?text=Hi&w=0', headers: { accept: CHROMIUM_IMG } });
    expect(a.rawPayload.equals(b.rawPayload)).toBe(false);
  });

  it('draws only with the bundled face: characters it lacks are drawn as "?", never from a host font', async () => {
    const han = await lp.app.inject({ url: `/render.png?text=Hi&${encodeURIComponent('東京')}=1`, headers: { accept: CHROMIUM_IMG } });
    const marks = await lp.app.inject({ url: `/render.png?text=Hi&${encodeURIComponent('??')}=1`, headers: { accept: CHROMIUM_IMG } });
    await expectErrorImage(han, 400);
    expect(han.rawPayload.equals(marks.rawPayload)).toBe(true);
  });

  it('other routes and statuses too: an unknown template (404) and an unknown route', async () => {
    await expectErrorImage(await lp.app.inject({ url: '/t/no-such-template.png', headers: { accept: CHROMIUM_IMG } }), 404);
    await expectErrorImage(await lp.app.inject({ url: '/nope.png', headers: { accept: CHROMIUM_IMG } }), 404);
  });

  it('API clients keep the JSON: curl (*/*), application/json, a browser tab, and no Accept at all', async () => {
    for (const accept of ['*/*', 'application/json', CHROMIUM_TAB, undefined]) {
      const res = await lp.app.inject({ url: '/render.png?text=Hi&bg=nocolour', headers: accept ? { accept } : {} });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers.vary).toBe('Accept');
      expect(res.json()).toMatchObject({ error: { code: 'invalid_color', param: 'bg' } });
    }
  });

  it('success answers are unchanged by an image Accept (the image itself, immutable)', async () => {
    const res = await lp.app.inject({ url: renderUrl({ text: 'Fine', w: 200, h: 100, padding: 8 }), headers: { accept: CHROMIUM_IMG } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toMatch(/immutable/);
  });

  it('works while the worker pool is not warm (drawn on the main thread)', async () => {
    await withColdApp(async (cold) => {
      await expectErrorImage(await cold.app.inject({ url: '/render.png?text=Hi&w=0', headers: { accept: CHROMIUM_IMG } }), 400);
    });
  });
});

describe('a full render queue answers an <img> with the 503 drawn', () => {
  it('503 overloaded as a PNG, with Retry-After and no-store', async () => {
    const busy = await startApp({ POOL_SIZE: '1', MAX_QUEUE: '1', QUEUE_WAIT_MS: '0', IMAGE_CACHE_MB: '0' }, { jobs: false });
    try {
      const urls = Array.from({ length: 12 }, (_, i) => renderUrl({ text: `Busy ${i} ${'word '.repeat(40)}`, w: 1600, h: 900, dpr: 2 }));
      const results = await Promise.all(urls.map((url) => busy.app.inject({ url, headers: { accept: CHROMIUM_IMG } })));
      const refused = results.filter((r) => r.statusCode === 503);
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused) {
        expect(r.headers['retry-after']).toBe('1');
        await expectErrorImage(r, 503);
      }
    } finally {
      await busy.app.close();
    }
  });
});

describe('Accept negotiation', () => {
  it('prefers an image only when the header ranks image/png above application/json', () => {
    expect(prefersImage(CHROMIUM_IMG)).toBe(true);
    expect(prefersImage(FIREFOX_IMG)).toBe(true);
    expect(prefersImage(SAFARI_IMG)).toBe(true);
    expect(prefersImage('image/png')).toBe(true);
    expect(prefersImage(CHROMIUM_TAB)).toBe(false);
    expect(prefersImage('*/*')).toBe(false);
    expect(prefersImage('application/json')).toBe(false);
    expect(prefersImage('application/json, image/png;q=0.5')).toBe(false);
    expect(prefersImage(undefined)).toBe(false);
    expect(prefersImage('')).toBe(false);
    expect(prefersImage('garbage;;;,/,q=x')).toBe(false);
  });
});

describe('error images never put unsigned words on a signing server\'s images', () => {
  it('with SIGNING_KEYS the drawing names the status and code only: two different bad parameter names give the same bytes', async () => {
    const signing = await startApp({ SIGNING_KEYS: 'k'.repeat(32) }, { jobs: false });
    try {
      const get = (name: string) => signing.app.inject({ url: `/render.png?text=x&${encodeURIComponent(name)}=1`, headers: { accept: CHROMIUM_IMG } });
      const [a, b] = await Promise.all([get('OFFICIAL: send 1 BTC to bc1qxy'), get('something else entirely')]);
      await expectErrorImage(a, 400);
      expect(a.rawPayload.equals(b.rawPayload)).toBe(true);
      // Without signing, the drawing names the parameter: the two differ.
      const [c, d] = await Promise.all(['OFFICIAL: send 1 BTC', 'something else'].map((n) => lp.app.inject({ url: `/render.png?text=x&${encodeURIComponent(n)}=1`, headers: { accept: CHROMIUM_IMG } })));
      expect(c.rawPayload.equals(d.rawPayload)).toBe(false);
    } finally {
      await signing.app.close();
    }
  });

  it('POST routes keep their JSON error whatever the Accept header (an <img> never POSTs)', async () => {
    const payload = { width: 10, height: 10, layers: [{ type: 'nope' }] };
    const res = await lp.app.inject({ method: 'POST', url: '/render', headers: { accept: CHROMIUM_IMG, 'content-type': 'application/json' }, payload });
    const plain = await lp.app.inject({ method: 'POST', url: '/render', headers: { 'content-type': 'application/json' }, payload });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json().error.code).toMatch(/^[a-z_]+$/);
    expect(res.json()).toEqual(plain.json());
  });
});
