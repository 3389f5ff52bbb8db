/**
 * The playground at / : its routes (page, files, params JSON, their own same-origin CSP),
 * POST /sign for key holders, and the page itself driven in a real Chromium (playwright-core):
 * live preview, templates, posters, errors next to their control, and copy snippets that work.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { querySchema } from '../src/params.js';
import { PLAYGROUND_CSP } from '../src/routes/playground.js';
import { PROJECT_ROOT } from '../src/config.js';
import { decode, startApp, testConfig } from './helpers.js';
import { CHROMIUM, CHROMIUM_ARGS, requireChromium, skipBrowser } from './browser.js';

const run = promisify(execFile);
const KEY = 'playground-key-0123456789';
const OLD_KEY = 'older-key-abcdefghijklmnop';

let open: LetterpressApp;
let signed: LetterpressApp;
beforeAll(async () => {
  [open, signed] = await Promise.all([startApp({}, { jobs: false }), startApp({ SIGNING_KEYS: `${KEY},${OLD_KEY}` }, { jobs: false })]);
});
afterAll(async () => {
  await Promise.all([open?.app.close(), signed?.app.close()]);
});

describe('playground routes', () => {
  it('GET / serves the page under its own same-origin CSP (no inline script, no sandbox); /playground redirects to /', async () => {
    const res = await open.app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toBe(PLAYGROUND_CSP);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("img-src 'self' blob: data:");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|sandbox|https?:/);
    expect(res.body).toContain('<script type="module" src="/playground/playground.js">');
    expect(res.body).not.toMatch(/<script>|<script type="module">|\sstyle=|\son[a-z]+=|https?:\/\//);
    const redirect = await open.app.inject('/playground?x=1');
    expect(redirect.statusCode).toBe(308);
    expect(redirect.headers.location).toBe('/?x=1');
  });

  it('serves its files with ETags (304 on revalidation); unknown files are JSON 404s; other routes keep the strict CSP', async () => {
    for (const [file, type] of [['playground.js', /javascript/], ['playground.css', /text\/css/], ['api.js', /javascript/], ['icon.svg', /svg/]] as const) {
      const res = await open.app.inject(`/playground/${file}`);
      expect(res.statusCode, file).toBe(200);
      expect(res.headers['content-type']).toMatch(type);
      expect(res.headers['content-security-policy']).toBe(PLAYGROUND_CSP);
      const again = await open.app.inject({ url: `/playground/${file}`, headers: { 'if-none-match': String(res.headers.etag) } });
      expect(again.statusCode).toBe(304);
    }
    for (const bad of ['/playground/nope.js', '/playground/..%2Fpackage.json', '/playground/playground.html']) {
      const res = await open.app.inject(bad);
      expect(res.statusCode, bad).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    expect((await open.app.inject('/fonts')).headers['content-security-policy']).toBe("default-src 'none'; sandbox");
  });

  it('GET /playground/params.json is the render route\'s own query schema, with defaults, formats and whether URLs are signed', async () => {
    const body = (await open.app.inject('/playground/params.json')).json();
    expect(body.render.query).toEqual(JSON.parse(JSON.stringify(querySchema(testConfig()))));
    expect(body.render.formats).toEqual(['png', 'jpg', 'webp']);
    expect(body.render.defaults).toMatchObject({ w: 1200, h: 630, bg: 'ffffff' });
    expect(body.signing).toBe(false);
    expect((await signed.app.inject('/playground/params.json')).json().signing).toBe(true);
  });


  it('the server prints the playground URL when it starts', async () => {
    const proc = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/src/server.js')], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', POOL_SIZE: '1', DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'lp-data-')) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let buf = '';
        proc.stdout!.on('data', (d: Buffer) => {
          buf += d.toString();
          const m = /"playground":"(http:\/\/localhost:\d+\/)"/.exec(buf); // the start banner's JSON line
          if (m) resolve(m[1]);
        });
        proc.once('exit', (code) => reject(new Error(`server exited with ${code}: ${buf}`)));
      });
      const res = await fetch(url.replace('localhost', '127.0.0.1'));
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<title>Letterpress playground</title>');
    } finally {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
  });

  it('image answers say how long the render took in Server-Timing (or that the image cache answered)', async () => {
    const url = '/render.png?text=Timing&w=300&h=150';
    const first = await open.app.inject(url);
    expect(first.headers['server-timing']).toMatch(/^render;dur=\d+\.\d;desc="render", (\w+;dur=\d+\.\d(, )?)+$/);
    expect(first.headers['server-timing']).toContain('encode;dur=');
    expect((await open.app.inject(url)).headers['server-timing']).toBe('cache;desc="image cache hit"');
  });

  it('documents POST /sign in the OpenAPI description and keeps the playground files out of it', async () => {
    const doc = (await open.app.inject('/docs/json')).json() as { paths: Record<string, Record<string, unknown>> };
    expect(doc.paths['/sign']?.post).toBeDefined();
    expect(Object.keys(doc.paths).filter((p) => p === '/' || p.startsWith('/playground'))).toEqual([]);
  });
});

describe('POST /sign', () => {
  const sign = (app: LetterpressApp, url: unknown, key?: string) => app.app.inject({
    method: 'POST', url: '/sign', payload: { url }, headers: key ? { authorization: `Bearer ${key}` } : {},
  });

  it('answers 404 when the server has no SIGNING_KEYS (URLs need no signature)', async () => {
    const res = await sign(open, '/render.png?text=Hi', KEY);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });

  it('signs nothing without a valid key, and checks the key before the body', async () => {
    for (const key of [undefined, 'wrong-key-0000000000000']) {
      const res = await sign(signed, '/render.png?text=Hi', key);
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'invalid_signature', param: 'authorization' });
      expect(JSON.stringify(res.json())).not.toMatch(/sig=/);
    }
    expect((await signed.app.inject({ method: 'POST', url: '/sign', payload: 'garbage', headers: { 'content-type': 'application/json' } })).statusCode).toBe(403);
  });

  it('signs render and template URLs (any configured key may ask; the first key signs) and the signed URLs render', async () => {
    for (const key of [KEY, OLD_KEY]) {
      const res = await sign(signed, '/render.png?text=Signed&w=300&h=150', key);
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const { url, sig } = res.json();
      expect(url).toBe(`/render.png?text=Signed&w=300&h=150&sig=${sig}`);
      expect((await signed.app.inject(url)).statusCode).toBe(200);
    }
    const t = (await sign(signed, 'http://img.example.com/t/status-badge.png?message=ok', KEY)).json();
    expect(t.url).toMatch(/^http:\/\/img\.example\.com\/t\/status-badge\.png\?message=ok&sig=/);
    expect((await signed.app.inject(t.url.replace('http://img.example.com', ''))).statusCode).toBe(200);
  });

  it('a URL the server would refuse answers the same error naming the parameter', async () => {
    const res = await sign(signed, '/render.png?text=Hi&w=99999', KEY);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'out_of_range', param: 'w' });
    expect((await sign(signed, '/t/nope.png?a=1', KEY)).json().error.code).toBe('unknown_template');
    expect((await sign(signed, '/elsewhere', KEY)).statusCode).toBe(404);
    expect((await sign(signed, undefined, KEY)).json().error).toMatchObject({ code: 'missing_parameter', param: 'url' });
  });

  it('a malformed percent-escape in the path answers 400 invalid_url naming url, never 500', async () => {
    for (const url of ['/%ZZ', '/badge/%E0%A4-b-red.png', '/600x400/%ZZ.png']) {
      const res = await sign(signed, url, KEY);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error, url).toMatchObject({ code: 'invalid_url', param: 'url' });
    }
  });
});

describe('json-locate (poster errors point at their line)', () => {
  it('finds the value of a JSON pointer, with escaped keys; a missing field points at its parent', async () => {
    // @ts-expect-error plain browser module without types
    const { locate, locateNearest, lineOf } = await import('../public/json-locate.js');
    const text = JSON.stringify({ width: 400, layers: [{ type: 'text', size: 9999 }, { type: 'rect', stroke: { color: '#f00', width: 2 } }], 'a/b': { 'c~d': [1, 2] } }, null, 2);
    const at = (p: string) => {
      const r = locate(text, p) as { start: number; end: number } | null;
      return r && [text.slice(r.start, r.end), lineOf(text, r.start)];
    };
    expect(at('/layers/0/size')).toEqual(['9999', 6]);
    expect(at('/layers/1/stroke/width')).toEqual(['2', 12]);
    expect(at('/a~1b/c~0d/1')).toEqual(['2', 19]);
    expect(at('/layers/7')).toBeNull();
    const parent = locateNearest(text, '/layers/0/text') as { start: number; end: number };
    expect(text.slice(parent.start, parent.end)).toMatch(/^\{\n\s+"type": "text",\n\s+"size": 9999\n\s+\}$/);
    expect(locate('{"a": [1, {"b": "x\\"}"}]}', '/a/1/b')).toEqual({ start: 16, end: 22 });
  });
});


describe.skipIf(skipBrowser)('the page in Chromium', () => {
  let browser: Browser;
  let base: string;
  let signedBase: string;
  beforeAll(async () => {
    requireChromium();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    base = await open.app.listen({ port: 0, host: '127.0.0.1' });
    signedBase = await signed.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** A page with clipboard access that records console errors and page errors. */
  async function openPage(url: string): Promise<{ page: Page; context: BrowserContext; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      // A 4xx answer to a preview fetch is logged by Chromium itself; the page shows it (checked below).
      if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 40[03]/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => {
      if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
    });
    await page.goto(url);
    return { page, context, problems };
  }

  /** The preview once an image newer than `after` (by src) is loaded and decoded, and no render is in flight. */
  async function previewAfter(page: Page, after: { src?: string; etag?: string } = {}): Promise<{ src: string; url: string; bytes: number; etag: string; w: number; h: number }> {
    await page.waitForFunction((prev) => {
      const img = document.getElementById('preview') as HTMLImageElement;
      return img.dataset.url && img.src !== prev.src && (!prev.etag || img.dataset.etag !== prev.etag) && img.complete && img.naturalWidth > 0
        && document.getElementById('stage')!.getAttribute('aria-busy') === 'false';
    }, after, { timeout: 30_000 });
    return page.evaluate(() => {
      const img = document.getElementById('preview') as HTMLImageElement;
      return { src: img.src, url: img.dataset.url!, bytes: Number(img.dataset.bytes), etag: img.dataset.etag!, w: img.naturalWidth, h: img.naturalHeight };
    });
  }

  async function renderCount(lp: LetterpressApp): Promise<number> {
    const m = (await lp.app.inject('/metrics')).body;
    return [...m.matchAll(/letterpress_http_requests_total\{route="\/render\.:format",status="200"[^}]*\} (\d+)/g)].reduce((n, x) => n + Number(x[1]), 0);
  }

  async function copySnippet(page: Page, kind: string): Promise<string> {
    await page.click(`[data-copy="${kind}"]`);
    await page.waitForFunction((k) => document.getElementById('snippet')!.dataset.kind === k, kind);
    const shown = await page.textContent('#snippet');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shown);
    return shown!;
  }

  it('text: typing updates the preview live (debounced, stale requests dropped); every query parameter has a control', async () => {
    const { page, context, problems } = await openPage(`${base}/`);
    const first = await previewAfter(page);
    expect(first.url).toMatch(/^\/render\.png\?text=Hello/);
    const names = await page.$$eval('#text-form .field', (els) => els.map((e) => (e as HTMLElement).dataset.param));
    const expected = Object.keys((querySchema(testConfig()) as { properties: object }).properties).filter((n) => n !== 'sig');
    expect(names.sort()).toEqual([...expected, 'format'].sort());
    expect(await page.locator('#text-form [data-param="bg"] input[type="color"]').count()).toBe(2);

    const before = await renderCount(open);
    await page.fill('#text-form [name="text"]', '');
    await page.locator('#text-form [name="text"]').pressSequentially('Playwright was here', { delay: 15 });
    const second = await previewAfter(page, { src: first.src });
    expect(decodeURIComponent(second.url.replace(/\+/g, ' '))).toContain('text=Playwright was here');
    expect(second.bytes).not.toBe(first.bytes);
    expect(second.w).toBe(1200);
    expect(await renderCount(open) - before).toBeLessThan(6); // 19 keystrokes, a few renders
    await expect.poll(() => page.textContent('#stat-size')).toBe('1200 × 630 px');
    expect(await page.textContent('#stat-bytes')).toContain(second.bytes.toLocaleString('en'));
    expect(await page.textContent('#stat-time')).toMatch(/^(\d+ ms|cached)\d+ ms round trip$/);

    // A bad value: the server's error, shown next to that control, then fixed.
    await page.fill('#text-form [name="w"]', '99999');
    await page.waitForSelector('#error:not([hidden])[data-param="w"]');
    expect(await page.textContent('#error-code')).toBe('out_of_range');
    const fieldError = page.locator('#text-form [data-param="w"] .field-error');
    await expect.poll(() => fieldError.isVisible()).toBe(true);
    expect(await fieldError.textContent()).toMatch(/^out_of_range: w must be/);
    await page.fill('#text-form [name="w"]', '600');
    const third = await previewAfter(page, { src: second.src });
    expect(third.w).toBe(600);
    expect(await fieldError.isVisible()).toBe(false);
    expect(await page.isVisible('#error')).toBe(false);

    // A colour picker writes into the text field.
    await page.locator('#text-form [data-param="color"] input[type="color"]').fill('#ff0000');
    await expect.poll(() => page.inputValue('#text-form [name="color"]')).toBe('ff0000');
    await previewAfter(page, { src: third.src });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('copy buttons: the URL, an <img> tag with a dpr=2 srcset, and a curl command that works as pasted', async () => {
    const { page, context, problems } = await openPage(`${base}/#render.png?text=It's%20"quoted"%20%26%20ünïcode%0Aline%202&w=320&h=160`);
    await previewAfter(page);
    const url = await copySnippet(page, 'url');
    expect(url).toBe(`${base}/render.png?text=It%27s+%22quoted%22+%26+%C3%BCn%C3%AFcode%0Aline+2&w=320&h=160`);
    const direct = await fetch(url);
    expect(direct.status).toBe(200);

    const img = await copySnippet(page, 'img');
    const m = /^<img src="([^"]+)" srcset="([^"]+) 2x" width="320" height="160" alt="([^"]*)">$/.exec(img)!;
    expect(m, img).not.toBeNull();
    const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    expect(unescape(m[1])).toBe(url);
    expect(unescape(m[3])).toBe('It\'s "quoted" & ünïcode line 2');
    const twice = await fetch(unescape(m[2]));
    expect(twice.status).toBe(200);
    expect((await decode(Buffer.from(await twice.arrayBuffer()))).width).toBe(640);

    const curl = await copySnippet(page, 'curl');
    expect(curl).toMatch(/^curl -G \\\n  --data-urlencode 'text=It'\\''s "quoted" & ünïcode\nline 2' \\\n/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-curl-'));
    await run('bash', ['-c', curl], { cwd: dir });
    const out = fs.readFileSync(path.join(dir, 'out.png'));
    expect(out.equals(Buffer.from(await direct.arrayBuffer()))).toBe(true);
    expect(await page.isHidden('[data-copy="signed"]')).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('templates: pick one, change a variable, see the template URL render; a bad variable is shown next to it', async () => {
    const { page, context, problems } = await openPage(`${base}/`);
    const first = await previewAfter(page);
    await page.click('#tab-template');
    await page.selectOption('#template-select', 'status-badge');
    const badge = await previewAfter(page, { src: first.src });
    expect(badge.url).toBe('/t/status-badge.png');
    expect([badge.w, badge.h]).toEqual([440, 80]);
    await expect.poll(() => page.textContent('#template-doc')).toContain('"layers"');
    await page.fill('#template-form [name="message"]', 'failing');
    await page.fill('#template-form [name="color"]', 'b91c1c');
    const changed = await previewAfter(page, { src: badge.src });
    expect(changed.url).toBe('/t/status-badge.png?message=failing&color=b91c1c');
    expect(changed.bytes).not.toBe(badge.bytes);
    const curl = await copySnippet(page, 'curl');
    expect(curl).toContain(`'${base}/t/status-badge.png' -o out.png`);
    await page.reload(); // the settings live in the location hash
    const restored = await previewAfter(page);
    expect(restored.url).toBe(changed.url);
    expect(await page.inputValue('#template-form [name="message"]')).toBe('failing');

    await page.fill('#template-form [name="color"]', 'not-a-colour');
    await page.waitForSelector('#error:not([hidden])[data-param="color"]');
    const fieldError = page.locator('#template-form [data-param="color"] .field-error');
    await expect.poll(() => fieldError.textContent()).toMatch(/^invalid_color: /);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('posters: edit the JSON document and see it render; a bad field is shown with its JSON pointer; broken JSON is caught in the page', async () => {
    const { page, context, problems } = await openPage(`${base}/`);
    const first = await previewAfter(page);
    await page.click('#tab-poster');
    const poster = await previewAfter(page, { src: first.src });
    expect(poster.url).toBe('/render');
    expect([poster.w, poster.h]).toEqual([1200, 630]);
    const doc = { width: 400, height: 200, background: '#fde68a', layers: [{ type: 'text', text: 'Edited poster', size: 40, color: '#7c2d12' }] };
    await page.fill('#poster-json', JSON.stringify(doc, null, 2));
    const edited = await previewAfter(page, { src: poster.src, etag: poster.etag });
    expect([edited.w, edited.h]).toEqual([400, 200]);

    doc.layers[0].size = 9999;
    await page.fill('#poster-json', JSON.stringify(doc));
    await page.waitForSelector('#error:not([hidden])[data-param="/layers/0/size"]');
    expect(await page.textContent('#poster-error')).toMatch(/^\/layers\/0\/size \(line 1\) — out_of_range: /);
    await page.click('#poster-goto');
    const selected = await page.$eval('#poster-json', (ta) => {
      const t = ta as HTMLTextAreaElement;
      return t.value.slice(t.selectionStart, t.selectionEnd);
    });
    expect(selected).toBe('9999');
    await page.fill('#poster-json', '{"width": 400,');
    await page.waitForSelector('#error:not([hidden])[data-code="invalid_json"]');
    expect(await page.isVisible('#poster-error')).toBe(true);
    const curlOk = await page.isEnabled('[data-copy="curl"]');
    expect(curlOk).toBe(false);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('a narrow window shows the preview above the controls, without horizontal scrolling', async () => {
    const context = await browser.newContext({ viewport: { width: 380, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await previewAfter(page);
    const box = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth, width: window.innerWidth,
      preview: document.querySelector('.preview')!.getBoundingClientRect().top, editor: document.querySelector('.editor')!.getBoundingClientRect().top,
    }));
    expect(box.scroll).toBeLessThanOrEqual(box.width);
    expect(box.preview).toBeLessThan(box.editor);
    await context.close();
  });

  it('with SIGNING_KEYS: previews need the key, which is checked by POST /sign; copied signed URLs and curl work without it', async () => {
    const { page, context, problems } = await openPage(`${signedBase}/`);
    await page.waitForSelector('#error:not([hidden])[data-code="key_needed"]');
    expect(await page.isVisible('#key-box')).toBe(true);
    await page.fill('#key', 'wrong-key-00000000000000');
    await page.waitForSelector('#error:not([hidden])[data-code="invalid_signature"][data-param="authorization"]');
    expect(await page.isVisible('#key-error')).toBe(true);
    await page.fill('#key', KEY);
    const shown = await previewAfter(page);
    expect(shown.url).toMatch(/&sig=[A-Za-z0-9_-]{43}$/);
    const url = await copySnippet(page, 'signed');
    expect((await fetch(url)).status).toBe(200);
    expect((await fetch(url.replace(/&sig=.*$/, ''))).status).toBe(403);
    const img = await copySnippet(page, 'img');
    const srcset = /srcset="([^"]+) 2x"/.exec(img)![1].replace(/&amp;/g, '&');
    expect((await fetch(srcset)).status).toBe(200);
    const curl = await copySnippet(page, 'curl');
    expect(curl).toContain("--data-urlencode 'sig=");
    expect(curl).not.toContain(KEY);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-curl-'));
    await run('bash', ['-c', curl], { cwd: dir });
    expect((await decode(fs.readFileSync(path.join(dir, 'out.png')))).width).toBe(1200);

    await page.click('#tab-poster');
    const poster = await previewAfter(page, { src: shown.src });
    expect(poster.url).toBe('/render');
    const postCurl = await copySnippet(page, 'curl');
    expect(postCurl).toContain('-H "Authorization: Bearer $LETTERPRESS_KEY"');
    expect(postCurl).not.toContain(KEY);
    expect(problems).toEqual([]);
    await context.close();
  });
});
