/**
 * Golden images: every shipped template (with its defaults) and a set of tricky layouts, rendered
 * with the bundled fonts only and compared on decoded pixels with a perceptual tolerance
 * (test/golden.ts). UPDATE_GOLDEN=1 regenerates; a failure writes the actual image beside the
 * expected one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { checkGolden, compareImages } from './golden.js';
import { startApp } from './helpers.js';
import { POSTER_CASES } from './poster-cases.js';

let lp: LetterpressApp;
beforeAll(async () => {
  lp = await startApp({ FONT_DIRS: '', ASSET_DIRS: '', TEMPLATE_DIRS: '' });
});
afterAll(async () => lp.app.close());

describe('every shipped template matches its golden image', () => {
  const names = ['certificate', 'chinese-promo', 'chinese-vertical', 'event-poster', 'og-blog', 'product-launch', 'quote-card', 'status-badge'];
  it('ships these eight templates', async () => {
    const body = JSON.parse((await lp.app.inject('/templates')).body) as { templates: { name: string }[] };
    expect(body.templates.map((t) => t.name)).toEqual(names);
  });
  for (const name of names) {
    it(name, async () => {
      const t = JSON.parse((await lp.app.inject(`/templates/${name}`)).body) as { url: string };
      const res = await lp.app.inject(t.url);
      expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
      const ext = t.url.split('?')[0].split('.').pop()!;
      expect(await checkGolden(`template-${name}`, ext, res.rawPayload)).toBeNull();
    });
  }
});

describe('tricky layouts match their golden images', () => {
  for (const c of POSTER_CASES) {
    it(c.name, async () => {
      const res = await lp.app.inject({ method: 'POST', url: '/render', payload: c.doc });
      expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
      expect(await checkGolden(`case-${c.name}`, 'png', res.rawPayload)).toBeNull();
    });
  }
});

describe('the golden comparison catches real changes', () => {
  it('a recoloured word fails the comparison and a re-render of the same document passes', async () => {
    const doc = POSTER_CASES.find((c) => c.name === 'rich-spans')!.doc as { layers: { spans: { color?: string }[] }[] };
    const render = async (d: unknown) => (await lp.app.inject({ method: 'POST', url: '/render', payload: d })).rawPayload;
    const base = await render(doc);
    const again = await render(structuredClone(doc));
    expect((await compareImages(again, base)).diffPixels).toBe(0);
    const changed = structuredClone(doc);
    changed.layers[0].spans[1].color = '#fbbf25'; // one step away: perceptually the same
    expect((await compareImages(await render(changed), base)).ratio).toBeLessThanOrEqual(0.001);
    changed.layers[0].spans[1].color = '#22d3ee';
    expect((await compareImages(await render(changed), base)).ratio).toBeGreaterThan(0.001);
  });
});
