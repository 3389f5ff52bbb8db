/**
 * Encoding raw pixels with sharp (libvips). Skia's own PNG encoder is fixed at zlib level 6 with
 * adaptive filters (~29 ms for a 1200x630 card); sharp at a low level without adaptive filtering
 * takes a few ms. Opaque images drop the alpha channel; transparent ones flatten onto white for JPEG.
 */
import sharp from 'sharp';
import type { ImageFormat } from './protocol.js';

sharp.concurrency(1);
sharp.cache(false);

/** PNG zlib level: the speed/size trade-off for the most common format. */
export const PNG_COMPRESSION = 3;

/** Encodes premultiplied RGBA pixels. */
export async function encode(pixels: Buffer, width: number, height: number, format: ImageFormat, quality: number, opaque: boolean): Promise<Buffer> {
  // Opaque pixels are the same premultiplied or not: skip libvips' unpremultiply pass.
  let img = sharp(pixels, { raw: { width, height, channels: 4, premultiplied: !opaque } });
  if (opaque) img = img.removeAlpha();
  if (format === 'jpg') {
    // 4:4:4 keeps coloured text edges clean; Huffman optimisation would double the encode time for ~9% bytes.
    if (!opaque) img = img.flatten({ background: '#ffffff' });
    return img.jpeg({ quality, chromaSubsampling: '4:4:4', optimiseCoding: false }).toBuffer();
  }
  if (format === 'webp') return img.webp({ quality, effort: 2 }).toBuffer();
  return img.png({ compressionLevel: PNG_COMPRESSION, adaptiveFiltering: false }).toBuffer();
}
