/** Shared test setup: configs, a warmed app, in-process fonts and pixel helpers. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { buildApp, type BuildOptions, type LetterpressApp } from '../src/app.js';
import { loadConfig, PROJECT_ROOT, type Config } from '../src/config.js';
import { loadFontCatalog, type FontCatalog } from '../workers/font-catalog.js';
import { registerCatalog } from '../workers/font-registry.js';
import { FontSelector } from '../workers/font-select.js';

/** A config for tests: one worker, no logs unless asked, a fresh data folder for jobs. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ POOL_SIZE: '1', LOG_LEVEL: 'silent', DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'lp-data-')), ...env });
}

/** Builds an app and waits until its pool is warm. */
export async function startApp(env: Record<string, string> = {}, opts: BuildOptions = {}): Promise<LetterpressApp> {
  const lp = await buildApp(testConfig(env), opts);
  await lp.warmed;
  return lp;
}

/** Runs `fn` against an app whose pool is never warmed (start-up behaviour), then closes it. */
export async function withColdApp(fn: (lp: LetterpressApp) => Promise<void>): Promise<void> {
  const cold = await buildApp(testConfig(), { warm: false });
  try {
    await fn(cold);
  } finally {
    await cold.app.close();
  }
}

let fonts: { catalog: FontCatalog; selector: FontSelector } | null = null;

/** The bundled fonts registered in this process, for layout unit tests. */
export function inProcessFonts(): { catalog: FontCatalog; selector: FontSelector } {
  if (!fonts) {
    const catalog = loadFontCatalog({ dirs: [path.join(PROJECT_ROOT, 'fonts')], packageRoot: PROJECT_ROOT });
    registerCatalog(catalog, new SharedArrayBuffer(4));
    fonts = { catalog, selector: new FontSelector(catalog) };
  }
  return fonts;
}

/** Decoded RGBA pixels of an encoded image. */
export async function decode(body: Buffer): Promise<{ data: Buffer; width: number; height: number; format: string }> {
  const meta = await sharp(body).metadata();
  const { data, info } = await sharp(body).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, format: meta.format ?? '' };
}

/** Bounding box of pixels that differ from `bg` by more than `tol` in any channel. */
export function inkBounds(img: { data: Buffer; width: number; height: number }, bg: [number, number, number], tol = 24): { x0: number; y0: number; x1: number; y1: number; count: number } {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1, count = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const o = (y * img.width + x) * 4;
      if (Math.abs(img.data[o] - bg[0]) > tol || Math.abs(img.data[o + 1] - bg[1]) > tol || Math.abs(img.data[o + 2] - bg[2]) > tol) {
        count++;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return { x0, y0, x1, y1, count };
}

/** Builds a render URL from parameters. */
export function renderUrl(params: Record<string, string | number>, format = 'png'): string {
  return `/render.${format}?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString()}`;
}
