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

/** Sends a GET and destroys the connection after `ms`, before the answer. */
function getAndHangUp(path: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path });
    req.on('error', () => resolve());
    setTimeout(() => {
      req.destroy();
      resolve();
    }, ms);
  });
}

describe('a client that disconnects', () => {
  it('drops its queued render; the worker skips it and serves the next client', async () => {
    const heavy = (i: number) => renderUrl({ text: `Busy ${i} ${'word '.repeat(60)}`, w: 2000, h: 2000, dpr: 2, bg: '000000,ffffff' });
    const busy = lp.app.inject(heavy(0));
    await new Promise((r) => setTimeout(r, 20));
    await Promise.all(Array.from({ length: 6 }, (_, i) => getAndHangUp(heavy(i + 1), 30)));
    expect((await busy).statusCode).toBe(200);
    const next = await lp.app.inject(renderUrl({ text: 'Still here', w: 200, h: 100 }));
    expect(next.statusCode).toBe(200);
    expect(lp.pool.stats().cancelled).toBeGreaterThanOrEqual(5);
  });
});
