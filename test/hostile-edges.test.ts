/**
 * Issue #14, items 8 and 9: the edges hold against hostile input. JSON bodies are bounded in
 * depth at parse time; only a template's own variables are accepted (never `constructor`,
 * `__proto__`…); each signature has exactly one accepted spelling; numbers follow one strict
 * decimal grammar; malformed percent-encoding and invalid UTF-8 answer 400 naming the parameter;
 * the bearer key is checked before a body is read, on every /jobs route; bodies are bounded per
 * route; webhook hosts mean the scheme's default port unless a port is listed, and URLs with
 * credentials are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../src/json-body.js';
import { checkWebhook } from '../src/jobs/job-input.js';
import { ItemRenderer } from '../src/jobs/item-renderer.js';
import { parseStrictQuery } from '../src/query-string.js';
import { signCanonical, signRenderUrl } from '../src/signing.js';
import { posterCanonicalString } from '../src/poster.js';
import { startApp, testConfig, waitFor } from './helpers.js';

const KEY = 'hostile-edges-key-0123456789';
let open: LetterpressApp;
let keyed: LetterpressApp;
beforeAll(async () => {
  open = await startApp({ IMAGE_CACHE_MB: '0', WEBHOOK_HOSTS: '127.0.0.1:9,hooks.example.com' });
  keyed = await startApp({ SIGNING_KEYS: KEY }, { jobs: false });
});
afterAll(async () => {
  await open?.app.close();
  await keyed?.app.close();
});

const AUTH = { authorization: `Bearer ${KEY}` };
const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
type Err = { error: { code: string; param?: string; message: string } };

async function expect400(lp: LetterpressApp, url: string, code: string, param: string, status = 400): Promise<void> {
  const res = await lp.app.inject(url);
  expect(res.statusCode, `${url}: ${res.body}`).toBe(status);
  expect(res.headers['cache-control'], url).toBe('no-store');
  expect((res.json() as Err).error, url).toMatchObject({ code, param });
}

describe('8. deeply nested JSON bodies', () => {
  it('a depth-6,000 body (12 KB) answers 400 naming the body on POST /jobs and POST /render, JSON and NDJSON', async () => {
    const nested = deep(6000);
    expect(nested.length).toBe(12_000);
    const cases: [string, string, string][] = [
      ['/jobs', 'application/json', `{"template":"status-badge","rows":[{"label":${nested}}]}`],
      ['/jobs', 'application/json', nested],
      ['/jobs?template=status-badge', 'application/x-ndjson', `{"label":"a"}\n{"label":${nested}}`],
      ['/render', 'application/json', `{"layers":[${nested}]}`],
      ['/render', 'application/json; charset=utf-8', nested],
    ];
    for (const [url, type, payload] of cases) {
      const res = await open.app.inject({ method: 'POST', url, payload, headers: { 'content-type': type } });
      expect(res.statusCode, `${url} ${type}: ${res.body}`).toBe(400);
      expect(res.headers['cache-control']).toBe('no-store');
      expect((res.json() as Err).error).toMatchObject({ code: 'invalid_document', param: 'body' });
    }
  });

  it('depth is counted outside strings only, in linear time; a big flat body parses', async () => {
    expect(jsonDepthExceeds(deep(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(jsonDepthExceeds(deep(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
    expect(jsonDepthExceeds(`{"a":"${'['.repeat(10_000)}\\"${'{'.repeat(100)}"}`, MAX_JSON_DEPTH)).toBe(false);
    // 1.3 MB of flat rows: read in full and answered by the normal checks (too many rows), fast.
    const rows = Array.from({ length: 40_000 }, (_, i) => ({ label: 'row', message: String(i) }));
    const payload = JSON.stringify({ template: 'status-badge', rows });
    expect(payload.length).toBeGreaterThan(1_000_000);
    const t0 = Date.now();
    const res = await open.app.inject({ method: 'POST', url: '/jobs', payload, headers: { 'content-type': 'application/json' } });
    expect((res.json() as Err).error, res.body).toMatchObject({ code: 'out_of_range', param: 'rows' });
    expect(Date.now() - t0).toBeLessThan(5000);
    // A flat poster document far from the limit still renders.
    const doc = { width: 200, height: 100, layers: Array.from({ length: 60 }, (_, i) => ({ type: 'rect', x: i, y: 0, width: 2, height: 2, fill: '#123456' })) };
    expect((await open.app.inject({ method: 'POST', url: '/render', payload: doc })).statusCode).toBe(200);
  });
});

describe('9. only a template\'s own variables', () => {
  const PROTO = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

  it('inherited Object names are unknown parameters on /t/ and /render', async () => {
    for (const k of PROTO) {
      await expect400(open, `/t/status-badge.png?message=ok&${k}=x`, 'unknown_parameter', k);
      await expect400(open, `/render.png?text=ok&${k}=1`, 'unknown_parameter', k);
    }
  });

  it('even on a signed template URL', async () => {
    const spec = keyed.templates.fill(keyed.templates.get('status-badge'), { message: 'ok' }, 'png');
    const sig = signCanonical(posterCanonicalString(spec), KEY);
    expect((await keyed.app.inject(`/t/status-badge.png?message=ok&sig=${sig}`)).statusCode).toBe(200);
    for (const k of PROTO) await expect400(keyed, `/t/status-badge.png?message=ok&sig=${sig}&${k}=1`, 'unknown_parameter', k);
  });

  it('CSV columns and NDJSON row keys must be declared variables (400 at submit); the row renderer refuses them too', async () => {
    for (const k of PROTO) {
      const res = await open.app.inject({ method: 'POST', url: '/jobs?template=status-badge', payload: `label,${k}\r\na,b\r\n`, headers: { 'content-type': 'text/csv' } });
      expect(res.statusCode, res.body).toBe(400);
      expect((res.json() as Err).error).toMatchObject({ code: 'unknown_parameter', param: k });
      const nd = await open.app.inject({ method: 'POST', url: '/jobs?template=status-badge', payload: `{"label":"a",${JSON.stringify(k)}:"x"}`, headers: { 'content-type': 'application/x-ndjson' } });
      expect(nd.statusCode, nd.body).toBe(400);
      expect((nd.json() as Err).error).toMatchObject({ code: 'unknown_parameter', param: `rows/0/${k}` });
    }
    const renderer = new ItemRenderer({ config: testConfig(), catalog: open.catalog, assets: open.assets }, open.templates, open.pool, 1000);
    for (const k of PROTO) {
      const row = JSON.parse(`{"label":"a",${JSON.stringify(k)}:"x"}`) as Record<string, unknown>;
      expect(() => renderer.spec({ kind: 'template', template: 'status-badge', format: 'png' }, row)).toThrow(expect.objectContaining({ code: 'unknown_parameter', param: k }));
    }
  });
});

describe('9. exactly one accepted spelling of each signature', () => {
  /** Flips the low bits of the last character: the same 32 bytes, another spelling. */
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const sameBytes = (sig: string): string[] => {
    const i = ALPHABET.indexOf(sig[42]);
    return [1, 2, 3].map((d) => sig.slice(0, 42) + ALPHABET[(i & ~3) | ((i + d) & 3)]);
  };
  const variants = (sig: string): string[] => [
    ...sameBytes(sig),
    `${sig}=`, `${sig}%3D`,
    encodeURIComponent(Buffer.from(sig, 'base64url').toString('base64')), // +/ and = spelling
  ];

  it('on /render', async () => {
    const url = signRenderUrl('/render.png?text=One%20spelling&w=200&h=100', KEY, testConfig({ SIGNING_KEYS: KEY }), keyed.catalog);
    const sig = new URL(url, 'http://x').searchParams.get('sig')!;
    expect((await keyed.app.inject(url)).statusCode).toBe(200);
    for (const v of variants(sig)) {
      expect(Buffer.from(decodeURIComponent(v), 'base64').equals(Buffer.from(sig, 'base64url'))).toBe(true);
      const res = await keyed.app.inject(url.replace(sig, v));
      expect(res.statusCode, v).toBe(403);
      expect((res.json() as Err).error).toMatchObject({ code: 'invalid_signature', param: 'sig' });
    }
  });

  it('POST /sign signs only what the server accepts: strict query, plain numbers, bounded JSON', async () => {
    const sign = (url: string) => keyed.app.inject({ method: 'POST', url: '/sign', payload: { url }, headers: AUTH });
    const ok = await sign('/render.png?text=Hi+there&w=300&h=150');
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await keyed.app.inject((ok.json() as { url: string }).url)).statusCode).toBe(200);
    for (const [url, param] of [['/render.png?text=%E0%A4%A', 'text'], ['/render.png?text=x&w=0x10', 'w'], ['/render.png?text=a&text=b', 'text'], ['/t/status-badge.png?message=a&constructor=1', 'constructor'], ['/badge/a-b-green?dpr=1e0', 'dpr']]) {
      const res = await sign(url);
      expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
      expect((res.json() as Err).error.param, url).toBe(param);
    }
    const deepBody = await keyed.app.inject({ method: 'POST', url: '/sign', payload: `{"url":${deep(6000)}}`, headers: { ...AUTH, 'content-type': 'application/json' } });
    expect((deepBody.json() as Err).error, deepBody.body).toMatchObject({ code: 'invalid_document', param: 'body' });
  });

  it('on /t/', async () => {
    const spec = keyed.templates.fill(keyed.templates.get('status-badge'), { message: 'once' }, 'png');
    const sig = signCanonical(posterCanonicalString(spec), KEY);
    expect((await keyed.app.inject(`/t/status-badge.png?message=once&sig=${sig}`)).statusCode).toBe(200);
    for (const v of variants(sig)) {
      const res = await keyed.app.inject(`/t/status-badge.png?message=once&sig=${v}`);
      expect(res.statusCode, v).toBe(403);
      expect((res.json() as Err).error).toMatchObject({ code: 'invalid_signature', param: 'sig' });
    }
  });
});

