/**
 * Canvases for rasterisation with @napi-rs/canvas (Skia), reused per pixel size (a small LRU):
 * a render paints every pixel of its canvas (background first), so nothing of the previous
 * render shows, and no fresh multi-megabyte surface is allocated per render.
 */
import './no-system-fonts.js';
import { createCanvas, type Canvas } from '@napi-rs/canvas';
import { LRUCache } from 'lru-cache';

const canvases = new LRUCache<string, Canvas>({ max: 4 });

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
