/**
 * Images for poster layers: asset files and data: URIs, decoded once per worker and kept in a
 * byte-bounded LRU keyed by content hash (the source's `id`). The header is read first so an
 * image whose decoded size passes the pixel limit is refused before it is decoded.
 */
import './no-system-fonts.js';
import fs from 'node:fs/promises';
import { loadImage, type Image } from '@napi-rs/canvas';
import { LRUCache } from 'lru-cache';
import sharp, { type Metadata } from 'sharp';
import { sniffImage } from './image-sniff.js';
import type { ImageSource } from './protocol.js';

/** Decoded images, bounded by their pixel bytes. */
const decoded = new LRUCache<string, Image>({
  maxSize: 96 * 1024 * 1024,
  sizeCalculation: (img) => Math.max(1, img.width * img.height * 4),
});
let hits = 0;
let misses = 0;

/** Why an image could not be used (the pipeline adds the pointer of the field that named it). */
export class ImageLoadError extends Error {
  constructor(readonly code: 'invalid_image' | 'too_many_pixels', message: string) {
    super(message);
  }
}

/** Returns the decoded image for `source`, decoding (and caching) it on first use. */
export async function loadSource(source: ImageSource, maxPixels: number): Promise<Image> {
  const hit = decoded.get(source.id);
  if (hit) {
    hits++;
    return hit;
  }
  misses++;
  const bytes = source.data ? Buffer.from(source.data.buffer, source.data.byteOffset, source.data.byteLength) : await fs.readFile(source.file!);
  // Request data is decoded only as the raster format its bytes show (assets are the operator's files).
  if (source.data && !sniffImage(bytes)) throw new ImageLoadError('invalid_image', 'the image is not a PNG, JPEG or WebP image');
  let meta: Metadata;
  try {
    // Only the header is read; without lifting sharp's own pixel limit, a header declaring more
    // than ~268 Mpx would be reported as unreadable instead of too large.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new ImageLoadError('invalid_image', 'the image could not be read (PNG, JPEG, WebP or SVG expected)');
  }
  if (source.data && meta.format !== 'png' && meta.format !== 'jpeg' && meta.format !== 'webp') {
    throw new ImageLoadError('invalid_image', 'the image is not a PNG, JPEG or WebP image');
  }
  const pixels = (meta.width ?? 0) * (meta.height ?? 0);
  if (!(pixels > 0)) throw new ImageLoadError('invalid_image', 'the image has no size');
  if (pixels > maxPixels) throw new ImageLoadError('too_many_pixels', `the image is ${meta.width}x${meta.height}; the limit is ${maxPixels} pixels`);
  let img: Image;
  try {
    img = await loadImage(bytes);
  } catch {
    throw new ImageLoadError('invalid_image', 'the image could not be decoded');
  }
  decoded.set(source.id, img);
  return img;
}

/** Decoded-image cache counters. */
export function imageCacheStats(): { hits: number; misses: number; entries: number; bytes: number } {
  return { hits, misses, entries: decoded.size, bytes: decoded.calculatedSize };
}
