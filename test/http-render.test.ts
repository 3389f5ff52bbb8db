import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { decode, renderUrl, startApp, withColdApp } from './helpers.js';

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp();
});
afterAll(async () => {
  await lp?.app.close();
});

describe('GET /render.{format}', () => {
  it.each([
    ['png', 'image/png', 'png'],
    ['jpg', 'image/jpeg', 'jpeg'],
    ['jpeg', 'image/jpeg', 'jpeg'],
    ['webp', 'image/webp', 'webp'],
  ])('answers %s with content type %s and a decodable image', async (ext, type, decoded) => {
    const res = await lp.app.inject(renderUrl({ text: 'Hello 世界', w: 320, h: 160 }, ext));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    const img = await decode(res.rawPayload);
    expect(img.format).toBe(decoded);
    expect([img.width, img.height]).toEqual([320, 160]);
  });

  it('sends a strong ETag and immutable caching headers', async () => {
    const res = await lp.app.inject(renderUrl({ text: 'Cache me' }));
    expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('derives the ETag from the canonical request: defaults, order, colour spelling and NFC do not matter', async () => {
    const etag = async (url: string): Promise<string> => (await lp.app.inject(url)).headers.etag as string;
    const a = await etag('/render.png?text=Caf%C3%A9&bg=ffffff&color=111111');
    const b = await etag('/render.png?color=%23111&w=1200&text=Cafe%CC%81&h=630&font=SANS');
    expect(a).toBe(b);
    expect(await etag('/render.jpeg?text=x')).toBe(await etag('/render.jpg?text=x&q=90'));
    expect(await etag('/render.png?text=x&q=10')).toBe(await etag('/render.png?text=x'));
    expect(await etag('/render.png?text=y')).not.toBe(await etag('/render.png?text=x'));
    expect(await etag('/render.png?text=x&dpr=2')).not.toBe(await etag('/render.png?text=x'));
  });

  it('answers If-None-Match with 304 without rendering', async () => {
    const url = renderUrl({ text: 'Revalidate me', w: 200, h: 100 });
    const first = await lp.app.inject(url);
    const before = lp.pool.stats().completed;
    const misses = lp.cache.stats().misses;
    const res = await lp.app.inject({ url: renderUrl({ text: 'Revalidate me please', w: 200, h: 100 }), headers: { 'if-none-match': 'W/"nope"' } });
    expect(res.statusCode).toBe(200);
    const after200 = lp.pool.stats().completed;
    const again = await lp.app.inject({ url, headers: { 'if-none-match': `"other", ${first.headers.etag as string}` } });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(lp.pool.stats().completed).toBe(after200);
    expect(after200).toBe(before + 1);
    expect(lp.cache.stats().misses).toBe(misses + 1);
  });

  it('gives byte-identical images for the same URL across restarts', async () => {
    const url = renderUrl({ text: 'Same bytes 同じ 👋 مرحبا', w: 400, h: 200, bg: '0f172a,7c3aed', color: 'fff' });
    const a = await lp.app.inject(url);
    const other = await startApp();
    try {
      const b = await other.app.inject(url);
      expect(b.headers.etag).toBe(a.headers.etag);
      expect(Buffer.compare(a.rawPayload, b.rawPayload)).toBe(0);
    } finally {
      await other.app.close();
    }
  });

  it('marks images and errors nosniff with a CSP that forbids everything', async () => {
    for (const url of [renderUrl({ text: 'Headers' }), '/render.png?text=a&w=0']) {
      const res = await lp.app.inject(url);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    }
  });

  it('echoes an incoming x-request-id and generates one otherwise', async () => {
    const given = await lp.app.inject({ url: '/healthz', headers: { 'x-request-id': 'req-123' } });
    expect(given.headers['x-request-id']).toBe('req-123');
    const generated = await lp.app.inject('/healthz');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('GET /fonts, /healthz, /docs/json', () => {
  it('lists families with weights and scripts, covering every required script', async () => {
    const res = await lp.app.inject('/fonts');
    expect(res.statusCode).toBe(200);
    const body = res.json() as { families: { name: string; weights: number[]; scripts: string[]; generic: string[] }[] };
    const scripts = new Set(body.families.flatMap((f) => f.scripts));
    for (const s of ['Latn', 'Hans', 'Jpan', 'Kore', 'Arab', 'Hebr', 'Zsye']) expect(scripts).toContain(s);
    const byGeneric = (g: string) => body.families.find((f) => f.generic.includes(g));
    expect(byGeneric('sans')?.weights).toEqual(expect.arrayContaining([400, 700]));
    expect(byGeneric('serif')).toBeDefined();
    expect(byGeneric('mono')).toBeDefined();
    expect(body.families.find((f) => f.name === 'Noto Sans SC')?.weights).toEqual(expect.arrayContaining([400, 700]));
  });

  it('healthz is 200 once the pool is warm', async () => {
    const res = await lp.app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok' });
  });

  it('healthz is 503 before the pool is warm', async () => {
    await withColdApp(async (cold) => {
      const res = await cold.app.inject('/healthz');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: 'starting' });
    });
  });

  it('serves an OpenAPI description built from the route schemas', async () => {
    const doc = (await lp.app.inject('/docs/json')).json() as { openapi: string; paths: Record<string, { get: { parameters: { name: string }[] } }> };
    expect(doc.openapi).toMatch(/^3\./);
    const names = doc.paths['/render.{format}'].get.parameters.map((p) => p.name);
    for (const p of ['text', 'w', 'h', 'dpr', 'q', 'bg', 'angle', 'color', 'font', 'weight', 'size', 'align', 'valign', 'padding', 'lineHeight', 'letterSpacing', 'maxLines', 'fit', 'format']) {
      expect(names).toContain(p);
    }
    expect(doc.paths['/fonts']).toBeDefined();
  });
});
