/**
 * A request that arrives while the server drains for shutdown gets our own 503 `shutting_down`
 * (JSON shape, no-store, Retry-After, security headers), not Fastify's bare default answer.
 */
import { describe, expect, it } from 'vitest';
import { answerDuringClose, startApp } from './helpers.js';

describe('requests during shutdown', () => {
  it('a request completed after close() began answers 503 shutting_down in our shape', async () => {
    const lp = await startApp({}, { jobs: false });
    const { head, json } = await answerDuringClose(lp, 'GET /render.png?text=late HTTP/1.1');
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head).toMatch(/\r\ncache-control: no-store\r\n/i);
    expect(head).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(head).toMatch(/\r\nx-content-type-options: nosniff\r\n/i);
    expect(json).toMatchObject({ error: { code: 'shutting_down' } });
  });
});