describe('9. numbers are plain decimals: ^-?\\d+(\\.\\d+)?$', () => {
  const BAD = ['0x10', '0X10', '0b101', '0o17', '1e3', '1E3', '6e2', '%20600', '600%20', '+600', '+', '-', 'Infinity', '-Infinity', 'NaN', '.5', '5.', '1_000', '1,000', '', '%09600', '600%0A', '%EF%BC%96%EF%BC%90%EF%BC%90'];

  it('GET /render refuses every other spelling, naming the parameter', async () => {
    for (const v of BAD) {
      await expect400(open, `/render.png?text=x&w=${v}`, 'invalid_parameter', 'w');
      await expect400(open, `/render.png?text=x&dpr=${v}`, 'invalid_parameter', 'dpr');
    }
  });

  it('template number variables, dpr and q too', async () => {
    for (const v of BAD) {
      await expect400(open, `/t/chinese-promo.jpg?price=${v}`, 'invalid_parameter', 'price');
      await expect400(open, `/t/status-badge.png?dpr=${v}`, 'invalid_parameter', 'dpr');
      await expect400(open, `/t/chinese-promo.jpg?q=${v}`, 'invalid_parameter', 'q');
    }
  });

  it('badge dpr too; w/h keep their word auto', async () => {
    for (const v of ['0x2', '2e0', '%202', 'Infinity']) await expect400(open, `/badge/build-passing-green?dpr=${v}`, 'invalid_parameter', 'dpr');
    expect((await open.app.inject('/badge/build-passing-green?dpr=2')).statusCode).toBe(200);
    expect((await open.app.inject('/render.png?text=auto&w=auto&h=auto')).statusCode).toBe(200);
    await expect400(open, '/render.png?text=x&w=Auto', 'invalid_parameter', 'w');
  });

  it('plain decimals still work (negative, fractional, leading zeros read as decimal)', async () => {
    for (const q of ['w=300&h=150', 'w=300.0&h=150&dpr=1.5', 'w=300&h=150&bg=000,fff&angle=-45.25', 'w=300&h=150&letterSpacing=-2', 'w=0300&h=150']) {
      const res = await open.app.inject(`/render.png?text=ok&${q}`);
      expect(res.statusCode, `${q}: ${res.body}`).toBe(200);
    }
    expect((await open.app.inject('/render.png?text=ok&w=0300&h=150')).headers.etag).toBe((await open.app.inject('/render.png?text=ok&w=300&h=150')).headers.etag);
    expect((await open.app.inject('/t/chinese-promo.jpg?price=99.5&dpr=1')).statusCode).toBe(200);
  });
});

