/**
 * Gradients are computed undithered in JS (background.ts), which costs work and memory per pixel;
 * one render computes at most GRADIENT_PIXEL_BUDGET of them and leaves the rest to Skia's shader,
 * so a document of many large gradient shapes cannot make one render compute (and allocate)
 * dozens of canvases' worth of pixels.
 */
import { describe, expect, it } from 'vitest';
import { GRADIENT_PIXEL_BUDGET, gradientCacheStats } from '../workers/background.js';
import { runPipeline } from '../workers/pipeline.js';
import type { LayerSpec, PosterSpec } from '../workers/protocol.js';
import { inProcessFonts, testConfig } from './helpers.js';
import { renderLimits } from '../src/config.js';

const LIMITS = renderLimits(testConfig());

/** A full-canvas rectangle filled with a gradient no other layer shares (its own angle). */
function gradientRect(i: number, size: number): LayerSpec {
  return {
    type: 'rect', x: 0, y: 0, width: size, height: size, opacity: 1, rotate: 0, stroke: null, radius: 0,
    fill: { type: 'linear', angle: 1 + i, stops: [{ color: 'ff0000ff', offset: 0 }, { color: '0000ffff', offset: 1 }] },
  };
}

describe('gradient pixels computed per render are bounded', () => {
  it('computes at most the budget and draws the remaining gradients with Skia, every layer still painted', async () => {
    const { selector } = inProcessFonts();
    const size = 1500; // 2.25 M pixels a layer: one fits the 4 M budget, the other 39 do not
    const doc: PosterSpec = {
      format: 'png', w: size, h: size, dpr: 1, q: 0, background: { type: 'color', color: 'ffffffff' },
      layers: Array.from({ length: 40 }, (_, i) => gradientRect(i, size)),
    };
    const before = gradientCacheStats().misses;
    const { state } = await runPipeline(doc, selector, Number.MAX_SAFE_INTEGER, LIMITS);
    const computed = gradientCacheStats().misses - before;
    expect(computed).toBeGreaterThanOrEqual(1);
    expect(computed * size * size).toBeLessThanOrEqual(GRADIENT_PIXEL_BUDGET);
    // The top layer (a Skia gradient at 40 degrees) is what shows: red at the left, blue at the right.
    const px = state.pixels!;
    const at = (x: number, y: number): number[] => Array.from(px.subarray((y * size + x) * 4, (y * size + x) * 4 + 3));
    const [left, right] = [at(2, size / 2), at(size - 3, size / 2)];
    expect(left[0]).toBeGreaterThan(left[2]);
    expect(right[2]).toBeGreaterThan(right[0]);
  });
});
