/**
 * Errors drawn as images, for clients that prefer one (an `<img>` whose URL is wrong would show
 * nothing otherwise): a small PNG naming the status, code, parameter and message. Drawn on the
 * main thread with @napi-rs/canvas, in one bundled face (the `sans` family at 400 and 700)
 * registered under private family names — never a host font: characters that face lacks are
 * drawn as `?`. It does not need the render pool, so it works while the pool is cold or full.
 * Images are kept in a small LRU, and a token bucket caps fresh drawings: past it, the error
 * gets the (cached) image of its code alone, so a flood of bad URLs cannot take the main thread.
 */
import zlib from 'node:zlib';
import '../workers/no-system-fonts.js';
import { createCanvas, GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';
import { LRUCache } from 'lru-cache';
import type { FaceInfo, FontCatalog } from '../workers/protocol.js';
import { FaceCoverage } from '../workers/font-coverage.js';
import { chunk as pngChunk, SIGNATURE } from '../workers/png-indexed.js';
import type { AppError } from './errors.js';

/** Width of an error image in px. */
export const ERROR_IMAGE_WIDTH = 480;
const PAD = 16;
const MAX_MESSAGE_LINES = 8;
/** Fresh drawings allowed per second (burst of the same size); the rest get their code's image. */
const DRAWS_PER_SECOND = 50;

const REGULAR = 'letterpress-error-ui-400';
const BOLD = 'letterpress-error-ui-700';

let faces: { regular: FaceInfo; bold: FaceInfo } | null = null;
const drawn = new LRUCache<string, Buffer>({ max: 256 });
/** Images of a status and code alone (a bounded set: the codes are fixed). */
const generic = new Map<string, Buffer>();
/** What the face really has (its cmap), so nothing is left for Skia to find elsewhere. */
const coverage = new FaceCoverage(8);
let tokens = DRAWS_PER_SECOND;
let refilledAt = Date.now();

function pickFace(catalog: FontCatalog, weight: number): FaceInfo | undefined {
  const family = catalog.generic.sans;
  const byWeight = (faces: FaceInfo[]): FaceInfo[] => [...faces].sort((a, b) => Math.abs(a.weight - weight) - Math.abs(b.weight - weight));
  const own = byWeight(catalog.faces.filter((f) => f.family === family));
  return own.find((f) => coverage.has(f, 0x41)) ?? byWeight([...catalog.faces]).find((f) => coverage.has(f, 0x41));
}

/**
 * Registers the error face under private family names (once per process; call it before the
 * worker pool starts). Returns false when the catalog has no face covering Latin.
 */
export function initErrorImages(catalog: FontCatalog): boolean {
  if (faces) return true;
  const regular = pickFace(catalog, 400);
  const bold = pickFace(catalog, 700);
  if (!regular || !bold) return false;
  if (!GlobalFonts.registerFromPath(regular.file, REGULAR)) return false;
  if (bold.file !== regular.file && !GlobalFonts.registerFromPath(bold.file, BOLD)) return false;
  faces = { regular, bold: bold.file === regular.file ? regular : bold };
  return true;
}

/** `text` with controls removed and characters the face lacks shown as `?`, at most `max` characters. */
function drawable(text: string, face: FaceInfo, max = 400): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) out += ' ';
    else out += coverage.has(face, cp) ? ch : '?';
    if (out.length >= max) return `${out}…`;
  }
  return out;
}

/** Advance of each character at the message size, measured once (a string's width is their sum, kerning aside). */
const advances = new Map<string, number>();
let measurer: SKRSContext2D | null = null;

function widthOf(text: string): number {
  let w = 0;
  for (const ch of text) {
    let a = advances.get(ch);
    if (a === undefined) {
      measurer ??= createCanvas(1, 1).getContext('2d');
      measurer.font = `14px ${REGULAR}`;
      a = measurer.measureText(ch).width;
      advances.set(ch, a);
    }
    w += a;
  }
  return w;
}

