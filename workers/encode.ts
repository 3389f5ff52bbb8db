/**
 * Encoding the rendered pixels, choosing the cheapest exact path for each image:
 * - a PNG whose document draws one text colour over one opaque background colour (the common
 *   card) is an indexed PNG by construction (png-indexed.ts: every pixel lies between the two);
 * - any other PNG is written as a palette PNG when it holds at most 256 colours (png-indexed.ts
 *   counts them, giving up at the 257th);
 * - everything else goes to sharp (libvips). Skia's own PNG encoder is fixed at zlib level 6 with
 *   adaptive filters (~29 ms for a 1200x630 card); sharp at a low level without adaptive
 *   filtering takes a few ms. Opaque images drop the alpha channel; transparent ones flatten onto
 *   white for JPEG.
 */
import sharp from 'sharp';
import { isOpaquePaint } from './background.js';
import { rgba } from './shared.js';
import type { FontSelector } from './font-select.js';
import { isArtFace } from './emoji-art.js';
import { encodePalettePng, encodeTwoColorPng, type Clip } from './png-indexed.js';
import type { LaidOutText } from './poster-raster.js';
import { pixelHeight, pixelWidth, type ImageFormat, type PosterSpec } from './protocol.js';

sharp.concurrency(1);
sharp.cache(false);

/** PNG zlib level: the speed/size trade-off for the most common format. */
export const PNG_COMPRESSION = 3;

/** How an image will be encoded, decided before its pixels are read back (so only the needed ones are). */
export type EncodePlan =
  | { readonly kind: 'two-color'; readonly bg: number[]; readonly fg: number[]; readonly clip: Clip }
  | { readonly kind: 'general' };

/** The encoding plan of a laid-out poster. */
export function planEncoding(spec: PosterSpec, text: ReadonlyMap<number, LaidOutText>, fonts: FontSelector): EncodePlan {
  const two = spec.format === 'png' ? twoColorPlan(spec, text, fonts) : null;
  return two ? { kind: 'two-color', ...two } : { kind: 'general' };
}

/**
 * Encodes a rendered poster's premultiplied RGBA pixels in its format. For a two-colour plan
 * `pixels` holds only the plan's clip rectangle (everything outside it is background).
 */
export async function encodeImage(pixels: Uint8Array, spec: PosterSpec, plan: EncodePlan): Promise<Buffer> {
  const width = pixelWidth(spec), height = pixelHeight(spec);
  if (plan.kind === 'two-color') return encodeTwoColorPng(pixels, width, height, plan.bg, plan.fg, plan.clip);
  const opaque = isOpaque(spec);
  if (spec.format === 'png') {
    const palette = encodePalettePng(pixels, width, height, opaque);
    if (palette) return palette;
  }
  return encodeWithSharp(pixels, width, height, spec.format, spec.q, opaque);
}

/** True when the background covers every pixel opaquely (layers draw over it). */
export function isOpaque(spec: PosterSpec): boolean {
  const bg = spec.background;
  return bg.type === 'image' || isOpaquePaint(bg); // an image is painted over white first
}

/**
 * The two colours of a document that can only produce pixels between them: one opaque
 * background colour and text layers (no stroke, shadow, box or opacity) all in one colour with
 * no colour-font glyph. `clip` bounds every layer's box (device px; layers draw only inside their
 * boxes), or is the whole canvas when a layer is rotated.
 */
export function twoColorPlan(spec: PosterSpec, text: ReadonlyMap<number, LaidOutText>, fonts: FontSelector): { bg: number[]; fg: number[]; clip: Clip } | null {
  const bg = spec.background;
  if (bg.type !== 'color' || !bg.color.endsWith('ff') || spec.layers.length === 0) return null;
  const fg = spec.layers[0].type === 'text' ? spec.layers[0].spans[0].color : '';
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity, rotated = false;
  for (const [i, l] of spec.layers.entries()) {
    if (l.type !== 'text' || l.opacity !== 1 || l.stroke || l.shadow || l.background || l.spans.some((sp) => sp.color !== fg)) return null;
    const laid = text.get(i);
    if (!laid) continue;
    const faces = laid.mode === 'horizontal' ? laid.layout.runs : laid.layout.glyphs;
    if (faces.some((r) => fonts.isColor(r.face) || isArtFace(r.face))) return null;
    rotated ||= l.rotate !== 0;
    x0 = Math.min(x0, l.x); y0 = Math.min(y0, l.y);
    x1 = Math.max(x1, l.x + l.width); y1 = Math.max(y1, l.y + l.height);
  }
  const d = spec.dpr, pw = pixelWidth(spec), ph = pixelHeight(spec);
  const clip = rotated || x0 > x1 ? { x0: 0, y0: 0, x1: pw, y1: ph }
    : { x0: Math.max(0, Math.floor(x0 * d)), y0: Math.max(0, Math.floor(y0 * d)), x1: Math.min(pw, Math.ceil(x1 * d)), y1: Math.min(ph, Math.ceil(y1 * d)) };
  return { bg: rgba(bg.color), fg: rgba(fg), clip };
}

/** Encodes premultiplied RGBA pixels with sharp. */
export async function encodeWithSharp(pixels: Uint8Array, width: number, height: number, format: ImageFormat, quality: number, opaque: boolean): Promise<Buffer> {
  // Opaque pixels are the same premultiplied or not: skip libvips' unpremultiply pass.
  let img = sharp(pixels, { raw: { width, height, channels: 4, premultiplied: !opaque } });
  if (opaque) img = img.removeAlpha();
  if (format === 'jpg') {
    // 4:4:4 keeps coloured text edges clean; Huffman optimisation would double the encode time for ~9% bytes.
    if (!opaque) img = img.flatten({ background: '#ffffff' });
    return img.jpeg({ quality, chromaSubsampling: '4:4:4', optimiseCoding: false }).toBuffer();
  }
  if (format === 'webp') return img.webp({ quality, effort: 2 }).toBuffer();
  return img.png({ compressionLevel: PNG_COMPRESSION, adaptiveFiltering: false }).toBuffer();
}
