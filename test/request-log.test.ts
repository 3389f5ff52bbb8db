import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { logCapture, startApp } from './helpers.js';

const { stream, lines } = logCapture();

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp({ LOG_LEVEL: 'info' }, { logStream: stream });
});
afterAll(async () => {
  await lp?.app.close();
});

describe('request logs', () => {
  it('writes one JSON line per request with id, route, status, duration, format, pixels and outcome — never the text', async () => {
    const secret = 'TopSecretLaunchName';
    const url = `/render.png?text=${secret}&w=300&h=100&dpr=2`;
    const first = await lp.app.inject({ url, headers: { 'x-request-id': 'trace-1' } });
    await lp.app.inject({ url, headers: { 'if-none-match': first.headers.etag as string, 'x-request-id': 'trace-2' } });
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.msg === 'request');
    const one = entries.find((e) => e.reqId === 'trace-1')!;
    expect(one).toMatchObject({ route: '/render.:format', status: 200, format: 'png', px: '600x200', outcome: 'render', textLength: secret.length });
    expect(typeof one.ms).toBe('number');
    expect(entries.find((e) => e.reqId === 'trace-2')).toMatchObject({ status: 304, outcome: 'etag' });
    expect(entries.filter((e) => e.reqId === 'trace-1')).toHaveLength(1);
    expect(lines.join('\n')).not.toContain(secret);
  });
});