describe('9. strict percent-encoding', () => {
  it('malformed escapes and invalid UTF-8 answer 400 invalid_url naming the parameter', async () => {
    const cases: [string, string][] = [
      ['text=%E0%A4%A', 'text'], ['text=%E0%A4', 'text'], ['text=abc%', 'text'], ['text=%zz', 'text'], ['text=%%%', 'text'],
      ['text=%ED%A0%80lone', 'text'], ['text=%F0%9F', 'text'], ['text=%C0%AF', 'text'], ['text=%FF', 'text'],
      ['text=ok&font=%E0%A4%A', 'font'],
    ];
    for (const [q, param] of cases) {
      await expect400(open, `/render.png?${q}`, 'invalid_url', param);
      await expect400(open, `/t/status-badge.png?${q.replace('text', 'message')}`, 'invalid_url', param.replace('text', 'message'));
    }
    await expect400(open, '/render.png?text=ok&te%ZZxt=1', 'invalid_url', 'te%ZZxt');
    const jobs = await open.app.inject({ method: 'POST', url: '/jobs?template=status-badge&webhook=%E0%A4%A', payload: 'label\na\n', headers: { 'content-type': 'text/csv' } });
    expect((jobs.json() as Err).error).toMatchObject({ code: 'invalid_url', param: 'webhook' });
  });

  it('+ is a space and UTF-8 decodes as before', async () => {
    const plus = await open.app.inject('/render.png?text=Hello+world&w=300&h=150');
    const pct = await open.app.inject('/render.png?text=Hello%20world&w=300&h=150');
    expect(plus.statusCode).toBe(200);
    expect(plus.headers.etag).toBe(pct.headers.etag);
    expect((await open.app.inject('/render.png?text=%E4%B8%96%E7%95%8C%20%F0%9F%91%8B%2B1&w=300&h=150')).statusCode).toBe(200);
    expect(parseStrictQuery('text=a+b%2Bc&w=1&w=2&e&=x&&sig=%3D')).toEqual({ text: 'a b+c', w: ['1', '2'], e: '', '': 'x', sig: '=' });
    expect(Object.getPrototypeOf(parseStrictQuery('__proto__=1'))).toBe(null);
    expect(Object.keys(parseStrictQuery('__proto__=1&constructor=2'))).toEqual(['__proto__', 'constructor']);
  });
});

