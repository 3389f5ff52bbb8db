import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { renderUrl, startApp, testConfig, withColdApp } from './helpers.js';

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp();
});
afterAll(async () => {
  await lp?.app.close();
});

const metric = (text: string, name: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').at(-1)) : NaN;
};

describe('GET /metrics', () => {
  it('counts requests by route/status/format, stage timings, 304s, rejections and cache use', async () => {
    const url = renderUrl({ text: 'Metrics', w: 300, h: 150 });
    const first = await lp.app.inject(url);
    await lp.app.inject(url);
    await lp.app.inject({ url, headers: { 'if-none-match': first.headers.etag as string } });
    await lp.app.inject('/render.png?text=a&w=0');
    const res = await lp.app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const body = res.body;
    expect(metric(body, 'letterpress_http_requests_total{route="/render.:format",status="200",format="png"}')).toBeGreaterThanOrEqual(2);
    expect(metric(body, 'letterpress_not_modified_total')).toBe(1);
    expect(metric(body, 'letterpress_rejected_total{reason="out_of_range"}')).toBe(1);
    for (const stage of ['shape', 'layout', 'raster', 'encode']) expect(metric(body, `letterpress_render_stage_seconds_count{stage="${stage}"}`)).toBeGreaterThanOrEqual(1);
    expect(metric(body, 'letterpress_image_cache_hits')).toBeGreaterThanOrEqual(1);
    expect(metric(body, 'letterpress_measure_cache_entries')).toBeGreaterThan(0);
    expect(metric(body, 'letterpress_measure_cache_misses')).toBeGreaterThan(0);
    expect(body).toContain('letterpress_gradient_cache_bytes');
    expect(body).toContain('letterpress_queue_depth');
    expect(body).toContain('letterpress_pool_utilization');
    expect(body).toContain('letterpress_worker_restarts_total');
    expect(body).toContain('letterpress_process_resident_memory_bytes');
  });
});

describe('GET /readyz', () => {
  it('is ready when warm, and not ready (503 with a reason) once shutting down', async () => {
    expect((await lp.app.inject('/readyz')).json()).toEqual({ status: 'ready' });
    const other = await startApp();
    const closing = other.app.close();
    const res = await other.app.inject('/readyz');
    await closing;
    expect(res.statusCode).toBe(503);
  });

  it('is not ready before the pool is warm', async () => {
    await withColdApp(async (cold) => {
      const res = await cold.app.inject('/readyz');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ reason: 'worker pool not warm yet' });
    });
  });
});

describe('a worker pool that cannot start', () => {
  it('reports why, for /readyz', async () => {
    const { RenderPool } = await import('../src/pool.js');
    const broken = { ...lp.catalog, faces: null } as never; // workers throw while loading fonts
    const pool = new RenderPool(testConfig(), broken);
    try {
      await expect(pool.warm()).rejects.toThrow();
      expect(pool.ready).toBe(false);
      expect(pool.startError).toMatch(/render workers failed to start/);
    } finally {
      await pool.close().catch(() => {});
    }
  });
});
