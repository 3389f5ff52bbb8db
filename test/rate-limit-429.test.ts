import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { renderUrl, startApp } from './helpers.js';

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp({ RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' });
});
afterAll(async () => {
  await lp?.app.close();
});

describe('rate limiting per client IP', () => {
  it('answers 429 with Retry-After and RateLimit-* headers past the limit, as a JSON error', async () => {
    const codes: number[] = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await lp.app.inject({ url: renderUrl({ text: `n${i}`, w: 100, h: 50, padding: 4 }), remoteAddress: '203.0.113.7' });
      codes.push(last.statusCode);
    }
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(last!.headers['ratelimit-limit']).toBe('3');
    expect(last!.headers['ratelimit-remaining']).toBe('0');
    expect(last!.headers['cache-control']).toBe('no-store');
    expect(last!.json()).toMatchObject({ error: { code: 'rate_limited' } });
  });

  it('counts each IP separately and leaves health and metrics alone', async () => {
    const other = await lp.app.inject({ url: renderUrl({ text: 'other', w: 100, h: 50, padding: 4 }), remoteAddress: '198.51.100.9' });
    expect(other.statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await lp.app.inject({ url: '/healthz', remoteAddress: '203.0.113.7' })).statusCode).toBe(200);
  });

  it('is off by default', async () => {
    const open = await startApp();
    try {
      for (let i = 0; i < 5; i++) expect((await open.app.inject(renderUrl({ text: 'x', w: 50, h: 50, padding: 2 }))).statusCode).toBe(200);
    } finally {
      await open.app.close();
    }
  });
});
