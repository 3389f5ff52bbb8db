import { cardDocument } from '../src/card.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { canonicalize } from '../src/params.js';
import { startApp, testConfig } from './helpers.js';

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp({ MAX_TEXT_LENGTH: '100' });
});
afterAll(async () => {
  await lp?.app.close();
});

const cases: [string, string, string, string][] = [
  ['missing text', '/render.png', 'missing_parameter', 'text'],
  ['empty text', '/render.png?text=', 'invalid_parameter', 'text'],
  ['blank text', '/render.png?text=%20%0A', 'invalid_parameter', 'text'],
  ['unknown parameter', '/render.png?text=a&colour=fff', 'unknown_parameter', 'colour'],
  ['repeated parameter', '/render.png?text=a&text=b', 'invalid_parameter', 'text'],
  ['non-numeric width', '/render.png?text=a&w=wide', 'invalid_parameter', 'w'],
  ['fractional width', '/render.png?text=a&w=10.5', 'invalid_parameter', 'w'],
  ['zero width', '/render.png?text=a&w=0', 'out_of_range', 'w'],
  ['huge height', '/render.png?text=a&h=99999', 'out_of_range', 'h'],
  ['negative height', '/render.png?text=a&h=-5', 'out_of_range', 'h'],
  ['dpr too big', '/render.png?text=a&dpr=4', 'out_of_range', 'dpr'],
  ['dpr too small', '/render.png?text=a&dpr=0.5', 'out_of_range', 'dpr'],
  ['NaN dpr', '/render.png?text=a&dpr=NaN', 'invalid_parameter', 'dpr'],
  ['quality 0', '/render.jpg?text=a&q=0', 'out_of_range', 'q'],
  ['quality 101', '/render.jpg?text=a&q=101', 'out_of_range', 'q'],
  ['bad bg', '/render.png?text=a&bg=reddish', 'invalid_color', 'bg'],
  ['four bg stops', '/render.png?text=a&bg=000,111,222,333', 'invalid_color', 'bg'],
  ['bad color', '/render.png?text=a&color=12345', 'invalid_color', 'color'],
  ['angle out of range', '/render.png?text=a&bg=000,fff&angle=400', 'out_of_range', 'angle'],
  ['unknown font', '/render.png?text=a&font=Comic%20Sans', 'unknown_font', 'font'],
  ['weight 50', '/render.png?text=a&weight=50', 'out_of_range', 'weight'],
  ['weight 950', '/render.png?text=a&weight=950', 'out_of_range', 'weight'],
  ['size too small', '/render.png?text=a&size=1', 'out_of_range', 'size'],
  ['size too big', '/render.png?text=a&size=10000', 'out_of_range', 'size'],
  ['minSize too big', '/render.png?text=a&minSize=1000', 'out_of_range', 'minSize'],
  ['bad align', '/render.png?text=a&align=justify', 'invalid_parameter', 'align'],
  ['bad valign', '/render.png?text=a&valign=center', 'invalid_parameter', 'valign'],
  ['negative padding', '/render.png?text=a&padding=-1', 'out_of_range', 'padding'],
  ['padding swallowing the box', '/render.png?text=a&w=100&h=100&padding=50', 'out_of_range', 'padding'],
  ['lineHeight too small', '/render.png?text=a&lineHeight=0.1', 'out_of_range', 'lineHeight'],
  ['letterSpacing too big', '/render.png?text=a&letterSpacing=1000', 'out_of_range', 'letterSpacing'],
  ['maxLines negative', '/render.png?text=a&maxLines=-1', 'out_of_range', 'maxLines'],
  ['bad fit', '/render.png?text=a&fit=grow', 'invalid_parameter', 'fit'],
  ['bad direction', '/render.png?text=a&direction=up', 'invalid_parameter', 'direction'],
  ['bad lang', '/render.png?text=a&lang=fr', 'invalid_parameter', 'lang'],
  ['bad lineBreak', '/render.png?text=a&lineBreak=auto', 'invalid_parameter', 'lineBreak'],
  ['bad wordBreak', '/render.png?text=a&wordBreak=break-all', 'invalid_parameter', 'wordBreak'],
  ['unknown format', '/render.gif?text=a', 'unknown_format', 'format'],
  ['text too long', `/render.png?text=${'x'.repeat(101)}`, 'text_too_long', 'text'],
  ['too many pixels', '/render.png?text=a&w=4096&h=4096&dpr=2', 'too_many_pixels', 'w'],
];

describe('bad requests', () => {
  it.each(cases)('%s answers 400 %s naming %s, never cached', async (_name, url, code, param) => {
    const res = await lp.app.inject(url);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.etag).toBeUndefined();
    const body = res.json() as { error: { code: string; message: string; param: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.param).toBe(param);
    expect(body.error.message.length).toBeGreaterThan(0);
  });

  it('a spec the worker refuses as past its limits is 400 limit_exceeded (what it is, not too_many_pixels)', async () => {
    // The edge refuses such text first; the worker re-checks every spec against the same limits.
    const spec = { ...canonicalize('png', { text: 'a', w: 200, h: 100 }, testConfig(), lp.catalog), text: 'x'.repeat(101) };
    await expect(lp.pool.render(cardDocument(spec))).rejects.toMatchObject({ code: 'limit_exceeded', status: 400, retryAfter: undefined });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await lp.app.inject('/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('accepts every parameter at its bounds', async () => {
    const url = '/render.webp?text=ok&w=16&h=16&dpr=3&q=1&bg=000,ffffff80,abc&angle=-360&color=%23fff8&font=mono&weight=900&size=512&minSize=4&align=right&valign=bottom&padding=0&lineHeight=4&letterSpacing=-50&maxLines=200&fit=none&direction=rtl&lang=ko';
    const res = await lp.app.inject(url);
    expect(res.statusCode).toBe(200);
  });

  it('survives hostile text: lone surrogates, controls, bidi overrides and zalgo render, not crash', async () => {
    for (const raw of ['%ED%A0%80abc', '%F0%9F']) {
      const res = await lp.app.inject(`/render.png?w=200&h=100&text=${raw}`);
      expect([200, 400]).toContain(res.statusCode);
    }
    for (const text of ['a\u0000b\u0007c', '\u202Eevil\u202C', `Z${'\u0301'.repeat(50)}algo`, '\\n\\n\\n']) {
      const res = await lp.app.inject(`/render.png?w=200&h=100&text=${encodeURIComponent(text)}`);
      expect([200, 400]).toContain(res.statusCode);
    }
    const bad = await lp.app.inject('/render.png?text=%E0%A4%A');
    expect(bad.statusCode).toBeLessThan(500);
  });
});
