/**
 * Palette (indexed) PNGs: one byte per pixel instead of three or four, so ~3x less for zlib to
 * compress and a smaller file, as Takumi writes any image of at most 256 colours.
 * - The most common card, one text colour over one opaque background colour, is indexed by
 *   construction: every pixel lies on the line between the two colours (antialiasing only mixes
 *   them), and its index is the coverage read from the channel where the colours differ most.
 * - Any other image is indexed when counting its colours finds at most 256 (runs of one colour
 *   cost one comparison per pixel; the count gives up at the 257th colour).
 */
import os from 'node:os';
import zlib from 'node:zlib';

/** The 8 bytes every PNG file starts with. */
export const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One PNG chunk: length, type, data and the CRC of type + data. */
export function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(zlib.crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** `count` RGBA pixels as 32-bit words (copied first when the bytes are not 4-byte aligned). */
function rgbaWords(rgba: Uint8Array, count: number): Uint32Array {
  const aligned = rgba.byteOffset % 4 === 0 ? rgba : Uint8Array.from(rgba);
  return new Uint32Array(aligned.buffer, aligned.byteOffset, count);
}

/** The device-pixel rectangle [x0, x1) x [y0, y1) outside which every pixel is background. */
export interface Clip { readonly x0: number; readonly y0: number; readonly x1: number; readonly y1: number }

/**
 * Encodes RGBA pixels drawn only in `fg` over an opaque `bg` (both [r, g, b]) as an 8-bit
 * indexed PNG. Index 0 is the background; index i is i/|fg-bg| of the way to the text colour.
 * `rgba` holds only the `clip` rectangle (rows of x1 - x0 pixels); every pixel outside it is
 * background and written as index 0 without being read.
 */
export function encodeTwoColorPng(rgba: Uint8Array, width: number, height: number, bg: readonly number[], fg: readonly number[], clip: Clip): Buffer {
  let k = 0;
  for (let c = 1; c < 3; c++) if (Math.abs(fg[c] - bg[c]) > Math.abs(fg[k] - bg[k])) k = c;
  const span = Math.max(1, Math.abs(fg[k] - bg[k]));
  const sign = fg[k] >= bg[k] ? 1 : -1;
  const palette = Buffer.allocUnsafe((span + 1) * 3);
  for (let i = 0; i <= span; i++) {
    for (let c = 0; c < 3; c++) palette[i * 3 + c] = Math.round(bg[c] + ((fg[c] - bg[c]) * i) / span);
  }
  // The palette index of each value of channel k.
  const index = new Uint8Array(256);
  for (let v = 0; v < 256; v++) index[v] = Math.max(0, Math.min(span, (v - bg[k]) * sign));
  const stride = width + 1;
  const raw = Buffer.alloc(stride * height); // zero: filter byte "none" and index 0 (background)
  const { x0, y0, x1, y1 } = clip;
  const cw = Math.max(0, x1 - x0), rows = Math.max(0, y1 - y0); // empty: every layer lies off the canvas
  const shift = os.endianness() === 'LE' ? k * 8 : 24 - k * 8; // channel k of an RGBA word
  const words = rgbaWords(rgba, cw * rows);
  const bgWord = new Uint32Array(Uint8Array.from([bg[0], bg[1], bg[2], 255]).buffer)[0]; // an opaque background pixel as read back
  for (let y = y0, p = 0; y < y0 + rows; y++) {
    const o = y * stride + 1 + x0;
    for (let x = 0; x < cw; x++, p++) {
      const w = words[p];
      if (w !== bgWord) raw[o + x] = index[(w >>> shift) & 255]; // background stays 0
    }
  }
  // Index rows are long runs (background, glyph interiors): run-length matching finds nearly all
  // of zlib's gain at two thirds of its time.
  return indexedPng(width, height, palette, null, raw, zlib.constants.Z_RLE);
}

/** An 8-bit indexed PNG file from its palette (RGB triples), optional alpha per entry, and filtered rows. */
function indexedPng(width: number, height: number, palette: Buffer, alpha: Buffer | null, raw: Buffer, strategy: number = zlib.constants.Z_DEFAULT_STRATEGY): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 3; // colour type: indexed
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('PLTE', palette),
    ...(alpha ? [chunk('tRNS', alpha)] : []),
    chunk('IDAT', zlib.deflateSync(raw, { level: 3, strategy })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Most colours a palette PNG holds. */
export const MAX_PALETTE = 256;

/** A colour table of at most MAX_PALETTE RGBA words, by open addressing (at most a quarter full). */
class ColourTable {
  private readonly keys = new Uint32Array(1024);
  private readonly slot = new Int16Array(1024).fill(-1);
  readonly colours = new Uint32Array(MAX_PALETTE);
  count = 0;

  /** The index of colour `w`, added if new; -1 when the table is full and `w` is not in it. */
  indexOf(w: number): number {
    let h = Math.imul(w, 0x9e3779b1) >>> 22;
    while (this.slot[h] >= 0 && this.keys[h] !== w) h = (h + 1) & 1023;
    if (this.slot[h] >= 0) return this.slot[h];
    if (this.count === MAX_PALETTE) return -1;
    this.keys[h] = w;
    this.slot[h] = this.count;
    this.colours[this.count] = w;
    return this.count++;
  }
}

/** Pixels of the sparse sample taken before a full count: one in SAMPLE_STEP (a prime, so rows do not align). */
const SAMPLE_STEP = 29;

/**
 * Encodes premultiplied RGBA pixels as an indexed PNG when they hold at most 256 colours
 * (returns null at the 257th). `opaque`: every alpha is 255, so no tRNS chunk is written.
 * A sparse sample first: a gradient or photo shows its 257th colour there at a small cost.
 */
export function encodePalettePng(rgba: Uint8Array, width: number, height: number, opaque: boolean): Buffer | null {
  const words = rgbaWords(rgba, width * height);
  const sample = new ColourTable();
  for (let p = 0; p < words.length; p += SAMPLE_STEP) if (sample.indexOf(words[p]) < 0) return null;
  const table = new ColourTable();
  const stride = width + 1;
  const raw = Buffer.allocUnsafe(stride * height);
  let prev = 0, prevIndex = -1;
  for (let y = 0, p = 0; y < height; y++) {
    let o = y * stride;
    raw[o++] = 0; // filter: none
    for (let x = 0; x < width; x++, p++) {
      const w = words[p];
      if (w !== prev || prevIndex < 0) {
        prevIndex = table.indexOf(w);
        if (prevIndex < 0) return null;
        prev = w;
      }
      raw[o++] = prevIndex;
    }
  }
  const { colours, count } = table;
  const bytes = new Uint8Array(colours.buffer, 0, count * 4); // r, g, b, a in memory order
  const palette = Buffer.allocUnsafe(count * 3);
  const alpha = Buffer.allocUnsafe(count);
  for (let i = 0; i < count; i++) {
    const a = bytes[i * 4 + 3];
    alpha[i] = a;
    for (let c = 0; c < 3; c++) {
      const v = bytes[i * 4 + c];
      palette[i * 3 + c] = opaque || a === 255 ? v : a === 0 ? 0 : Math.min(255, Math.round((v * 255) / a)); // unpremultiply
    }
  }
  return indexedPng(width, height, palette, opaque ? null : alpha, raw);
}
