/**
 * Golden-image comparison: decoded pixels compared with pixelmatch's perceptual (YIQ) distance and
 * anti-aliasing detection, so sub-pixel rasteriser noise passes and a moved, missing or recoloured
 * glyph does not. `UPDATE_GOLDEN=1 npm test` rewrites the expected images; a failing comparison
 * writes `<name>.actual.<ext>` and `<name>.diff.png` beside the expected image.
 */
import fs from 'node:fs';
import path from 'node:path';
import pixelmatch from 'pixelmatch';
import sharp from 'sharp';
import { PROJECT_ROOT } from '../src/config.js';

/** Where expected images live. */
export const GOLDEN_DIR = path.join(PROJECT_ROOT, 'test', 'golden');
/** True when the run should rewrite expected images instead of comparing. */
export const UPDATE = process.env.UPDATE_GOLDEN === '1';
/** Per-pixel perceptual threshold (pixelmatch: 0 exact, 1 anything) and the share of pixels allowed to exceed it. */
export const TOLERANCE = { threshold: 0.1, maxDiffRatio: 0.001 } as const;

/** Result of comparing two images. */
export interface GoldenDiff { readonly diffPixels: number; readonly ratio: number; readonly sameSize: boolean; readonly diffPng: Buffer | null }

async function rgba(body: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(body).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Compares two encoded images on decoded pixels. */
export async function compareImages(actual: Buffer, expected: Buffer): Promise<GoldenDiff> {
  const [a, e] = await Promise.all([rgba(actual), rgba(expected)]);
  if (a.width !== e.width || a.height !== e.height) return { diffPixels: a.width * a.height, ratio: 1, sameSize: false, diffPng: null };
  const out = Buffer.alloc(a.width * a.height * 4);
  const diffPixels = pixelmatch(a.data, e.data, out, a.width, a.height, { threshold: TOLERANCE.threshold, includeAA: false });
  const diffPng = diffPixels > 0 ? await sharp(out, { raw: { width: a.width, height: a.height, channels: 4 } }).png().toBuffer() : null;
  return { diffPixels, ratio: diffPixels / (a.width * a.height), sameSize: true, diffPng };
}

/**
 * Checks `actual` against `test/golden/<name>.<ext>`; returns a failure message or null.
 * With UPDATE_GOLDEN=1 it writes the expected image and passes.
 */
export async function checkGolden(name: string, ext: string, actual: Buffer): Promise<string | null> {
  const expectedFile = path.join(GOLDEN_DIR, `${name}.${ext}`);
  const actualFile = path.join(GOLDEN_DIR, `${name}.actual.${ext}`);
  const diffFile = path.join(GOLDEN_DIR, `${name}.diff.png`);
  fs.rmSync(actualFile, { force: true });
  fs.rmSync(diffFile, { force: true });
  if (UPDATE) {
    fs.mkdirSync(GOLDEN_DIR, { recursive: true });
    fs.writeFileSync(expectedFile, actual);
    return null;
  }
  if (!fs.existsSync(expectedFile)) {
    fs.writeFileSync(actualFile, actual);
    return `no golden image ${path.relative(PROJECT_ROOT, expectedFile)}; wrote the actual image beside it (run UPDATE_GOLDEN=1 npm test to accept)`;
  }
  const d = await compareImages(actual, fs.readFileSync(expectedFile));
  if (d.sameSize && d.ratio <= TOLERANCE.maxDiffRatio) return null;
  fs.writeFileSync(actualFile, actual);
  if (d.diffPng) fs.writeFileSync(diffFile, d.diffPng);
  return `${name}: ${d.sameSize ? `${d.diffPixels} pixels (${(d.ratio * 100).toFixed(3)}%) differ beyond tolerance` : 'size differs'}; see ${path.relative(PROJECT_ROOT, actualFile)}`;
}
