/**
 * Text measurement through Skia with an LRU of results. Widths are measured once at a reference
 * size and scaled linearly (Skia lays out unhinted, subpixel-positioned glyphs), so fitting a text
 * at many sizes costs one measurement per distinct run. Letter spacing is kept apart as a count of
 * the units Skia spaces, so it stays in absolute pixels at every size.
 */
import './no-system-fonts.js';
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import { LRUCache } from 'lru-cache';
import type { FaceInfo } from './protocol.js';
import { fontCss } from './font-registry.js';

/** Size at which widths are measured and cached. */
export const REF_SIZE = 100;

/** Width of a run at REF_SIZE, plus the number of letter-spacing units Skia adds to it. */
export interface RunMetrics { readonly width: number; readonly units: number }

/** Vertical metrics of a face as fractions of the font size. */
export interface FaceMetrics { readonly ascent: number; readonly descent: number }

/**
 * The square Noto's 128-unit emoji artwork fills in the emoji font, in em: from `left` right of
 * the pen, `top` above the baseline, `side` wide and tall (emoji-art.ts draws sequences in it).
 */
export const ART_BOX = { left: 0.0365, top: 0.93, side: 1.172 } as const;

/** Ink extent of a shaped run above (`ascent`) and below (`descent`) its baseline, as fractions of the font size. */
export interface InkMetrics { readonly ascent: number; readonly descent: number }

const ctx: SKRSContext2D = createCanvas(1, 1).getContext('2d');
const cache = new LRUCache<string, RunMetrics>({ max: 50_000 });
const faceMetrics = new Map<string, FaceMetrics>();
const inkCache = new LRUCache<string, InkMetrics>({ max: 20_000 });
let hits = 0;
let misses = 0;

function setFont(face: FaceInfo, rtl: boolean): void {
  ctx.font = fontCss(face, REF_SIZE);
  ctx.direction = rtl ? 'rtl' : 'ltr';
}

/** Measures `text` drawn with `face`; `spaced` also counts letter-spacing units. */
export function measureRun(face: FaceInfo, text: string, rtl: boolean, spaced: boolean): RunMetrics {
  const key = `${face.alias}\u0000${rtl ? 1 : 0}${spaced ? 1 : 0}\u0000${text}`;
  const hit = cache.get(key);
  if (hit) {
    hits++;
    return hit;
  }
  misses++;
  setFont(face, rtl);
  ctx.letterSpacing = '0px';
  const width = ctx.measureText(text).width;
  let units = 0;
  if (spaced) {
    ctx.letterSpacing = `${REF_SIZE}px`;
    units = Math.round((ctx.measureText(text).width - width) / REF_SIZE);
    ctx.letterSpacing = '0px';
  }
  const m = { width, units };
  cache.set(key, m);
  return m;
}

/**
 * Ascent and descent of a face (em fractions), from its font bounding box. Skia reports the box of
 * the font of the first run it shapes, so `sample` must be text the face itself has (`Hg` where
 * it has those), or the metrics would be another font's.
 */
export function measureFace(face: FaceInfo, sample: string): FaceMetrics {
  let m = faceMetrics.get(face.alias);
  if (!m) {
    setFont(face, false);
    const tm = ctx.measureText(sample);
    m = { ascent: tm.fontBoundingBoxAscent / REF_SIZE, descent: tm.fontBoundingBoxDescent / REF_SIZE };
    faceMetrics.set(face.alias, m);
  }
  return m;
}

/**
 * The real ink of `text` shaped with `face` (stacked marks, shadda, descenders and marks below
 * included), from Skia's glyph bounds: what must stay inside the box, unlike the face's nominal
 * ascent and descent.
 */
export function measureInk(face: FaceInfo, text: string, rtl: boolean): InkMetrics {
  // Artwork sequences (emoji-art.ts): their ink is at most the artwork's square.
  if ((face as { artwork?: string }).artwork !== undefined) return { ascent: ART_BOX.top, descent: ART_BOX.side - ART_BOX.top };
  const key = `${face.alias}\u0000${rtl ? 1 : 0}\u0000${text}`;
  let m = inkCache.get(key);
  if (!m) {
    setFont(face, rtl);
    ctx.letterSpacing = '0px';
    const tm = ctx.measureText(text);
    const blank = !(tm.actualBoundingBoxAscent + tm.actualBoundingBoxDescent > 0) || /^\s*$/u.test(text);
    m = blank ? { ascent: 0, descent: 0 } : { ascent: tm.actualBoundingBoxAscent / REF_SIZE, descent: tm.actualBoundingBoxDescent / REF_SIZE };
    inkCache.set(key, m);
  }
  return m;
}

/** Measurement cache counters, reported with each render for /metrics. */
export function measureCacheStats(): { hits: number; misses: number; entries: number } {
  return { hits, misses, entries: cache.size };
}
