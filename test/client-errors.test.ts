/**
 * Every error is ours: requests Node's HTTP parser refuses (raw UTF-8 or a space in the URL, a
 * URL or headers past the limit, malformed HTTP), errors Fastify finds while routing (bad
 * percent-encoding, over-long path segments) and body errors (bad JSON, 413, 415) answer
 * `{"error":{"code","message","param"}}` with `Cache-Control: no-store`, the security headers and
 * a request id, and write one log line. Sent as raw bytes over a socket to a listening server.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { decode, logCapture, startApp } from './helpers.js';

const { stream, lines } = logCapture();

let lp: LetterpressApp;
let port: number;
beforeAll(async () => {
  lp = await startApp({ LOG_LEVEL: 'info', MAX_BODY_KB: '16' }, { logStream: stream, jobs: false });
  await lp.app.listen({ port: 0, host: '127.0.0.1' });
  port = (lp.app.server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await lp?.app.close();
});

interface RawResponse { status: number; headers: Record<string, string>; body: string; raw: Buffer }

/** Sends `bytes` as they are and reads the whole answer (the server closes the connection). */
function sendRaw(bytes: Buffer | string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks);
      const at = all.indexOf('\r\n\r\n');
      const text = all.toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine, ...headerLines] = text.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of headerLines) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4), raw: all.subarray(at + 4) });
    });
    socket.end(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
  });
}

