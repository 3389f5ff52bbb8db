/**
 * Palette PNGs for any image of at most 256 colours (workers/png-indexed.ts): exact (the decoded
 * pixels are the input's), with transparency kept (tRNS, unpremultiplied), and refused from the
 * 257th colour, whether the sparse sample or the full count finds it.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodePalettePng } from '../workers/png-indexed.js';

/** Premultiplied RGBA pixels of `colours` (straight [r, g, b, a]) laid out in runs along the rows. */
function pixels(colours: number[][], width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const [r, g, b, a] = colours[Math.floor(p / 7) % colours.length];
    out.set([Math.round((r * a) / 255), Math.round((g * a) / 255), Math.round((b * a) / 255), a], p * 4);
  }
  return out;
}

const palette = (n: number, alpha = 255): number[][] => Array.from({ length: n }, (_, i) => [i & 255, (i >> 8) * 100, 50, alpha]);

describe('palette PNG', () => {
  it('writes 256 opaque colours as an 8-bit indexed PNG that decodes to the same pixels', async () => {
    const [w, h] = [64, 40];
    const px = pixels(palette(256), w, h);
    const png = encodePalettePng(px, w, h, true)!;
    expect(png).not.toBeNull();
    const meta = await sharp(png).metadata();
    expect(meta.isPalette).toBe(true);
    expect(meta.bitsPerSample).toBe(8);
    const decoded = await sharp(png).ensureAlpha().raw().toBuffer();
    expect(Buffer.from(px).equals(decoded)).toBe(true);
  });

  it('keeps transparency: half-transparent colours decode to their straight values and alpha', async () => {
    const [w, h] = [30, 10];
    const colours = [[200, 100, 50, 128], [0, 0, 0, 0], [10, 20, 30, 255]];
    const png = encodePalettePng(pixels(colours, w, h), w, h, false)!;
    const decoded = await sharp(png).ensureAlpha().raw().toBuffer();
    const first = Array.from(decoded.subarray(0, 4));
    expect(first[3]).toBe(128);
    for (const [c, want] of [[0, 200], [1, 100], [2, 50]]) expect(Math.abs(first[c] - want)).toBeLessThanOrEqual(2);
    expect(decoded[7 * 4 + 3]).toBe(0);
  });

  it('refuses 257 colours, found by the sample or only by the full count', () => {
    const [w, h] = [64, 64];
    expect(encodePalettePng(pixels(palette(257), w, h), w, h, true)).toBeNull();
    // 256 colours everywhere and one more in a single pixel the sparse sample skips.
    const px = pixels(palette(256), w, h);
    px.set([1, 2, 3, 255], 5 * 4);
    expect(encodePalettePng(px, w, h, true)).toBeNull();
  });
});
