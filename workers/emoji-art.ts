/**
 * Emoji ZWJ sequences the bundled Noto Color Emoji subsets cannot form as one glyph (🏳️‍🌈 ❤️‍🔥 …:
 * no subset keeps the ligature, or a component is newer than the font), drawn from Noto's own
 * artwork instead (fonts/emoji-sequences.json.br, made by scripts/make-emoji-sequences.mjs).
 *
 * Such a grapheme is itemised in an "artwork face": a per-sequence copy of the emoji face whose
 * text is one 😀 per grapheme, so measuring, ink, line breaking and fitting see exactly one
 * emoji; the raster code then draws the sequence's bitmap in the box the font's emoji occupy.
 * Skia renders SVG under a process-wide lock, so each (sequence, pixel size) is rasterised once
 * into a bounded LRU and steady state draws bitmaps only.
 */
import './no-system-fonts.js';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { createCanvas, Image, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import { LRUCache } from 'lru-cache';
import type { FaceInfo } from './protocol.js';
import { ART_BOX as BOX, measureRun, REF_SIZE } from './measure.js';

/** The emoji drawn (measured) in place of a sequence: any emoji has the font's one emoji advance. */
export const ART_PLACEHOLDER = '\u{1F600}';
/** Largest bitmap side rasterised (bigger draws scale this one up). */
const MAX_PX = 1024;

/** A face that draws one artwork sequence (a copy of an emoji face, measured with the placeholder). */
export type ArtFace = FaceInfo & { readonly artwork: string };

let table: Map<string, string> | null = null;
const faces = new Map<string, ArtFace>();
const bitmaps = new LRUCache<string, Canvas>({ max: 256, maxSize: 64 << 20, sizeCalculation: (c) => Math.max(1, c.width * c.height * 4) });
let hits = 0, misses = 0;

function findRoot(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'package.json'))) return d;
    if (path.dirname(d) === d) return path.resolve(dir, '..');
  }
}

/** Sequence (FE0F removed, so unqualified forms match too) -> SVG. Empty when the data file is missing. */
function sequences(): Map<string, string> {
  if (!table) {
    table = new Map();
    try {
      const file = path.join(findRoot(path.dirname(fileURLToPath(import.meta.url))), 'fonts', 'emoji-sequences.json.br');
      const data = JSON.parse(zlib.brotliDecompressSync(fs.readFileSync(file)).toString('utf8')) as { sequences: Record<string, string> };
      for (const [hex, svg] of Object.entries(data.sequences)) table.set(key(String.fromCodePoint(...hex.split(' ').map((h) => parseInt(h, 16)))), svg);
    } catch {
      // No artwork: sequences fall back to what the font draws.
    }
  }
  return table;
}

function key(grapheme: string): string {
  return grapheme.replace(/\uFE0F/g, '');
}

/** True when `grapheme` is a sequence drawn from artwork (cheap test first: only ZWJ sequences are). */
export function hasArtwork(grapheme: string): boolean {
  return grapheme.includes('\u200d') && sequences().has(key(grapheme));
}

/** The artwork face for `grapheme`, based on `emojiFace` (an emoji face that has the placeholder). */
export function artFace(grapheme: string, emojiFace: FaceInfo): ArtFace {
  const k = key(grapheme);
  let face = faces.get(k);
  if (!face) {
    face = { ...emojiFace, artwork: k };
    faces.set(k, face);
  }
  return face;
}

/** True for an artwork face. */
export function isArtFace(face: FaceInfo): face is ArtFace {
  return typeof (face as Partial<ArtFace>).artwork === 'string';
}

/** The bitmap of `face`'s sequence `px` device pixels square, rasterised once per size. */
function bitmap(face: ArtFace, px: number): Canvas | null {
  const k = `${face.artwork}\u0000${px}`;
  let canvas = bitmaps.get(k);
  if (canvas) {
    hits++;
    return canvas;
  }
  const svg = sequences().get(face.artwork);
  if (!svg) return null;
  misses++;
  const img = new Image();
  img.src = Buffer.from(svg.replace('<svg ', `<svg width="${px}" height="${px}" `));
  canvas = createCanvas(px, px);
  canvas.getContext('2d').drawImage(img, 0, 0, px, px);
  bitmaps.set(k, canvas);
  return canvas;
}

/**
 * Draws a run of `face` (its text: one placeholder per grapheme) with its pen at (x, y) on the
 * baseline, `size` px, `ls` px letter spacing; bitmaps match the context's scale (device pixels).
 */
export function drawArtRun(ctx: SKRSContext2D, face: ArtFace, text: string, x: number, y: number, size: number, ls: number): void {
  const n = Math.max(1, Math.round(text.length / ART_PLACEHOLDER.length));
  const advance = (measureRun(face, ART_PLACEHOLDER, false, false).width * size) / REF_SIZE + ls;
  const side = BOX.side * size;
  const scale = Math.hypot(ctx.getTransform().a, ctx.getTransform().b) || 1;
  const px = Math.min(MAX_PX, Math.max(1, Math.ceil(side * scale)));
  const img = bitmap(face, px);
  if (!img) return;
  for (let i = 0; i < n; i++) ctx.drawImage(img, x + i * advance + BOX.left * size, y - BOX.top * size, side, side);
}

/** Artwork bitmap cache counters (hits, rasterisations, entries). */
export function emojiArtStats(): { hits: number; misses: number; entries: number } {
  return { hits, misses, entries: bitmaps.size };
}