describe('9. the bearer key, before the body, on every /jobs route', () => {
  it('POST /render and POST /jobs refuse a keyless request before reading its body (no 413, no parse error)', async () => {
    const big = 'x'.repeat(40 * 1024 * 1024);
    for (const url of ['/render', '/jobs']) {
      const res = await keyed.app.inject({ method: 'POST', url, payload: big, headers: { 'content-type': 'application/json' } });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(403);
      expect((res.json() as Err).error).toMatchObject({ code: 'invalid_signature', param: 'authorization' });
      expect(res.headers.connection).toBe('close');
      const wrong = await keyed.app.inject({ method: 'POST', url, payload: '{oops', headers: { 'content-type': 'application/json', authorization: 'Bearer not-the-key-000000000000' } });
      expect(wrong.statusCode, url).toBe(403);
    }
  });

  it('status, events, results.zip, items and DELETE need the key when SIGNING_KEYS is set', async () => {
    const id = '0123456789abcdef';
    const routes: [string, string][] = [['GET', `/jobs/${id}`], ['GET', `/jobs/${id}/events`], ['GET', `/jobs/${id}/results.zip`], ['GET', `/jobs/${id}/items/1`], ['DELETE', `/jobs/${id}`]];
    for (const [method, url] of routes) {
      const res = await keyed.app.inject({ method: method as 'GET', url });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect((res.json() as Err).error).toMatchObject({ code: 'invalid_signature', param: 'authorization' });
      const ok = await keyed.app.inject({ method: method as 'GET', url, headers: AUTH });
      expect(ok.statusCode, `${method} ${url} with the key`).toBe(404);
    }
  });

  it('bodies are bounded per route: a route that takes no body reads at most 64 KB', async () => {
    const res = await open.app.inject({ method: 'DELETE', url: '/jobs/0123456789abcdef', payload: 'a,b\n'.repeat(300_000), headers: { 'content-type': 'text/csv' } });
    expect(res.statusCode, res.body).toBe(413);
    const json = await open.app.inject({ method: 'DELETE', url: '/jobs/0123456789abcdef', payload: `[${'1,'.repeat(100_000)}1]`, headers: { 'content-type': 'application/json' } });
    expect(json.statusCode, json.body).toBe(413);
  });
});

