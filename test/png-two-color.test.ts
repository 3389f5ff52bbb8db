import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { rgba } from '../workers/shared.js';
import { encodeWithSharp } from '../workers/encode.js';
import { runPipeline } from '../workers/pipeline.js';
import { cardDocument } from '../src/card.js';
import { encodeTwoColorPng } from '../workers/png-indexed.js';
import type { RenderSpec } from '../workers/protocol.js';
import { inProcessFonts, testConfig } from './helpers.js';
import { renderLimits } from '../src/config.js';

const LIMITS = renderLimits(testConfig());

const spec: RenderSpec = {
  format: 'png', text: 'Two colours 双色 مرحبا\nantialiased edges', w: 400, h: 210, dpr: 2, q: 0,
  bg: { colors: ['1e293bff'], angle: 180 }, color: 'fbbf24ff', font: 'Inter', weight: 700, size: 48, minSize: 12,
  align: 'center', valign: 'middle', padding: 24, lineHeight: 1.2, letterSpacing: 0, maxLines: 0, fit: 'shrink',
  direction: 'auto', lang: 'auto',
};

describe('indexed PNG for one text colour over one background colour', () => {
  it('decodes to the same pixels (within 2/255 of rounding) as the general RGB encoder, in fewer bytes', async () => {
    const { selector } = inProcessFonts();
    const { state } = await runPipeline(cardDocument(spec), selector, Number.MAX_SAFE_INTEGER, LIMITS);
    // The render drew only the text layer's rectangle; draw the whole image (a transparent shape
    // layer keeps the document off the two-colour path) to compare every pixel.
    const doc = cardDocument(spec);
    const transparent = { type: 'rect' as const, x: 0, y: 0, width: 1, height: 1, opacity: 1, rotate: 0, fill: { type: 'color' as const, color: '00000000' }, stroke: null, radius: 0 };
    const full = await runPipeline({ ...doc, layers: [...doc.layers, transparent] }, selector, Number.MAX_SAFE_INTEGER, LIMITS);
    expect(full.state.plan?.kind).toBe('general');
    const pixels = full.state.pixels!;
    const indexed = encodeTwoColorPng(pixels, 800, 420, rgba(spec.bg.colors[0]), rgba(spec.color), { x0: 0, y0: 0, x1: 800, y1: 420 });
    const general = await encodeWithSharp(pixels, 800, 420, 'png', 0, true);
    const a = await sharp(indexed).raw().toBuffer();
    const b = await sharp(general).raw().toBuffer();
    expect(a.length).toBe(b.length);
    let max = 0;
    let ink = 0;
    for (let i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
      if (i % 3 === 0 && b[i] !== 0x1e) ink++;
    }
    expect(ink).toBeGreaterThan(1000);
    expect(max).toBeLessThanOrEqual(2); // Skia rounds each channel of a blend separately
    expect(indexed.length).toBeLessThan(general.length);
    expect(state.plan?.kind).toBe('two-color');
    // Reading only the text's rectangle changes nothing: the served bytes decode to the same pixels.
    expect((await sharp(state.body!).raw().toBuffer()).equals(a)).toBe(true);
  });

  it('is not used when colour emoji or a gradient are drawn (those count their colours, and a text gradient card has too many)', async () => {
    const { selector } = inProcessFonts();
    const emoji = await runPipeline(cardDocument({ ...spec, text: 'Party 🎉' }), selector, Number.MAX_SAFE_INTEGER, LIMITS);
    const gradient = await runPipeline(cardDocument({ ...spec, bg: { colors: ['000000ff', 'ffffffff'], angle: 90 } }), selector, Number.MAX_SAFE_INTEGER, LIMITS);
    for (const { state } of [emoji, gradient]) expect(state.plan?.kind).toBe('general');
    const meta = await sharp(gradient.state.body!).metadata();
    expect(meta.isPalette).toBe(false);
    expect(meta.channels).toBe(3);
  });
});