const get = (target: string, extra = ''): string => `GET ${target} HTTP/1.1\r\nHost: localhost:8080\r\n${extra}Connection: close\r\n\r\n`;
const post = (type: string, body: string): string =>
  `POST /render HTTP/1.1\r\nHost: localhost:8080\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;

/** Checks the answer is our error shape with every header errors carry; returns the error. */
function expectOurError(res: RawResponse, status: number, code: string, param?: string): { code: string; message: string; param?: string } {
  expect(res.status, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
  expect(res.headers['x-request-id']).toMatch(/^[\w.:-]+$/);
  expect(res.headers.etag).toBeUndefined();
  const body = JSON.parse(res.body) as { error: { code: string; message: string; param?: string } };
  expect(body.error.code).toBe(code);
  if (param !== undefined) expect(body.error.param).toBe(param);
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error;
}

/** The request log lines for `reqId`. */
const logFor = (reqId: string): Record<string, unknown>[] =>
  lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.msg === 'request' && e.reqId === reqId);

describe('requests the HTTP parser refuses answer in our error shape', () => {
  it('a raw UTF-8 URL (curl "…?text=東京") answers 400 invalid_url naming the parameter and how to percent-encode it, and logs one line', async () => {
    const res = await sendRaw(get('/render.png?w=300&text=東京&h=100'));
    const err = expectOurError(res, 400, 'invalid_url', 'text');
    expect(err.message).toContain('percent-encode');
    expect(err.message).toContain('text=%E6%9D%B1%E4%BA%AC');
    expect(err.message).toContain("curl -G -d 'w=300' --data-urlencode 'text=東京' -d 'h=100' 'http://localhost:8080/render.png'");
    expect(logFor(res.headers['x-request-id'])).toEqual([expect.objectContaining({ route: 'client_error', status: 400, error: 'invalid_url' })]);
  });

  it('a space in a query value answers 400 invalid_url naming the parameter', async () => {
    const err = expectOurError(await sendRaw(get('/render.png?text=hello world')), 400, 'invalid_url', 'text');
    expect(err.message).toContain('text=hello%20world');
    expect(err.message).toContain("curl -G --data-urlencode 'text=hello world' 'http://localhost:8080/render.png'");
  });

  it('raw bytes in the path answer 400 invalid_url with param "url"', async () => {
    expectOurError(await sendRaw(get('/t/東京.png')), 400, 'invalid_url', 'url');
  });

  it('a URL past the header limit answers 414 uri_too_long; oversize headers answer 431 headers_too_large', async () => {
    expectOurError(await sendRaw(get(`/render.png?text=${'a'.repeat(20_000)}`)), 414, 'uri_too_long', 'url');
    expectOurError(await sendRaw(get('/render.png?text=a', `X-Padding: ${'p'.repeat(20_000)}\r\n`)), 431, 'headers_too_large', 'headers');
  });

  it('an <img> whose URL is past the limit gets the 414 drawn as a PNG (its Accept arrived with the URL)', async () => {
    const accept = 'Accept: image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8\r\n';
    const res = await sendRaw(get(`/render.png?text=${'a'.repeat(17_000)}`, accept));
    expect(res.status).toBe(414);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.vary).toBe('Accept');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const img = await decode(res.raw);
    expect(img.format).toBe('png');
    expect(img.width).toBe(480);
  });

  it('malformed HTTP answers 400 bad_request in our shape', async () => {
    expectOurError(await sendRaw('GET /render.png?text=a HTTP/1.1\r\nHost: x\r\nBad\u0001Header: 1\r\n\r\n'), 400, 'bad_request');
    expectOurError(await sendRaw('NOT-HTTP\r\n\r\n'), 400, 'bad_request');
  });

  it('keeps a well-formed x-request-id the client sent, for correlation', async () => {
    const res = await sendRaw(`GET /render.png?text=東京 HTTP/1.1\r\nHost: x\r\nx-request-id: trace-raw-1\r\n\r\n`);
    expect(res.headers['x-request-id']).toBe('trace-raw-1');
    expect(logFor('trace-raw-1')).toHaveLength(1);
  });

  it('an Expect header other than 100-continue answers 417 expectation_failed naming expect, and logs one line', async () => {
    const res = await sendRaw(get('/render.png?text=Hi', 'Expect: something-else\r\n'));
    expectOurError(res, 417, 'expectation_failed', 'expect');
    expect(logFor(res.headers['x-request-id'])).toEqual([expect.objectContaining({ route: 'client_error', status: 417, error: 'expectation_failed' })]);
  });

  it('counts refusals in /metrics', async () => {
    await sendRaw(get('/render.png?text=東京'));
    const body = (await lp.app.inject('/metrics')).body;
    expect(body).toMatch(/letterpress_http_requests_total\{route="client_error",status="400",format=""\} [1-9]/);
    expect(body).toMatch(/letterpress_rejected_total\{reason="invalid_url"\} [1-9]/);
  });
});

describe('errors Fastify finds answer in our error shape', () => {
  it('a bad percent-encoding in the path answers 400 invalid_url, logged once', async () => {
    const res = await sendRaw(get('/t/%E0%A4%A.png'));
    expectOurError(res, 400, 'invalid_url', 'url');
    await new Promise((r) => setTimeout(r, 50));
    expect(logFor(res.headers['x-request-id'])).toEqual([expect.objectContaining({ status: 400, error: 'invalid_url' })]);
  });

  it('a path segment past the router limit answers 414 uri_too_long', async () => {
    expectOurError(await sendRaw(get(`/t/${'x'.repeat(5000)}.png`)), 414, 'uri_too_long', 'url');
  });

  it('malformed and empty JSON bodies answer 400 invalid_json naming the body', async () => {
    expectOurError(await sendRaw(post('application/json', '{"layers": [')), 400, 'invalid_json', 'body');
    expectOurError(await sendRaw(post('application/json', '')), 400, 'invalid_json', 'body');
  });

  it('a body past the limit answers 413 payload_too_large; an unsupported Content-Type 415 unsupported_media_type', async () => {
    expectOurError(await sendRaw(post('application/json', JSON.stringify({ layers: [], pad: 'x'.repeat(20_000) }))), 413, 'payload_too_large', 'body');
    expectOurError(await sendRaw(post('text/xml', '<poster/>')), 415, 'unsupported_media_type', 'content-type');
  });

  it('an unknown route answers 404 not_found in our shape', async () => {
    expectOurError(await sendRaw(get('/nope')), 404, 'not_found');
  });
});
