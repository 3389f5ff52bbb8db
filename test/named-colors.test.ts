/**
 * Colour names wherever a colour is accepted: the 148 CSS names (any case) and `transparent` on
 * GET /render, poster documents and template variables, canonicalised to the same hex (so
 * `bg=red` and `bg=ff0000` share an ETag); shields.io's palette on badges only.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { CSS_COLORS, parseColor, SHIELDS_COLORS } from '../src/colors.js';
import { PROJECT_ROOT } from '../src/config.js';
import { decode, startApp } from './helpers.js';

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp({ TEMPLATE_DIRS: path.join(PROJECT_ROOT, 'test', 'fixtures', 'templates') });
});
afterAll(async () => lp.app.close());

const etag = async (url: string): Promise<string> => {
  const res = await lp.app.inject(url);
  expect(res.statusCode, res.body).toBe(200);
  return res.headers.etag as string;
};
const pixel = (img: { data: Buffer; width: number }, x: number, y: number): number[] => [...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4)];

describe('parseColor', () => {
  it('knows all 148 CSS names, in any case, plus transparent', () => {
    expect(Object.keys(CSS_COLORS)).toHaveLength(148);
    expect(parseColor('RebeccaPurple')).toBe('663399ff');
    expect(parseColor('REBECCAPURPLE')).toBe('663399ff');
    expect(parseColor('transparent')).toBe('00000000');
    expect(parseColor('#F0f')).toBe('ff00ffff');
    expect(parseColor('12345678')).toBe('12345678');
    expect(parseColor('notacolour')).toBeNull();
    expect(parseColor('12345')).toBeNull();
  });

  it('takes shields names first on badges and CSS names everywhere else', () => {
    expect(parseColor('red')).toBe('ff0000ff');
    expect(parseColor('red', 'shields')).toBe('e05d44ff');
    expect(parseColor('brightgreen', 'shields')).toBe('44cc11ff');
    expect(parseColor('brightgreen')).toBeNull();
    expect(parseColor('blueviolet', 'shields')).toBe('8a2be2ff');
    for (const [alias, name] of [['critical', 'red'], ['important', 'orange'], ['success', 'brightgreen'], ['informational', 'blue'], ['inactive', 'lightgrey'], ['gray', 'grey'], ['lightgray', 'lightgrey']]) {
      expect(parseColor(alias, 'shields'), alias).toMatch(/^[0-9a-f]{8}$/);
      expect(SHIELDS_COLORS[alias]).toBe(SHIELDS_COLORS[name]);
    }
  });
});

describe('GET /render', () => {
  it('gives a named colour the ETag of its hex spelling', async () => {
    expect(await etag('/render.png?text=Hi&bg=red&color=White')).toBe(await etag('/render.png?text=Hi&bg=ff0000&color=fff'));
    expect(await etag('/render.png?text=Hi&bg=navy,Gold')).toBe(await etag('/render.png?text=Hi&bg=000080,ffd700'));
  });

  it('paints named colours and transparent', async () => {
    const img = await decode((await lp.app.inject('/render.png?text=.&w=40&h=40&padding=0&bg=rebeccapurple')).rawPayload);
    expect(pixel(img, 1, 1)).toEqual([0x66, 0x33, 0x99, 255]);
    const clear = await decode((await lp.app.inject('/render.png?text=.&w=40&h=40&padding=0&bg=transparent')).rawPayload);
    expect(pixel(clear, 1, 1)[3]).toBe(0);
  });

  it('names every documented colour form in the bg error', async () => {
    const res = await lp.app.inject('/render.png?text=Hi&bg=reddish');
    expect(res.statusCode).toBe(400);
    const { error } = JSON.parse(res.body);
    expect(error).toMatchObject({ code: 'invalid_color', param: 'bg' });
    for (const form of ['RGB', 'RGBA', 'RRGGBB', 'RRGGBBAA', 'CSS colour name', '2-3 comma-separated colours']) expect(error.message).toContain(form);
  });
});

describe('posters and templates', () => {
  const poster = (color: string) => lp.app.inject({ method: 'POST', url: '/render', payload: { width: 60, height: 40, background: color, layers: [{ type: 'rect', x: 0, y: 0, width: 10, height: 10, fill: { type: 'linear', stops: ['Tomato', '#fff'] } }] } });

  it('accepts names in documents, canonicalised to hex', async () => {
    const named = await poster('seagreen');
    const hex = await poster('#2e8b57');
    expect(named.statusCode, named.body).toBe(200);
    expect(named.headers.etag).toBe(hex.headers.etag);
    expect(pixel(await decode(named.rawPayload), 30, 30)).toEqual([0x2e, 0x8b, 0x57, 255]);
  });

  it('accepts names for template variables of type color', async () => {
    const res = await lp.app.inject('/t/hello-card.png?name=A&bg=DarkOrange');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers.etag).toBe(await etag('/t/hello-card.png?name=A&bg=ff8c00'));
    expect(pixel(await decode(res.rawPayload), 390, 190)).toEqual([0xff, 0x8c, 0x00, 255]);
  });
});
