/**
 * One render engine: a GET card is a poster with one text layer, and every kind of image (GET
 * card, auto-sized card, POSTed poster, template, placeholder, badge) goes through the same
 * declared list of stages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { STAGES } from '../workers/pipeline.js';
import { decode, startApp } from './helpers.js';

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp();
});
afterAll(async () => {
  await lp?.app.close();
});

/** The stage names a `Server-Timing` header lists after `render;…`. */
function stagesOf(serverTiming: string): string[] {
  return serverTiming.split(', ').slice(1).map((part) => part.split(';')[0]);
}

const text = 'One engine 一个引擎 مرحبا';
const options = { size: 48, minSize: 20, weight: 700, lineHeight: 1.3, align: 'left', valign: 'middle', fit: 'shrink' } as const;

describe('a GET card is a poster with one text layer', () => {
  it('draws the same pixels as the poster document with that layer in its padded box', async () => {
    const q = new URLSearchParams({ text, w: '600', h: '315', bg: '1e293b', color: 'fbbf24', padding: '40', font: 'sans', ...Object.fromEntries(Object.entries(options).map(([k, v]) => [k, String(v)])) });
    const card = await lp.app.inject(`/render.png?${q}`);
    expect(card.statusCode, card.body.slice(0, 200)).toBe(200);
    const doc = {
      width: 600, height: 315, format: 'png', background: '#1e293b',
      layers: [{ type: 'text', x: 40, y: 40, width: 520, height: 235, text, color: '#fbbf24', font: 'sans', ...options }],
    };
    const poster = await lp.app.inject({ method: 'POST', url: '/render', payload: doc });
    expect(poster.statusCode, poster.body.slice(0, 200)).toBe(200);
    const [a, b] = [await decode(card.rawPayload), await decode(poster.rawPayload)];
    expect([a.width, a.height]).toEqual([600, 315]);
    expect(a.data.equals(b.data)).toBe(true);
    // Both took the two-colour palette path: the same bytes, not just the same pixels.
    expect(card.rawPayload.equals(poster.rawPayload)).toBe(true);
  });
});

describe('every image goes through the one declared stage list', () => {
  const names = STAGES.map((s) => s.name);

  it('lists resolve, decode, shape, size, layout, raster, readback, encode in that order', () => {
    expect(names).toEqual(['resolve', 'decode', 'shape', 'size', 'layout', 'raster', 'readback', 'encode']);
  });

  it.each([
    ['a GET card', () => ({ url: '/render.png?text=Stages&w=400&h=200' })],
    ['a GET card with w=auto and h=auto', () => ({ url: '/render.png?text=Auto%20stages&w=auto&h=auto' })],
    ['a JPEG card over a gradient', () => ({ url: '/render.jpg?text=Gradient&w=400&h=200&bg=0f172a,7c3aed' })],
    ['a POSTed poster', () => ({ method: 'POST' as const, url: '/render', payload: { width: 300, height: 200, background: { type: 'linear', angle: 90, stops: ['#000', '#fff'] }, layers: [{ type: 'rect', x: 10, y: 10, width: 50, height: 50, fill: '#f00' }, { type: 'text', x: 0, y: 80, width: 300, height: 100, text: 'Poster' }] } })],
    ['a template', () => ({ url: '/t/og-blog.png?title=Stages' })],
    ['a placeholder', () => ({ url: '/320x180/000/fff.png?text=Stages' })],
    ['a badge', () => ({ url: '/badge/stages-one%20list-blue.png' })],
  ])('%s', async (_what, request) => {
    const res = await lp.app.inject(request());
    expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
    expect(stagesOf(String(res.headers['server-timing']))).toEqual(names);
  });
});
