/**
 * Templates: loaded at start from templates/ and TEMPLATE_DIRS (broken ones skipped with their
 * problems), listed with their variables, rendered from GET /t/{name}.{format}?var=… with every
 * variable checked by type, and 400 naming the variable for unknown, missing or bad values.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { PROJECT_ROOT } from '../src/config.js';
import { signCanonical, signRenderUrl } from '../src/signing.js';
import { posterCanonicalString } from '../src/poster.js';
import { decode, startApp, testConfig } from './helpers.js';

const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'templates');
let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp({ TEMPLATE_DIRS: FIXTURES });
});
afterAll(async () => lp.app.close());

const get = (url: string, headers: Record<string, string> = {}) => lp.app.inject({ url, headers });
async function expectError(url: string, status: number, code: string, param: string): Promise<void> {
  const res = await get(url);
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(JSON.parse(res.body).error).toMatchObject({ code, param });
}

describe('loading', () => {
  it('loads the shipped templates and valid user templates; skips broken files with every problem', () => {
    const names = lp.templates.list().map((t) => t.name);
    expect(names).toContain('hello-card');
    expect(names).toContain('og-blog');
    const skipped = Object.fromEntries(lp.templates.skipped.map((s) => [path.basename(s.file), s.problems.join(' | ')]));
    expect(Object.keys(skipped).sort()).toEqual(['broken-document.json', 'broken-json.json', 'broken-placeholder.json', 'broken-variable.json']);
    expect(skipped['broken-placeholder.json']).toMatch(/\{\{b\}\} is not a declared variable/);
    expect(skipped['broken-document.json']).toMatch(/\/layers\/0\/size/);
    expect(skipped['broken-variable.json']).toMatch(/"dpr"/);
    expect(skipped['broken-variable.json']).toMatch(/"n": type/);
    expect(skipped['broken-variable.json']).toMatch(/"r": a required variable needs an example/);
  });
  it('GET /templates lists each template with its variables and a working example URL', async () => {
    const body = JSON.parse((await get('/templates')).body) as { templates: { name: string; url: string; variables: Record<string, unknown> }[] };
    const hello = body.templates.find((t) => t.name === 'hello-card')!;
    expect(Object.keys(hello.variables)).toEqual(['name', 'bg', 'size', 'logo']);
    expect(hello.url).toBe('/t/hello-card.png?name=World');
    for (const t of body.templates) expect((await get(t.url)).statusCode, t.url).toBe(200);
  });
  it('GET /templates/{name} returns the document; an unknown name is 404', async () => {
    const body = JSON.parse((await get('/templates/hello-card')).body);
    expect(body.document.layers).toHaveLength(2);
    await expectError('/templates/nope', 404, 'unknown_template', 'name');
  });
  it('GET /assets lists the images documents may name', async () => {
    const body = JSON.parse((await get('/assets')).body) as { assets: { name: string }[] };
    expect(body.assets.map((a) => a.name)).toEqual(expect.arrayContaining(['logos/acme.svg', 'photos/mountains.jpg', 'seals/gold-seal.svg']));
  });
});

describe('rendering', () => {
  it('variables fill text, colours, numbers and asset names', async () => {
    const res = await get('/t/hello-card.png?name=Ada&bg=ff0000&size=30');
    expect(res.statusCode).toBe(200);
    const img = await decode(res.rawPayload);
    expect([img.width, img.height]).toEqual([400, 200]);
    expect([...img.data.subarray(0, 3)]).toEqual([255, 0, 0]);
    const other = await get('/t/hello-card.png?name=Ada&bg=ff0000&size=60');
    expect(other.headers.etag).not.toBe(res.headers.etag);
  });
  it('an asset is decoded once per worker and then served from its cache (counted in /metrics)', async () => {
    await get('/t/hello-card.png?name=Cache1');
    await get('/t/hello-card.png?name=Cache2');
    const m = (await get('/metrics')).body;
    expect(m).toMatch(/letterpress_decoded_image_cache_hits [1-9]/);
    expect(Number(/letterpress_decoded_image_cache_bytes (\d+)/.exec(m)![1])).toBeGreaterThan(0);
  });
  it('dpr and q apply to templates; the format comes from the extension', async () => {
    const res = await get('/t/hello-card.jpg?name=Ada&dpr=2&q=60');
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect((await decode(res.rawPayload)).width).toBe(800);
  });
  it('ETag and 304 work as on GET /render', async () => {
    const a = await get('/t/hello-card.png?name=Ada');
    const b = await get('/t/hello-card.png?name=Ada', { 'if-none-match': a.headers.etag as string });
    expect(b.statusCode).toBe(304);
  });
  it('the same poster from a template and from POST /render has the same ETag', async () => {
    const t = lp.templates.get('hello-card');
    const spec = lp.templates.fill(t, { name: 'Ada' }, 'png');
    const doc = JSON.parse(JSON.stringify(t.document).replaceAll('{{name}}', 'Ada').replaceAll('{{bg}}', '#0f172a').replaceAll('"{{size}}"', '48').replaceAll('{{logo}}', 'logos/acme.svg'));
    const posted = await lp.app.inject({ method: 'POST', url: '/render', payload: doc });
    expect(posted.headers.etag).toBe((await get('/t/hello-card.png?name=Ada')).headers.etag);
    expect(posterCanonicalString(spec)).toContain('"Hello, Ada!"');
  });
});

describe('bad template requests answer 4xx naming the variable', () => {
  const cases: [string, string, number, string, string][] = [
    ['unknown template', '/t/nope.png', 404, 'unknown_template', 'name'],
    ['unknown format', '/t/hello-card.gif?name=a', 400, 'unknown_format', 'format'],
    ['unknown variable', '/t/hello-card.png?name=a&colour=red', 400, 'unknown_parameter', 'colour'],
    ['missing required variable', '/t/hello-card.png', 400, 'missing_parameter', 'name'],
    ['variable too long', `/t/hello-card.png?name=${'x'.repeat(21)}`, 400, 'text_too_long', 'name'],
    ['bad colour variable', '/t/hello-card.png?name=a&bg=bleu', 400, 'invalid_color', 'bg'],
    ['number variable not a number', '/t/hello-card.png?name=a&size=big', 400, 'invalid_parameter', 'size'],
    ['number variable out of range', '/t/hello-card.png?name=a&size=500', 400, 'out_of_range', 'size'],
    ['unknown asset variable', '/t/hello-card.png?name=a&logo=logos/nope.svg', 400, 'unknown_asset', 'logo'],
    ['repeated variable', '/t/hello-card.png?name=a&name=b', 400, 'invalid_parameter', 'name'],
    ['bad dpr', '/t/hello-card.png?name=a&dpr=9', 400, 'out_of_range', 'dpr'],
    ['dpr not a number', '/t/hello-card.png?name=a&dpr=x', 400, 'invalid_parameter', 'dpr'],
    ['value that empties the text', '/t/quote-card.png?quote=%20%20', 400, 'invalid_parameter', 'quote'],
  ];
  for (const [name, url, status, code, param] of cases) it(name, () => expectError(url, status, code, param));
});

describe('signed template URLs', () => {
  it('with SIGNING_KEYS a template URL needs the signature of its canonical poster', async () => {
    const key = 'template-signing-key-16';
    const signed = await startApp({ SIGNING_KEYS: key, TEMPLATE_DIRS: FIXTURES });
    try {
      expect((await signed.app.inject('/t/hello-card.png?name=Ada')).statusCode).toBe(403);
      const spec = signed.templates.fill(signed.templates.get('hello-card'), { name: 'Ada' }, 'png');
      const sig = signCanonical(posterCanonicalString(spec), key);
      expect((await signed.app.inject(`/t/hello-card.png?name=Ada&sig=${sig}`)).statusCode).toBe(200);
      expect((await signed.app.inject(`/t/hello-card.png?name=Eve&sig=${sig}`)).statusCode).toBe(403);
      // The CLI's signer (letterpress sign '/t/…') gives the same signature.
      const url = signRenderUrl('/t/hello-card.png?name=Ada', key, testConfig({ TEMPLATE_DIRS: FIXTURES }), signed.catalog, signed.templates);
      expect(url).toBe(`/t/hello-card.png?name=Ada&sig=${sig}`);
    } finally {
      await signed.app.close();
    }
  });
});
