import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { renderUrl, startApp } from './helpers.js';

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp({ POOL_SIZE: '1', MAX_QUEUE: '2', QUEUE_WAIT_MS: '0', IMAGE_CACHE_MB: '0' });
});
afterAll(async () => {
  await lp?.app.close();
});

describe('a full render queue', () => {
  it('answers 503 with Retry-After at once, and serves the accepted requests', async () => {
    const urls = Array.from({ length: 24 }, (_, i) => renderUrl({ text: `Busy ${i} ${'word '.repeat(40)}`, w: 1600, h: 900, dpr: 2 }));
    const results = await Promise.all(urls.map((url) => lp.app.inject(url)));
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 200).length).toBeGreaterThanOrEqual(3);
    const refused = results.filter((r) => r.statusCode === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.headers['retry-after']).toBe('1');
      expect(r.headers['cache-control']).toBe('no-store');
      expect(r.json()).toMatchObject({ error: { code: 'overloaded' } });
    }
    expect(codes.every((c) => c === 200 || c === 503)).toBe(true);
  });
});
