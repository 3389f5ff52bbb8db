/**
 * In-process render benchmark: per-render time of a 1200x630 PNG Open Graph card (solid and
 * gradient background), unique text per render so no cache helps, through the real pipeline
 * (itemise -> layout -> Skia raster -> sharp encode) on one thread.
 *
 * Peer, measured in the same run on the same machine: the straightforward @napi-rs/canvas way —
 * one fillText per line with the whole fallback chain in ctx.font, a Skia gradient shader, and
 * Skia's own PNG encoder (canvas.encode('png')).
 *
 * Usage: node dist/bench/render-card.js [--quick]   (200 renders per scenario, 50 with --quick);
 *        `npm run bench` runs it as part of bench/run.ts.
 * Prints a table of medians and writes bench/results/render-card-<time>.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import '../workers/no-system-fonts.js';
import { createCanvas } from '@napi-rs/canvas';
import { loadConfig, PROJECT_ROOT, renderLimits } from '../src/config.js';
import { loadFontCatalog } from '../src/font-catalog.js';
import { ensureFace, initRegistry } from '../workers/font-registry.js';
import { FontSelector } from '../workers/font-select.js';
import { notePixelBuffer } from '../workers/memory.js';
import { runPipeline } from '../workers/pipeline.js';
import { cardDocument } from '../src/card.js';
import { registryBytes, type RenderSpec } from '../workers/protocol.js';

/** The server's default limits (the in-process bench renders with the same checks). */
const LIMITS = renderLimits(loadConfig({}));
const quick = process.argv.includes('--quick');
const N = quick ? 50 : 200;
const WARMUP = 20;

const catalog = loadFontCatalog({ dirs: [path.join(PROJECT_ROOT, 'fonts')], packageRoot: PROJECT_ROOT });
initRegistry(new SharedArrayBuffer(registryBytes(catalog)));
const fonts = new FontSelector(catalog);

const base: RenderSpec = {
  format: 'png', text: '', w: 1200, h: 630, dpr: 1, q: 0, bg: { colors: ['0f172aff'], angle: 180 }, color: 'f8fafcff',
  font: 'Inter', weight: 700, size: 72, minSize: 12, align: 'left', valign: 'middle', padding: 72, lineHeight: 1.2,
  letterSpacing: 0, maxLines: 0, fit: 'shrink', direction: 'auto', lang: 'auto',
};
const title = (i: number): string => `Shipping typed, tested, observable services, part ${i}\nA subtitle about how we render ${i * 7} cards`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function ours(spec: RenderSpec): Promise<{ ms: number[]; bytes: number[]; stages: Record<string, number[]> }> {
  const ms: number[] = [], bytes: number[] = [], stages: Record<string, number[]> = {};
  for (let i = 0; i < WARMUP + N; i++) {
    const t0 = performance.now();
    const { state, timings } = await runPipeline(cardDocument({ ...spec, text: title(i) }), fonts, Number.MAX_SAFE_INTEGER, LIMITS);
    const dt = performance.now() - t0;
    const pixelBytes = state.pixels?.byteLength ?? 0;
    state.pixels = null;
    await new Promise((r) => setImmediate(r));
    notePixelBuffer(pixelBytes); // as the worker does after each task
    if (i < WARMUP) continue;
    ms.push(dt);
    bytes.push(state.body!.length);
    for (const [k, v] of Object.entries(timings)) (stages[k] ??= []).push(v);
  }
  return { ms, bytes, stages };
}

/** The peer: what a developer writes first with @napi-rs/canvas alone. */
async function peer(gradient: boolean): Promise<{ ms: number[]; bytes: number[] }> {
  // The first fallback families (Latin, CJK, Arabic, Hebrew) and emoji, registered up front as a peer would.
  const familyList = ['Inter', ...catalog.fallback.slice(0, 6), catalog.emoji]
    .flatMap((fam) => catalog.faces.filter((f) => f.family === fam && (f.weight === 700 || fam === catalog.emoji)))
    .filter((f) => ensureFace(f))
    .map((f) => `"${f.alias}"`)
    .join(', ');
  const ms: number[] = [], bytes: number[] = [];
  for (let i = 0; i < WARMUP + N; i++) {
    const t0 = performance.now();
    const canvas = createCanvas(1200, 630);
    const ctx = canvas.getContext('2d');
    if (gradient) {
      const g = ctx.createLinearGradient(0, 0, 1200, 630);
      g.addColorStop(0, '#0f172a');
      g.addColorStop(1, '#7c3aed');
      ctx.fillStyle = g;
    } else ctx.fillStyle = '#0f172a';
    ctx.fillRect(0, 0, 1200, 630);
    ctx.fillStyle = '#f8fafc';
    ctx.font = `700 72px ${familyList}`;
    const lines = title(i).split('\n');
    lines.forEach((line, k) => ctx.fillText(line, 72, 260 + k * 86));
    const png = await canvas.encode('png');
    const dt = performance.now() - t0;
    await new Promise((r) => setImmediate(r));
    if (i < WARMUP) continue;
    ms.push(dt);
    bytes.push(png.length);
  }
  return { ms, bytes };
}

/** Runs the in-process scenarios; returns table rows (also used by bench/run.ts). */
export async function renderCardBench(): Promise<{ rows: Record<string, unknown>[]; stageMedians: Record<string, number> }> {
  const gradientSpec: RenderSpec = { ...base, bg: { colors: ['0f172aff', '7c3aedff'], angle: 135 } };
  const rows: Record<string, unknown>[] = [];
  const solid = await ours(base);
  const solidPeer = await peer(false);
  const grad = await ours(gradientSpec);
  const gradPeer = await peer(true);
  const row = (name: string, r: { ms: number[]; bytes: number[] }, p?: { ms: number[] }) => {
    const med = median(r.ms);
    rows.push({
      scenario: name, renders: r.ms.length, 'median ms': +med.toFixed(2), 'p90 ms': +[...r.ms].sort((a, b) => a - b)[Math.floor(r.ms.length * 0.9)].toFixed(2),
      'renders/s (1 core)': Math.round(1000 / med), 'median bytes': Math.round(median(r.bytes)),
      ...(p ? { 'speed vs peer': `${(median(p.ms) / med).toFixed(1)}x` } : {}),
    });
  };
  row('og-card 1200x630 png, solid (letterpress)', solid, solidPeer);
  row('og-card 1200x630 png, solid (peer: plain @napi-rs/canvas)', solidPeer);
  row('og-card 1200x630 png, gradient (letterpress)', grad, gradPeer);
  row('og-card 1200x630 png, gradient (peer: plain @napi-rs/canvas)', gradPeer);
  const stageMedians = Object.fromEntries(Object.entries(solid.stages).map(([k, v]) => [k, +median(v).toFixed(3)]));
  return { rows, stageMedians };
}

async function main(): Promise<void> {
  const { rows, stageMedians } = await renderCardBench();
  console.table(rows);
  console.log('letterpress solid card, median ms per stage:', stageMedians);
  const out = path.join(PROJECT_ROOT, 'bench', 'results');
  fs.mkdirSync(out, { recursive: true });
  const file = path.join(out, `render-card-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify({ node: process.version, quick, rows, stageMedians }, null, 2));
  console.log(`results written to ${path.relative(PROJECT_ROOT, file)}`);
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) void main();
