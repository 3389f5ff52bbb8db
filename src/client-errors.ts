/**
 * Requests Node's HTTP parser refuses before Fastify sees them — raw UTF-8 or a space in the URL,
 * a URL or headers past the header limit, malformed HTTP, headers that never finish — answered in
 * our error shape (`{"error":{"code","message","param"}}`, `Cache-Control: no-store`, the security
 * headers, a request id) with one log line, then the connection is closed. A URL with raw bytes
 * names the parameter they are in and says how to percent-encode it. When the bytes read so far
 * hold an Accept header that prefers an image (an `<img>` whose URL is too long), the error is
 * drawn as a PNG, as for every other error; otherwise JSON.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { prefersImage } from './accept.js';
import { errorImage } from './error-image.js';
import { AppError } from './errors.js';
import { SECURITY_HEADERS } from './security-headers.js';

/** What the parser hands over: the error, with the bytes it was parsing. */
type ParserError = Error & { code?: string; rawPacket?: unknown };

const REQUEST_LINE = /^([A-Z]{3,12}) /;

/** The first line of `raw` when the packet starts a request, with the method and the target's bytes. */
function requestLine(raw: Buffer | undefined): { method: string; target: Buffer; complete: boolean } | null {
  if (!raw) return null;
  const m = REQUEST_LINE.exec(raw.subarray(0, 16).toString('latin1'));
  if (!m) return null;
  const eol = raw.indexOf(0x0a);
  const line = raw.subarray(0, eol < 0 ? raw.length : eol).subarray(0, 64 * 1024);
  const start = m[0].length;
  const version = line.lastIndexOf(' HTTP/');
  const end = version > start ? version : line.length - (line.at(-1) === 0x0d ? 1 : 0);
  return { method: m[1], target: line.subarray(start, end), complete: eol >= 0 };
}

/** The value of header `name` in the packet, when it is there in full. */
function headerValue(raw: Buffer | undefined, name: string): string | undefined {
  if (!raw) return undefined;
  const m = new RegExp(`\\r?\\n${name}:[ \\t]*([^\\r\\n]*)\\r?\\n`, 'i').exec(raw.subarray(0, 64 * 1024).toString('latin1'));
  return m?.[1].trim();
}

/** The bytes the parser was reading when it failed, if it said. */
function packetOf(err: ParserError): Buffer | undefined {
  return Buffer.isBuffer(err.rawPacket) ? err.rawPacket : undefined;
}

/** Shortens `s` for a message. */
function clip(s: string, max = 40): string {
  return [...s].length > max ? `${[...s].slice(0, max).join('')}…` : s;
}

/** A 400 naming where in `target` the first byte a URL may not hold is, and how to encode it; null when there is none. */
function rawBytesError(target: Buffer, host: string): AppError | null {
  const bad = target.findIndex((b) => b >= 0x7f || b <= 0x20);
  if (bad < 0) return null;
  const q = target.indexOf(0x3f); // '?'
  const path = target.subarray(0, q < 0 ? target.length : q).toString('latin1').replace(/[^\x21-\x7e]/g, '');
  const what = target[bad] === 0x20 ? 'a space' : target[bad] >= 0x80 ? 'raw (not percent-encoded) UTF-8' : 'a control character';
  if (q < 0 || bad < q) {
    return AppError.of('invalid_url', `the URL path has ${what} in it; percent-encode it as UTF-8 (a space is %20)`, 'url');
  }
  // The query parameter holding the byte: from the '&' before it to the one after.
  const segStart = target.lastIndexOf(0x26, bad) > q ? target.lastIndexOf(0x26, bad) + 1 : q + 1;
  const ampAfter = target.indexOf(0x26, bad);
  const segment = target.subarray(segStart, ampAfter < 0 ? target.length : ampAfter).toString('utf8');
  const eq = segment.indexOf('=');
  const name = clip(eq < 0 ? segment : segment.slice(0, eq), 40);
  const value = eq < 0 ? '' : segment.slice(eq + 1);
  let decoded = value;
  try {
    decoded = decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    // keep it as sent
  }
  const example = clip(decoded);
  return AppError.of('invalid_url',
    `the URL has ${what} in "${name}": percent-encode the value as UTF-8 (${name}=${encodeURIComponent(example)}), ` +
    `or let curl do it: ${curlCommand(target.subarray(q + 1), host, path)}`,
    name);
}

