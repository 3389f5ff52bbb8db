import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { renderUrl, startApp } from './helpers.js';

let lp: LetterpressApp;
let port = 0;
beforeAll(async () => {
  lp = await startApp({ POOL_SIZE: '1', MAX_QUEUE: '64', IMAGE_CACHE_MB: '0' });
  await lp.app.listen({ port: 0, host: '127.0.0.1' });
  port = (lp.app.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await lp?.app.close();
});

/** Sends a GET whose answer we will never wait for; returns a function that hangs up. */
function getThenHangUp(path: string): () => void {
  const req = http.get({ host: '127.0.0.1', port, path });
  req.on('error', () => {});
  return () => req.destroy();
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('a client that disconnects', () => {
  it('drops its queued render; the worker skips it and serves the next client', async () => {
    const heavy = (i: number) => renderUrl({ text: `Busy ${i} ${'word '.repeat(60)}`, w: 2000, h: 2000, dpr: 2, bg: '000000,ffffff' });
    // Two slow renders keep the only worker busy while six more requests queue behind them.
    const busy = [lp.app.inject(heavy(0)), lp.app.inject(heavy(100))];
    const hangUps = Array.from({ length: 6 }, (_, i) => getThenHangUp(heavy(i + 1)));
    await until(() => lp.pool.stats().queued >= 6);
    for (const hangUp of hangUps) hangUp();
    for (const b of busy) expect((await b).statusCode).toBe(200);
    await until(() => lp.pool.stats().queued === 0);
    const next = await lp.app.inject(renderUrl({ text: 'Still here', w: 200, h: 100 }));
    expect(next.statusCode).toBe(200);
    // Six clients left while their renders were queued behind the busy one.
    await until(() => lp.pool.stats().cancelled >= 6);
    expect(lp.pool.stats().cancelled).toBe(6);
  });
});
