/**
 * /metrics tells the truth about faults: a worker the watchdog terminates (a render stuck in one
 * stage past twice RENDER_TIMEOUT_MS) counts in letterpress_worker_restarts_total, and requests
 * refused with 503 because the queue is full are not image-cache misses.
 */
import { describe, expect, it } from 'vitest';
import { renderUrl, startApp, waitFor } from './helpers.js';

const metric = (text: string, name: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ').at(-1)) : NaN;
};

describe('letterpress_worker_restarts_total', () => {
  it('counts the worker the watchdog terminates when a render is stuck in one stage, and the pool renders again', async () => {
    // 24 full-canvas text layers with the widest shadow blur: shaping and layout take tens of ms
    // (well inside the 300 ms deadline), then one raster stage of several seconds even on a fast
    // idle machine, so the watchdog (2 x 300 ms + 1 s) terminates the worker mid-stage.
    const lp = await startApp({ POOL_SIZE: '1', RENDER_TIMEOUT_MS: '300', MAX_PIXELS: '134217728', IMAGE_CACHE_MB: '0' }, { jobs: false });
    try {
      const layer = { type: 'text', text: 'Stuck '.repeat(40), size: 300, fit: 'none', shadow: { color: '#000', blur: 200, x: 5, y: 5 } };
      const doc = { width: 4096, height: 4096, layers: Array.from({ length: 24 }, () => layer) };
      const before = metric((await lp.app.inject('/metrics')).body, 'letterpress_worker_restarts_total');
      expect(before).toBe(0);
      const res = await lp.app.inject({ method: 'POST', url: '/render', payload: doc });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ error: { code: 'render_timeout' } });
      expect(metric((await lp.app.inject('/metrics')).body, 'letterpress_worker_restarts_total')).toBe(1);
      // The replacement worker renders (its first task may still be warming up).
      await waitFor(async () => (await lp.app.inject(renderUrl({ text: 'Back', w: 200, h: 100, padding: 8 }))).statusCode === 200, 30_000, 'a render after the restart');
    } finally {
      await lp.app.close();
    }
  });
});

describe('letterpress_image_cache_misses', () => {
  it('counts renders that produced an image, not requests refused with 503', async () => {
    const lp = await startApp({ POOL_SIZE: '1', MAX_QUEUE: '1', QUEUE_WAIT_MS: '0' }, { jobs: false });
    try {
      const urls = Array.from({ length: 12 }, (_, i) => renderUrl({ text: `Miss ${i} ${'word '.repeat(40)}`, w: 1600, h: 900, dpr: 2 }));
      const results = await Promise.all(urls.map((url) => lp.app.inject(url)));
      const ok = results.filter((r) => r.statusCode === 200).length;
      const refused = results.filter((r) => r.statusCode === 503).length;
      expect(refused).toBeGreaterThan(0);
      expect(ok + refused).toBe(urls.length);
      const body = (await lp.app.inject('/metrics')).body;
      expect(metric(body, 'letterpress_image_cache_misses')).toBe(ok);
      expect(metric(body, 'letterpress_image_cache_hits')).toBe(0);
    } finally {
      await lp.app.close();
    }
  });
});
