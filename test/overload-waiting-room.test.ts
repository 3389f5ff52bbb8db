/**
 * A full render queue paces clients instead of refusing them in a busy loop: requests that find
 * it full wait (up to QUEUE_WAIT_MS) for a place and are rendered; past MAX_WAITING, or after
 * waiting QUEUE_WAIT_MS, they get 503 overloaded with Retry-After. Newest waiters go first.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { Admission } from '../src/admission.js';
import { renderUrl, startApp } from './helpers.js';

let lp: LetterpressApp | undefined;
afterEach(async () => {
  await lp?.app.close();
  lp = undefined;
});

const heavy = (i: number) => renderUrl({ text: `Busy ${i} ${'word '.repeat(40)}`, w: 1600, h: 900 });

describe('the waiting room in front of a full queue', () => {
  it('renders every request of a burst 6x the queue when they may wait, refusing none', async () => {
    lp = await startApp({ POOL_SIZE: '1', MAX_QUEUE: '1', QUEUE_WAIT_MS: '30000', IMAGE_CACHE_MB: '0' });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => lp!.app.inject(heavy(i))));
    expect(results.map((r) => r.statusCode)).toEqual(Array(12).fill(200));
    expect(lp.pool.admissionStats()).toMatchObject({ waiting: 0, timedOut: 0 });
    expect(lp.pool.admissionStats().admittedAfterWait).toBeGreaterThan(0);
  });

  it('refuses at once, with Retry-After, what does not fit in MAX_WAITING', async () => {
    lp = await startApp({ POOL_SIZE: '1', MAX_QUEUE: '1', QUEUE_WAIT_MS: '30000', MAX_WAITING: '2', IMAGE_CACHE_MB: '0' });
    const t0 = Date.now();
    const timed = await Promise.all(Array.from({ length: 8 }, async (_, i) => ({ r: await lp!.app.inject(heavy(i)), ms: Date.now() - t0 })));
    const results = timed.map((t) => t.r);
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(4); // 1 running + 1 queued + 2 waiting
    expect(codes.filter((c) => c === 503)).toHaveLength(4);
    // At once: well before QUEUE_WAIT_MS (30 s), not after waiting it out.
    for (const t of timed.filter((x) => x.r.statusCode === 503)) expect(t.ms).toBeLessThan(10_000);
    for (const r of results.filter((x) => x.statusCode === 503)) {
      expect(r.headers['retry-after']).toBe('1');
      expect(r.headers['cache-control']).toBe('no-store');
      expect(r.json()).toMatchObject({ error: { code: 'overloaded' } });
    }
  });

  it('refuses a waiter after QUEUE_WAIT_MS, and lets the newest waiter in first', async () => {
    let free = 0;
    const gate = new Admission(1, 200, 10);
    await gate.enter(); // the one place is taken
    const order: string[] = [];
    const t0 = performance.now();
    const old = gate.enter().then(() => order.push('old'), (e: Error) => order.push(`old ${e.message}`));
    const young = gate.enter().then(() => order.push('young'));
    setTimeout(() => { free = performance.now() - t0; gate.leave(); }, 50);
    await young;
    await old;
    expect(order).toEqual(['young', 'old the render queue is full; retry shortly']);
    expect(free).toBeLessThan(200);
    expect(gate.stats()).toMatchObject({ admittedAfterWait: 1, timedOut: 1, waiting: 0 });
  });
});
