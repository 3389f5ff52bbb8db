import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { rgba } from '../workers/shared.js';
import { encode } from '../workers/encode.js';
import { runPipeline } from '../workers/pipeline.js';
import { encodeTwoColorPng } from '../workers/png-indexed.js';
import type { RenderSpec } from '../workers/protocol.js';
import { inProcessFonts } from './helpers.js';

const spec: RenderSpec = {
  format: 'png', text: 'Two colours 双色 مرحبا\nantialiased edges', w: 400, h: 210, dpr: 2, q: 0,
  bg: { colors: ['1e293bff'], angle: 180 }, color: 'fbbf24ff', font: 'Inter', weight: 700, size: 48, minSize: 12,
  align: 'center', valign: 'middle', padding: 24, lineHeight: 1.2, letterSpacing: 0, maxLines: 0, fit: 'shrink',
  direction: 'auto', lang: 'auto',
};

describe('indexed PNG for one text colour over one background colour', () => {
  it('decodes to the same pixels (within 2/255 of rounding) as the general RGB encoder, in fewer bytes', async () => {
    const { selector } = inProcessFonts();
    const { state } = await runPipeline(spec, selector, Number.MAX_SAFE_INTEGER);
    const pixels = state.pixels!;
    const indexed = encodeTwoColorPng(pixels, 800, 420, rgba(spec.bg.colors[0]), rgba(spec.color));
    const general = await encode(pixels, 800, 420, 'png', 0, true);
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
    expect(state.body!.equals(indexed)).toBe(true);
  });

  it('is not used when colour emoji or a gradient are drawn', async () => {
    const { selector } = inProcessFonts();
    for (const s of [{ ...spec, text: 'Party 🎉' }, { ...spec, bg: { colors: ['000000ff', 'ffffffff'], angle: 90 } }]) {
      const { state } = await runPipeline(s, selector, Number.MAX_SAFE_INTEGER);
      const meta = await sharp(state.body!).metadata();
      expect(meta.paletteBitDepth).toBeUndefined();
      expect(meta.channels).toBe(3);
    }
  });
});
