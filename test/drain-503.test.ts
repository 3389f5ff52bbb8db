/**
 * A request that arrives while the server drains for shutdown gets our own 503 `shutting_down`
 * (JSON shape, no-store, Retry-After, security headers), not Fastify's bare default answer.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startApp } from './helpers.js';

describe('requests during shutdown', () => {
  it('a request completed after close() began answers 503 shutting_down in our shape', async () => {
    const lp = await startApp({}, { jobs: false });
    const address = await lp.app.listen({ port: 0, host: '127.0.0.1' });
    const socket = net.connect(Number(new URL(address).port), '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => { answer += d.toString('latin1'); });
    await new Promise((r) => socket.once('connect', r));
    socket.write('GET /render.png?text=late HTTP/1.1\r\nHost: x\r\n');
    await new Promise((r) => setTimeout(r, 100));
    const closing = lp.app.close();
    await new Promise((r) => setTimeout(r, 100));
    socket.write('\r\n');
    const deadline = Date.now() + 5000;
    while (!answer.includes('\r\n\r\n{') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    socket.destroy();
    await closing;
    const [head, body] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head).toMatch(/\r\ncache-control: no-store\r\n/i);
    expect(head).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(head).toMatch(/\r\nx-content-type-options: nosniff\r\n/i);
    expect(JSON.parse(body.slice(0, body.lastIndexOf('}') + 1))).toMatchObject({ error: { code: 'shutting_down' } });
  });
});
