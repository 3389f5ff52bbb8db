/**
 * Rasterisation with @napi-rs/canvas (Skia). Canvases are reused per pixel size (a small LRU),
 * text is clipped to the padded box so nothing paints outside it, and the raw premultiplied
 * RGBA pixels are read once for the encoder.
 */
import { fontCss } from './font-registry.js';
import './no-system-fonts.js';
import { createCanvas, type Canvas } from '@napi-rs/canvas';
import { LRUCache } from 'lru-cache';
import { cssColor, paintBackground } from './background.js';
import type { Box, TextLayout } from './layout.js';
import { drawArtRun, isArtFace } from './emoji-art.js';
import type { Background } from './protocol.js';

const canvases = new LRUCache<string, Canvas>({ max: 4 });

/** What to draw. */
export interface RasterInput {
  readonly width: number;
  readonly height: number;
  readonly dpr: number;
  readonly bg: Background;
  readonly color: string;
  readonly box: Box;
  readonly letterSpacing: number;
  readonly layout: TextLayout;
}

/** A canvas of this pixel size, reused across renders (its previous content is painted over). */
export function canvasFor(width: number, height: number): Canvas {
  const key = `${width}x${height}`;
  let canvas = canvases.get(key);
  if (!canvas) {
    canvas = createCanvas(width, height);
    canvases.set(key, canvas);
  }
  return canvas;
}

/** Draws background and text; returns premultiplied RGBA pixels (a copy owned by the caller). */
export function rasterize(input: RasterInput): Buffer {
  const { width, height, dpr, layout } = input;
  const canvas = canvasFor(width, height);
  const ctx = canvas.getContext('2d');
  paintBackground(ctx, input.bg, width, height);
  ctx.save();
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.beginPath();
  ctx.rect(input.box.x, input.box.y, input.box.w, input.box.h);
  ctx.clip();
  ctx.fillStyle = cssColor(input.color);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.letterSpacing = `${input.letterSpacing}px`;
  for (const run of layout.runs) {
    if (isArtFace(run.face)) {
      drawArtRun(ctx, run.face, run.text, run.x, run.y, layout.size, input.letterSpacing);
      continue;
    }
    ctx.font = fontCss(run.face, layout.size);
    ctx.direction = run.rtl ? 'rtl' : 'ltr';
    ctx.fillText(run.text, run.x, run.y);
  }
  ctx.restore();
  return canvas.data();
}
