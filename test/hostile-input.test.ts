import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { startApp } from './helpers.js';

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp({ IMAGE_CACHE_MB: '0' });
});
afterAll(async () => {
  await lp?.app.close();
});

const PARAMS = ['w', 'h', 'dpr', 'q', 'bg', 'angle', 'color', 'font', 'weight', 'size', 'minSize', 'align', 'valign', 'padding', 'lineHeight', 'letterSpacing', 'maxLines', 'fit', 'direction', 'lang', 'lineBreak', 'wordBreak'];
const HOSTILE_VALUES = ['', 'NaN', 'Infinity', '-Infinity', '1e309', '-1', '-0.0001', '99999999999999999999', '0x10', '1,2', '[]', '{}', 'null', 'true', '%00', '%E0%A4%A', '%', '%%%', "'; DROP TABLE", '<script>', '../../etc/passwd'];
const typo = (s: string): string => (s.length > 1 ? s.slice(1) + s[0] : `${s}x`);

async function expect4xxJson(url: string): Promise<number> {
  const res = await lp.app.inject(url);
  expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, url).toBeLessThan(500);
  const body = res.json() as { error: { code: string; message: string } };
  expect(typeof body.error.code, url).toBe('string');
  expect(res.headers['cache-control'], url).toBe('no-store');
  return res.statusCode;
}

describe('hostile input', () => {
  it('answers every hostile value of every numeric/enum parameter with a 4xx JSON error, or renders it', async () => {
    for (const p of PARAMS) {
      for (const v of HOSTILE_VALUES) {
        const res = await lp.app.inject(`/render.png?text=x&${p}=${v}`);
        expect(res.statusCode, `${p}=${v}`).toBeLessThan(500);
        if (res.statusCode === 200) continue;
        expect(res.statusCode, `${p}=${v}`).toBeGreaterThanOrEqual(400);
        expect(res.headers['cache-control'], `${p}=${v}`).toBe('no-store');
        expect((res.json() as { error: { param?: string } }).error.param, `${p}=${v}`).toBe(p);
      }
    }
  });

  it('rejects a typo of every parameter name, naming it', async () => {
    for (const p of [...PARAMS, 'text']) {
      const res = await lp.app.inject(`/render.png?text=x&${typo(p)}=1`);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'unknown_parameter', param: typo(p) } });
    }
  });

  it('rejects every format typo', async () => {
    for (const f of ['PNG', 'pngg', 'jpg2', 'gif', 'svg', 'webp.png', '', 'png%00', '..%2Fpng']) await expect4xxJson(`/render.${f}?text=x`);
  });

  it('refuses 100 KB of text, huge sizes and negative sizes', async () => {
    expect(await expect4xxJson(`/render.png?text=${'a'.repeat(100_000)}`)).toBe(400);
    expect(await expect4xxJson(`/render.png?text=${'語'.repeat(30_000)}`)).toBe(400);
    expect(await expect4xxJson('/render.png?text=x&w=16384&h=16384')).toBe(400);
    expect(await expect4xxJson('/render.png?text=x&w=-1200')).toBe(400);
    expect(await expect4xxJson('/render.png?text=x&size=-10')).toBe(400);
  });

  it('renders zalgo, bidi overrides, lone surrogates and control characters safely', async () => {
    for (const raw of [
      encodeURIComponent(`Z${'\u0301\u0316\u0337'.repeat(200)}algo`),
      encodeURIComponent('\u202Egnp.exe\u202C \u2067hidden\u2069'),
      '%ED%A0%80lone',
      encodeURIComponent('a\u0000b\u0007c\u001bd'),
      encodeURIComponent('\u200B\u200D\uFEFF\u2028\u2029'),
    ]) {
      const res = await lp.app.inject(`/render.png?w=300&h=100&text=${raw}`);
      expect([200, 400]).toContain(res.statusCode);
      if (res.statusCode === 200) expect(res.headers['content-type']).toBe('image/png');
    }
  });
});
