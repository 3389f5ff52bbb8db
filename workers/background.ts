/**
 * Background paint. Solid colours are a Skia fill. Linear gradients are computed here, without
 * dithering (Skia dithers gradient shaders, which makes PNGs ~10x larger and slower to encode),
 * and cached per (colours, angle, pixel size) in a byte-bounded LRU, so repeated cards reuse them.
 */
import './no-system-fonts.js';
import { ImageData, type SKRSContext2D } from '@napi-rs/canvas';
import { LRUCache } from 'lru-cache';
import type { Background } from './protocol.js';
import { gradientDirection, rgba } from './shared.js';

const gradients = new LRUCache<string, ImageData>({
  maxSize: 24 * 1024 * 1024, // per worker: eight 1200x630 gradients
  sizeCalculation: (img) => img.data.byteLength,
});

/** A CSS colour string Skia understands for `rrggbbaa`. */
export function cssColor(hex: string): string {
  const [r, g, b, a] = rgba(hex);
  return `rgba(${r},${g},${b},${a / 255})`;
}

/** True when every pixel of the background is fully opaque. */
export function isOpaque(bg: Background): boolean {
  return bg.colors.every((c) => c.endsWith('ff'));
}

/** Paints the background over the whole canvas (device pixels, identity transform). */
export function paintBackground(ctx: SKRSContext2D, bg: Background, width: number, height: number): void {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  if (bg.colors.length === 1) {
    if (!isOpaque(bg)) ctx.clearRect(0, 0, width, height);
    ctx.fillStyle = cssColor(bg.colors[0]);
    ctx.fillRect(0, 0, width, height);
    return;
  }
  const key = `${bg.colors.join(',')}@${bg.angle}:${width}x${height}`;
  let img = gradients.get(key);
  if (!img) {
    img = new ImageData(linearGradient(bg, width, height), width, height);
    gradients.set(key, img);
  }
  ctx.putImageData(img, 0, 0);
}

/** CSS `linear-gradient(angle, c0, c1[, c2])` as unpremultiplied RGBA bytes. */
export function linearGradient(bg: Background, width: number, height: number): Uint8ClampedArray {
  const { dx, dy } = gradientDirection(bg.angle);
  const len = Math.abs(width * dx) + Math.abs(height * dy);
  const steps = 1024;
  const lut = new Uint32Array(steps + 1);
  const stops = bg.colors.map(rgba);
  const view = new DataView(lut.buffer);
  for (let i = 0; i <= steps; i++) {
    const t = (i / steps) * (stops.length - 1);
    const k = Math.min(Math.floor(t), stops.length - 2);
    const f = t - k;
    const a = stops[k], b = stops[k + 1];
    for (let c = 0; c < 4; c++) view.setUint8(i * 4 + c, Math.round(a[c] + (b[c] - a[c]) * f));
  }
  const out = new Uint8ClampedArray(width * height * 4);
  const px = new Uint32Array(out.buffer);
  const cx = width / 2, cy = height / 2;
  for (let y = 0; y < height; y++) {
    const rowT = ((y + 0.5 - cy) * dy) / len + 0.5;
    const stepX = dx / len;
    let t = rowT + (0.5 - cx) * stepX;
    for (let x = 0, o = y * width; x < width; x++, o++, t += stepX) {
      const i = t <= 0 ? 0 : t >= 1 ? steps : Math.round(t * steps);
      px[o] = lut[i];
    }
  }
  return out;
}

/** Gradient cache counters, reported with each render for /metrics. */
export function gradientCacheStats(): { entries: number; bytes: number } {
  return { entries: gradients.size, bytes: gradients.calculatedSize };
}