/** Words of `text` in lines no wider than `width` (a word wider than a line is cut), at most `maxLines`. */
function wrap(text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    if (widthOf(candidate) <= width) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    line = word;
    while (widthOf(line) > width && line.length > 1 && lines.length <= maxLines) {
      // The longest prefix that fits, by binary search (a long word costs log n measurements).
      let lo = 1;
      let hi = line.length - 1;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (widthOf(line.slice(0, mid)) <= width) lo = mid;
        else hi = mid - 1;
      }
      lines.push(line.slice(0, lo));
      line = line.slice(lo);
    }
    if (lines.length > maxLines) break;
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    lines.length = maxLines;
    lines[maxLines - 1] = `${lines[maxLines - 1].replace(/.?$/u, '')}…`;
  }
  return lines;
}

function draw(status: number, code: string, param: string | undefined, message: string): Buffer {
  const { regular, bold } = faces!;
  const inner = ERROR_IMAGE_WIDTH - 2 * PAD;
  const lines = wrap(drawable(message, regular), inner, MAX_MESSAGE_LINES);
  const height = PAD + 24 + (param ? 22 : 0) + 6 + lines.length * 19 + PAD;
  const canvas = createCanvas(ERROR_IMAGE_WIDTH, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fef2f2';
  ctx.fillRect(0, 0, ERROR_IMAGE_WIDTH, height);
  ctx.strokeStyle = '#dc2626';
  ctx.lineWidth = 2;
  ctx.strokeRect(1, 1, ERROR_IMAGE_WIDTH - 2, height - 2);
  ctx.textBaseline = 'top';
  let y = PAD;
  ctx.fillStyle = '#b91c1c';
  ctx.font = `bold 18px ${bold === regular ? REGULAR : BOLD}`;
  ctx.fillText(drawable(`${status} ${code}`, bold, 60), PAD, y, inner);
  y += 24;
  if (param) {
    ctx.fillStyle = '#111827';
    ctx.font = `bold 14px ${bold === regular ? REGULAR : BOLD}`;
    ctx.fillText(drawable(`param: ${param}`, bold, 120), PAD, y, inner);
    y += 22;
  }
  y += 6;
  ctx.fillStyle = '#1f2937';
  ctx.font = `14px ${REGULAR}`;
  for (const line of lines) {
    ctx.fillText(line, PAD, y);
    y += 19;
  }
  return encodePng(canvas.data(), ERROR_IMAGE_WIDTH, height);
}

/** Opaque RGBA pixels as a PNG, fast (Skia's encoder compresses harder and costs ~5x more). */
function encodePng(rgba: Uint8Array, width: number, height: number): Buffer {
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height); // filter byte 0 (none) per row
  const src = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  for (let y = 0; y < height; y++) src.copy(raw, y * (stride + 1) + 1, y * stride, (y + 1) * stride);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', zlib.deflateSync(raw, { level: 3 })), pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The (cached) image of `err`'s status and code with a fixed line of text. */
function codeOnly(err: AppError, line: string): Buffer {
  const key = `${err.status} ${err.code}\n${line}`;
  let png = generic.get(key);
  if (!png) {
    png = draw(err.status, err.code, undefined, line);
    generic.set(key, png);
  }
  return png;
}

/** What an image says instead of the request's own words when it may not quote them. */
const NOT_QUOTED = 'Request this URL with Accept: application/json for the details.';

/**
 * The PNG for `err`, or null when no face could be registered. Repeated errors come from the
 * cache; fresh ones past the drawing budget get the image of their status and code alone.
 * `quote` false (a server with SIGNING_KEYS) draws the status and code with a fixed line and no
 * parameter or message: those carry the request's own words (a parameter name, a value, a
 * path), and a signing server must not put unsigned words on an image under its name.
 */
export function errorImage(err: AppError, quote = true): Buffer | null {
  if (!faces) return null;
  if (!quote) return codeOnly(err, NOT_QUOTED);
  const key = `${err.status}\n${err.code}\n${err.param ?? ''}\n${err.message}`;
  const hit = drawn.get(key);
  if (hit) return hit;
  const now = Date.now();
  tokens = Math.min(DRAWS_PER_SECOND, tokens + ((now - refilledAt) / 1000) * DRAWS_PER_SECOND);
  refilledAt = now;
  if (tokens < 1) return codeOnly(err, 'Too many errors to describe each one right now; request this URL with Accept: application/json for the details.');
  tokens--;
  const png = draw(err.status, err.code, err.param, err.message);
  drawn.set(key, png);
  return png;
}