/** Single-quoted for a POSIX shell. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

/** `curl -G` with each query parameter as `-d` (already clean) or `--data-urlencode` (decoded, to be encoded by curl). */
function curlCommand(query: Buffer, host: string, path: string): string {
  const args: string[] = [];
  for (const seg of query.toString('utf8').split('&').filter(Boolean).slice(0, 20)) {
    if (/^[\x21-\x7e]*$/.test(seg)) {
      args.push(`-d ${shellQuote(clip(seg, 80))}`);
      continue;
    }
    const eq = seg.indexOf('=');
    let value = eq < 0 ? '' : seg.slice(eq + 1);
    try {
      value = decodeURIComponent(value.replace(/\+/g, ' '));
    } catch {
      // keep it as sent
    }
    args.push(`--data-urlencode ${shellQuote(`${eq < 0 ? seg : seg.slice(0, eq)}=${clip(value, 80)}`)}`);
  }
  return `curl -G ${args.join(' ')} ${shellQuote(`http://${host}${path}`)}`;
}

/** The error answer for a request the parser refused; null when there is nobody to answer. */
export function clientErrorFor(err: ParserError): AppError | null {
  const raw = packetOf(err);
  const line = requestLine(raw);
  const limit = `${Math.round(http.maxHeaderSize / 1024)} KB`;
  switch (err.code) {
    case 'ECONNRESET':
      return null;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return AppError.of('request_timeout', 'the request headers did not arrive in time');
    case 'HPE_HEADER_OVERFLOW':
      if (line && (!line.complete || line.target.length > http.maxHeaderSize / 2)) {
        return AppError.of('uri_too_long', `the URL is longer than the server's ${limit} limit; send long text in a poster document (POST /render) instead`, 'url');
      }
      return AppError.of('headers_too_large', `the request's URL and headers together are larger than the server's ${limit} limit`, 'headers');
    default: {
      const host = (headerValue(raw, 'host') ?? 'localhost:8080').replace(/[^\w.:[\]-]/g, '').slice(0, 100) || 'localhost:8080';
      const misplaced = line ? rawBytesError(line.target, host) : null;
      if (misplaced) return misplaced;
      if (err.code === 'HPE_INVALID_HEADER_TOKEN' || err.code === 'HPE_INVALID_HEADER_VALUE' || err.code === 'HPE_LF_EXPECTED') {
        return AppError.of('bad_request', `a request header is malformed (${err.code})`, 'headers');
      }
      return AppError.of('bad_request', `the request is not valid HTTP/1.1${err.code ? ` (${err.code})` : ''}`);
    }
  }
}

/**
 * Fastify's `clientErrorHandler` option: answers the refused request in our shape, logs one
 * line and reports the status and code (for metrics), then closes the connection.
 */
export function clientErrorHandler(log: () => FastifyBaseLogger, report: (status: number, code: string) => void, quote = true): (err: ParserError, socket: Socket) => void {
  return (err, socket) => {
    if (socket.destroyed) return;
    const appErr = clientErrorFor(err);
    if (!appErr) {
      socket.destroy();
      return;
    }
    const raw = packetOf(err);
    const given = headerValue(raw, 'x-request-id');
    const reqId = given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    const method = requestLine(raw)?.method;
    log().info({ reqId, route: 'client_error', ...(method ? { method } : {}), status: appErr.status, error: appErr.code, parserError: err.code }, 'request');
    report(appErr.status, appErr.code);
    // Like Node's own answer: only when no response has started on this socket.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      const png = (method === 'GET' || method === 'HEAD') && prefersImage(headerValue(raw, 'accept')) ? errorImage(appErr, quote) : null;
      const body = png ?? Buffer.from(JSON.stringify(appErr.toJSON()));
      const head = [
        `HTTP/1.1 ${appErr.status} ${http.STATUS_CODES[appErr.status] ?? 'Error'}`,
        `Content-Type: ${png ? 'image/png' : 'application/json; charset=utf-8'}`,
        `Content-Length: ${body.byteLength}`,
        'Cache-Control: no-store',
        'Vary: Accept',
        ...Object.entries(SECURITY_HEADERS).map(([k, v]) => `${k}: ${v}`),
        `x-request-id: ${reqId}`,
        'Connection: close',
      ];
      socket.end(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]));
      setTimeout(() => socket.destroy(), 2000).unref();
    } else {
      socket.destroy();
    }
  };
}

/**
 * The server's `checkExpectation` listener: an `Expect` header other than `100-continue`, which
 * Node would otherwise answer with a bare 417 of its own, gets our 417 `expectation_failed` in the
 * JSON error shape, `no-store`, the security headers and one log line.
 */
export function expectationHandler(log: () => FastifyBaseLogger, report: (status: number, code: string) => void): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    const appErr = AppError.of('expectation_failed', 'only "Expect: 100-continue" is supported', 'expect');
    const given = req.headers['x-request-id'];
    const reqId = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    log().info({ reqId, route: 'client_error', method: req.method, status: appErr.status, error: appErr.code }, 'request');
    report(appErr.status, appErr.code);
    const body = JSON.stringify(appErr.toJSON());
    res.writeHead(appErr.status, {
      'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store',
      'x-request-id': reqId, Connection: 'close', ...SECURITY_HEADERS,
    });
    res.end(body);
  };
}
