/**
 * A fast PNG path for the most common card: one text colour over one opaque background colour.
 * Every pixel then lies on the line between the two colours (antialiasing only mixes them), so
 * the image is exactly an indexed PNG whose index is the coverage read from the channel where the
 * colours differ most: one byte per pixel instead of three, ~3x less for zlib to compress, and
 * a smaller file. Anything else (gradients, colour emoji, transparency) takes the general encoder.
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

/** The device-pixel rectangle [x0, x1) x [y0, y1) outside which every pixel is background. */
export interface Clip { readonly x0: number; readonly y0: number; readonly x1: number; readonly y1: number }

/**
 * Encodes RGBA pixels drawn only in `fg` over an opaque `bg` (both [r, g, b]) as an 8-bit
 * indexed PNG. Index 0 is the background; index i is i/|fg-bg| of the way to the text colour.
 * Pixels outside `clip` (text is clipped to the padded box) are written as background unread.
 */
export function encodeTwoColorPng(rgba: Uint8Array, width: number, height: number, bg: readonly number[], fg: readonly number[], clip: Clip = { x0: 0, y0: 0, x1: width, y1: height }): Buffer {
  let k = 0;
  for (let c = 1; c < 3; c++) if (Math.abs(fg[c] - bg[c]) > Math.abs(fg[k] - bg[k])) k = c;
  const span = Math.max(1, Math.abs(fg[k] - bg[k]));
  const sign = fg[k] >= bg[k] ? 1 : -1;
  const palette = Buffer.allocUnsafe((span + 1) * 3);
  for (let i = 0; i <= span; i++) {
    for (let c = 0; c < 3; c++) palette[i * 3 + c] = Math.round(bg[c] + ((fg[c] - bg[c]) * i) / span);
  }
  const stride = width + 1;
  const raw = Buffer.alloc(stride * height); // zero: filter byte "none" and index 0 (background)
  const x0 = Math.max(0, clip.x0), x1 = Math.min(width, clip.x1);
  const y0 = Math.max(0, clip.y0), y1 = Math.min(height, clip.y1);
  const base = bg[k];
  const shift = os.endianness() === 'LE' ? k * 8 : 24 - k * 8; // channel k of an RGBA word
  const aligned = rgba.byteOffset % 4 === 0 ? rgba : Uint8Array.from(rgba);
  const words = new Uint32Array(aligned.buffer, aligned.byteOffset, width * height);
  for (let y = y0; y < y1; y++) {
    let o = y * stride + 1 + x0;
    for (let x = x0, p = y * width + x0; x < x1; x++, p++) {
      const d = (((words[p] >>> shift) & 255) - base) * sign;
      raw[o++] = d <= 0 ? 0 : d >= span ? span : d;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 3; // colour type: indexed
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('PLTE', palette),
    chunk('IDAT', zlib.deflateSync(raw, { level: 3 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
