/**
 * Image types told by their bytes, never by a name or a declared MIME type. Threat: bytes of one
 * format sent under another's label (an SVG as `data:image/png`) reach a decoder nobody meant to
 * expose; SVG in particular renders through Skia under a process-wide lock, so one hostile
 * document would stall every render thread. Only the formats listed here are decoded from
 * request data.
 */

/** Raster formats accepted in request data (data: URIs). */
export type SniffedFormat = 'png' | 'jpeg' | 'webp';

/** The format of `bytes` by its magic number, or null when it is none of the accepted ones. */
export function sniffImage(bytes: Uint8Array): SniffedFormat | null {
  const b = bytes;
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  return null;
}

function ascii(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...b.subarray(from, to));
}