describe('9. webhook hosts', () => {
  const hosts = ['hooks.example.com', '127.0.0.1:9', '[::1]:8443'];
  it('a host-only entry allows the scheme\'s default port only; host:port entries allow that port', () => {
    for (const ok of ['https://hooks.example.com/x', 'https://hooks.example.com:443/x', 'http://hooks.example.com/x', 'http://HOOKS.example.com:80/', 'http://127.0.0.1:9/done', 'https://[::1]:8443/h']) {
      expect(checkWebhook(ok, hosts), ok).toBeTruthy();
    }
    for (const bad of ['https://hooks.example.com:8443/', 'http://hooks.example.com:443/', 'https://hooks.example.com:80/', 'http://127.0.0.1/', 'http://127.0.0.1:90/', 'https://[::1]/', 'https://evil.example/', 'https://hooks.example.com.evil.example/', 'ftp://hooks.example.com/']) {
      expect(() => checkWebhook(bad, hosts), bad).toThrow(expect.objectContaining({ code: 'invalid_parameter', param: 'webhook' }));
    }
  });

  it('WEBHOOK_HOSTS entries are hosts or host:port, checked at start', () => {
    expect(loadConfig({ WEBHOOK_HOSTS: 'hooks.example.com, 127.0.0.1:8080,[::1]:9' }).webhookHosts).toHaveLength(3);
    for (const bad of ['https://hooks.example.com', 'hooks.example.com/path', 'user@hooks.example.com', 'hooks.example.com:', 'hooks.example.com:123456', '::1']) {
      expect(() => loadConfig({ WEBHOOK_HOSTS: bad }), bad).toThrow(ConfigError);
    }
  });

  it('URLs with credentials are refused at submit, naming webhook', async () => {
    for (const webhook of ['http://user:pass@127.0.0.1:9/done', 'http://user@127.0.0.1:9/done', 'https://:pw@hooks.example.com/']) {
      expect(() => checkWebhook(webhook, hosts), webhook).toThrow(expect.objectContaining({ param: 'webhook' }));
      const res = await open.app.inject({ method: 'POST', url: '/jobs', payload: { template: 'status-badge', rows: [{ label: 'a' }], webhook } });
      expect(res.statusCode, res.body).toBe(400);
      expect((res.json() as Err).error).toMatchObject({ code: 'invalid_parameter', param: 'webhook' });
    }
  });
});

