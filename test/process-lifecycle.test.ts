/**
 * Process-level behaviour in real child processes (`node dist/src/server.js`): SIGTERM drains
 * in-flight renders and exits 0, a full queue answers 503 fast; and a render worker that dies
 * fails only its own request and is replaced.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { renderUrl, serveChild, startApp } from './helpers.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Starts the server on a free port and resolves with its base URL once /healthz is 200. */
const serve = (env: Record<string, string>) => serveChild(env, children);

const heavy = (i: number) => renderUrl({ text: `Drain ${i} ${'word '.repeat(80)}`, w: 2400, h: 2400, dpr: 1.5, bg: '000000,ffffff' });

describe('process lifecycle', () => {
  it('SIGTERM during load finishes every accepted render, then exits 0', async () => {
    const { proc, base } = await serve({ POOL_SIZE: '1' });
    const inflight = Array.from({ length: 4 }, (_, i) => fetch(base + heavy(i)).then(async (r) => ({ status: r.status, bytes: (await r.arrayBuffer()).byteLength })));
    // Wait until the server holds all four: one rendering, three queued.
    for (let t0 = Date.now(); Date.now() - t0 < 20_000; ) {
      const m = await (await fetch(`${base}/metrics`)).text();
      if (Number(/^letterpress_queue_depth (\d+)/m.exec(m)?.[1] ?? 0) >= 3) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGTERM');
    const results = await Promise.all(inflight);
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.bytes).toBeGreaterThan(1000);
    }
    expect(await exited).toBe(0);
  }, 60_000);

  it('a full queue answers 503 with Retry-After at once while accepted renders complete', async () => {
    const { base } = await serve({ POOL_SIZE: '1', MAX_QUEUE: '1', QUEUE_WAIT_MS: '0', IMAGE_CACHE_MB: '0' });
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: 12 }, async (_, i) => {
      const r = await fetch(base + heavy(100 + i));
      await r.arrayBuffer();
      return { status: r.status, retryAfter: r.headers.get('retry-after'), ms: performance.now() - t0 };
    }));
    const refused = results.filter((r) => r.status === 503);
    const served = results.filter((r) => r.status === 200);
    expect(refused.length).toBeGreaterThan(0);
    expect(served.length).toBeGreaterThanOrEqual(2);
    for (const r of refused) expect(r.retryAfter).toBe('1');
    expect(Math.min(...refused.map((r) => r.ms))).toBeLessThan(Math.max(...served.map((r) => r.ms)));
  }, 60_000);
});

describe('a render worker that dies', () => {
  it('fails only the request it was running (500 JSON) and is replaced for the next one', async () => {
    const lp = await startApp({ POOL_SIZE: '1', IMAGE_CACHE_MB: '0' });
    try {
      const threads = (lp.pool as unknown as { piscina: { threads: { terminate(): Promise<number> }[] } }).piscina.threads;
      const doomed = lp.app.inject(heavy(200));
      await new Promise((r) => setTimeout(r, 100));
      await threads[0].terminate();
      const res = await doomed;
      expect(res.statusCode).toBe(500);
      expect(res.json()).toMatchObject({ error: { code: 'render_failed' } });
      expect(res.headers['cache-control']).toBe('no-store');
      const next = await lp.app.inject(renderUrl({ text: 'After the crash', w: 200, h: 100 }));
      expect(next.statusCode).toBe(200);
    } finally {
      await lp.app.close();
    }
  }, 60_000);
});
