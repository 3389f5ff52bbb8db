/**
 * Paint for backgrounds and shape fills. Gradients (linear and radial, any stops) are computed
 * here, without dithering: Skia dithers gradient shaders, which makes PNGs several times larger
 * and slower to encode, and two renders of one gradient at different sizes would not even share
 * their noise. Computed gradients are cached per (paint, pixel size) in a byte-bounded LRU, so
 * repeated cards and templates reuse them.
 */
import './no-system-fonts.js';
import { createCanvas, ImageData, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import { LRUCache } from 'lru-cache';
import type { GradientStop, Paint } from './protocol.js';
import { gradientDirection, rgba } from './shared.js';

/** A gradient paint (linear or radial). */
export type GradientPaint = Exclude<Paint, { type: 'color' }>;

/** Computed gradients: the pixels (for the canvas background) and a canvas holding them (for fills). */
interface CachedGradient {
  readonly image: ImageData;
  canvas: Canvas | null;
}

const gradients = new LRUCache<string, CachedGradient>({
  maxSize: 32 * 1024 * 1024, // per worker: about ten 1200x630 gradients
  sizeCalculation: (g) => g.image.data.byteLength * (g.canvas ? 2 : 1),
});
let hits = 0;
let misses = 0;

/** A CSS colour string Skia understands for `rrggbbaa`. */
export function cssColor(hex: string): string {
  const [r, g, b, a] = rgba(hex);
  return `rgba(${r},${g},${b},${a / 255})`;
}

/** True when every pixel of the paint is fully opaque. */
export function isOpaquePaint(paint: Paint): boolean {
  return paint.type === 'color' ? paint.color.endsWith('ff') : paint.stops.every((s) => s.color.endsWith('ff'));
}

const LUT_STEPS = 1024;

/** The colour at each of LUT_STEPS + 1 positions along the stops, as RGBA words (memory order r, g, b, a). */
function colourTable(stops: readonly GradientStop[]): Uint32Array {
  const lut = new Uint32Array(LUT_STEPS + 1);
  const bytes = new Uint8Array(lut.buffer);
  const colours = stops.map((s) => rgba(s.color));
  for (let i = 0; i <= LUT_STEPS; i++) {
    const t = i / LUT_STEPS;
    let k = 0;
    while (k < stops.length - 2 && t > stops[k + 1].offset) k++;
    const o0 = stops[k].offset, o1 = stops[k + 1].offset;
    const f = t <= o0 ? 0 : t >= o1 ? 1 : (t - o0) / (o1 - o0);
    const a = colours[k], b = colours[k + 1];
    for (let c = 0; c < 4; c++) bytes[i * 4 + c] = Math.round(a[c] + (b[c] - a[c]) * f);
  }
  return lut;
}

/** LUT index of a gradient position (clamped to the first and last stop, as CSS pads). */
const lutIndex = (t: number): number => (t <= 0 ? 0 : t >= 1 ? LUT_STEPS : Math.round(t * LUT_STEPS));

/** A linear gradient over a `w` x `h` box: its direction and the length of its line through the centre (reaching the corners, as CSS). */
function linearGeometry(angle: number, w: number, h: number): { dx: number; dy: number; len: number } {
  const { dx, dy } = gradientDirection(angle);
  return { dx, dy, len: Math.abs(w * dx) + Math.abs(h * dy) };
}

/** A radial gradient over a `w` x `h` box: its centre, and `radius` x the distance to the farthest corner. */
function radialGeometry(paint: Extract<GradientPaint, { type: 'radial' }>, w: number, h: number): { cx: number; cy: number; r: number } {
  const cx = paint.cx * w, cy = paint.cy * h;
  const far = Math.max(Math.hypot(cx, cy), Math.hypot(cx - w, cy), Math.hypot(cx, cy - h), Math.hypot(cx - w, cy - h));
  return { cx, cy, r: Math.max(1e-3, paint.radius * far) };
}

/**
 * A gradient as unpremultiplied RGBA bytes over a `width` x `height` box: linear as CSS
 * `linear-gradient(angle, …)` (the gradient line through the centre, long enough to reach the
 * corners), radial with its centre at (cx, cy) of the box and `radius` x the farthest corner.
 */
export function gradientPixels(paint: GradientPaint, width: number, height: number): Uint8ClampedArray {
  const lut = colourTable(paint.stops);
  const out = new Uint8ClampedArray(width * height * 4);
  const px = new Uint32Array(out.buffer);
  if (paint.type === 'linear') {
    const { dx, dy, len } = linearGeometry(paint.angle, width, height);
    const cx = width / 2, cy = height / 2, stepX = dx / len;
    for (let y = 0; y < height; y++) {
      let t = ((y + 0.5 - cy) * dy) / len + 0.5 + (0.5 - cx) * stepX;
      for (let x = 0, o = y * width; x < width; x++, o++, t += stepX) px[o] = lut[lutIndex(t)];
    }
    return out;
  }
  const { cx, cy, r } = radialGeometry(paint, width, height);
  for (let y = 0; y < height; y++) {
    const ddy = (y + 0.5 - cy) ** 2;
    for (let x = 0, o = y * width; x < width; x++, o++) px[o] = lut[lutIndex(Math.sqrt((x + 0.5 - cx) ** 2 + ddy) / r)];
  }
  return out;
}

/**
 * Most gradient pixels one render computes (undithered, in JS); past it a render's further
 * gradients are drawn by Skia's shader (dithered, but cheap), so a document of many large
 * gradient shapes costs no more than a few canvases' worth of work and memory.
 */
export const GRADIENT_PIXEL_BUDGET = 4 * 1024 * 1024;

/** One render's allowance of computed gradient pixels (cached gradients cost nothing). */
export class GradientBudget {
  private left = GRADIENT_PIXEL_BUDGET;

  /** True (and counted) when `pixels` more fit in the allowance. */
  take(pixels: number): boolean {
    if (pixels > this.left) return false;
    this.left -= pixels;
    return true;
  }
}

/**
 * The cached gradient of `paint` at `width` x `height` device pixels (with a canvas holding it
 * when asked), computing it if `budget` allows; null when it does not.
 */
function cachedGradient(paint: GradientPaint, width: number, height: number, budget: GradientBudget, withCanvas = false): CachedGradient | null {
  const key = `${JSON.stringify(paint)}@${width}x${height}`;
  let g = gradients.get(key);
  if (g) hits++;
  else {
    if (!budget.take(width * height)) return null;
    misses++;
    g = { image: new ImageData(gradientPixels(paint, width, height), width, height), canvas: null };
    gradients.set(key, g);
  }
  if (withCanvas && !g.canvas) {
    g.canvas = createCanvas(width, height);
    g.canvas.getContext('2d').putImageData(g.image, 0, 0);
    gradients.set(key, g); // counts the canvas's bytes too
  }
  return g;
}

/** Skia's gradient shader for `paint` laid out over the box (0, 0, w, h), for gradients past the budget. */
function shaderGradient(ctx: SKRSContext2D, paint: GradientPaint, w: number, h: number): ReturnType<SKRSContext2D['createLinearGradient']> {
  let g: ReturnType<SKRSContext2D['createLinearGradient']>;
  if (paint.type === 'linear') {
    const { dx, dy, len } = linearGeometry(paint.angle, w, h);
    const [cx, cy, half] = [w / 2, h / 2, len / 2];
    g = ctx.createLinearGradient(cx - dx * half, cy - dy * half, cx + dx * half, cy + dy * half);
  } else {
    const { cx, cy, r } = radialGeometry(paint, w, h);
    g = ctx.createRadialGradient(cx, cy, 0, cx, cy, r);
  }
  for (const st of paint.stops) g.addColorStop(st.offset, cssColor(st.color));
  return g;
}

/** Paints the whole canvas (device pixels; the transform is reset to identity) with a colour or gradient. */
export function paintCanvas(ctx: SKRSContext2D, paint: Paint, width: number, height: number, budget: GradientBudget): void {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  if (paint.type === 'color' && !paint.color.endsWith('ff')) ctx.clearRect(0, 0, width, height);
  if (paint.type !== 'color') {
    const g = cachedGradient(paint, width, height, budget);
    if (g) return ctx.putImageData(g.image, 0, 0);
    ctx.clearRect(0, 0, width, height);
  }
  ctx.fillStyle = paint.type === 'color' ? cssColor(paint.color) : shaderGradient(ctx, paint, width, height);
  ctx.fillRect(0, 0, width, height);
}

/**
 * Fills the current path with a gradient laid out over the box `w` x `h` (CSS px, local
 * coordinates, drawn under the current transform): the gradient is computed once at the box's
 * device size (`scale` device px per CSS px) and drawn through the path as a clip; past the
 * render's budget, Skia's shader fills the path instead.
 */
export function fillWithGradient(ctx: SKRSContext2D, paint: GradientPaint, w: number, h: number, scale: number, budget: GradientBudget): void {
  const pw = Math.max(1, Math.round(w * scale)), ph = Math.max(1, Math.round(h * scale));
  const g = cachedGradient(paint, pw, ph, budget, true);
  if (!g) {
    ctx.fillStyle = shaderGradient(ctx, paint, w, h);
    ctx.fill();
    return;
  }
  const canvas = g.canvas;
  ctx.save();
  ctx.clip();
  ctx.drawImage(canvas!, 0, 0, w, h);
  ctx.restore();
}

/** Gradient cache counters, reported with each render for /metrics. */
export function gradientCacheStats(): { entries: number; bytes: number; hits: number; misses: number } {
  return { entries: gradients.size, bytes: gradients.calculatedSize, hits, misses };
}