describe('POST /jobs takes only its own query parameters, each once; numbers in rows and row numbers have one spelling', () => {
  const post = (url: string, payload: string, type = 'application/x-ndjson') => open.app.inject({ method: 'POST', url, payload, headers: { 'content-type': type } });

  it('an unknown query parameter, a repeated one, or one POST /jobs does not take (dpr) is 400 naming it, not a 202', async () => {
    const cases: [string, string, string][] = [
      ['/jobs?template=status-badge&bogus=1', 'unknown_parameter', 'bogus'],
      ['/jobs?template=status-badge&dpr=0x2', 'unknown_parameter', 'dpr'],
      ['/jobs?template=status-badge&constructor=1', 'unknown_parameter', 'constructor'],
      ['/jobs?template=status-badge&template=status-badge', 'invalid_parameter', 'template'],
      ['/jobs?template=status-badge&format=png&format=png', 'invalid_parameter', 'format'],
      ['/jobs?template=status-badge&webhook=https://hooks.example.com/a&webhook=https://hooks.example.com/a', 'invalid_parameter', 'webhook'],
    ];
    for (const [url, code, param] of cases) {
      for (const [payload, type] of [['{"label":"a"}', 'application/x-ndjson'], ['label\r\na\r\n', 'text/csv']]) {
        const res = await post(url, payload, type);
        expect(res.statusCode, `${url} ${type}: ${res.body}`).toBe(400);
        expect((res.json() as Err).error, url).toMatchObject({ code, param });
      }
    }
    const ok = await post('/jobs?template=status-badge&format=webp', '{"label":"a"}');
    expect(ok.statusCode, ok.body).toBe(202);
  });

  it('dpr, q and number variables given as text in NDJSON/JSON rows or CSV cells must be plain decimals: 400 naming rows/<i>/<field>', async () => {
    for (const v of [' 2', '1e2', '0x2', 'Infinity', '+1', '2 ']) {
      const nd = await post('/jobs?template=chinese-promo', `{"price":"1"}\n{"price":"5","dpr":${JSON.stringify(v)}}`);
      expect(nd.statusCode, nd.body).toBe(400);
      expect((nd.json() as Err).error).toMatchObject({ code: 'invalid_parameter', param: 'rows/1/dpr' });
      const json = await open.app.inject({ method: 'POST', url: '/jobs', payload: { template: 'chinese-promo', rows: [{ price: v }] } });
      expect((json.json() as Err).error, json.body).toMatchObject({ code: 'invalid_parameter', param: 'rows/0/price' });
      const csv = await post('/jobs?template=chinese-promo', `price,q\r\n5,80\r\n5,${v.includes(' ') ? `"${v}"` : v}\r\n`, 'text/csv');
      expect((csv.json() as Err).error, csv.body).toMatchObject({ code: 'invalid_parameter', param: 'rows/1/q' });
    }
    // Plain decimals, JSON numbers and empty cells (the default) are still accepted.
    const ok = await post('/jobs?template=chinese-promo', 'price,q,dpr\r\n5.5,80,\r\n010,,1\r\n', 'text/csv');
    expect(ok.statusCode, ok.body).toBe(202);
    const okJson = await open.app.inject({ method: 'POST', url: '/jobs', payload: { template: 'chinese-promo', rows: [{ price: 1e2, dpr: 2 }] } });
    expect(okJson.statusCode, okJson.body).toBe(202);
  });

  it('GET /jobs/:id/items/:n takes n as decimal digits only: 0x1, 1e0, +1, 1.0 and " 1" are 400 naming n', async () => {
    const res = await post('/jobs?template=status-badge', '{"label":"a"}');
    const id = (res.json() as { id: string }).id;
    await waitFor(async () => (await open.app.inject(`/jobs/${id}`)).json().state === 'succeeded', 60_000, 'the job to finish');
    expect((await open.app.inject(`/jobs/${id}/items/1`)).statusCode).toBe(200);
    expect((await open.app.inject(`/jobs/${id}/items/01`)).statusCode).toBe(200); // leading zeros read as decimal, as everywhere
    for (const n of ['0x1', '1e0', '%2B1', '1.0', '%201', '1%20', 'Infinity', '-1']) await expect400(open, `/jobs/${id}/items/${n}`, 'invalid_parameter', 'n');
    for (const n of ['0', '2', '99999999999999999999']) await expect400(open, `/jobs/${id}/items/${n}`, 'out_of_range', 'n');
  });
});
