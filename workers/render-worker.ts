/**
 * Piscina worker entry: attaches to the shared lazy font registry, then turns render tasks
 * into encoded images. Expected failures come back as data with a stable code, because Error
 * objects lose their fields crossing the thread boundary.
 */
import { threadId, workerData } from 'node:worker_threads';
import { initRegistry, registryStats } from './font-registry.js';
import { gradientCacheStats } from './background.js';
import { imageCacheStats } from './images.js';
import { measureCacheStats } from './measure.js';
import { emojiArtStats } from './emoji-art.js';
import { notePixelBuffer } from './memory.js';
import { FontSelector } from './font-select.js';
import { RenderError, runPipeline, type RenderState } from './pipeline.js';
import type { RenderResult, RenderTask, WarmupResult, WarmupTask, WorkerCacheStats, WorkerData } from './protocol.js';

const data = workerData as WorkerData;
initRegistry(data.fontLock);
const fonts = new FontSelector(data.catalog);
const cancelBoard = new Int32Array(data.cancelBoard);

function cacheStats(): WorkerCacheStats {
  const m = measureCacheStats();
  const img = imageCacheStats();
  const art = emojiArtStats();
  return {
    measureHits: m.hits, measureMisses: m.misses, measureEntries: m.entries, gradientBytes: gradientCacheStats().bytes,
    imageBytes: img.bytes, imageHits: img.hits, imageMisses: img.misses,
    fontFacesLoaded: registryStats().loaded, cmapReads: fonts.coverage.stats().reads, notdefGraphemes: fonts.stats().notdef,
    emojiArtHits: art.hits, emojiArtMisses: art.misses, emojiArtEntries: art.entries,
  };
}

/** Handles one task. */
export default async function handle(task: RenderTask | WarmupTask): Promise<RenderResult | WarmupResult> {
  if (task.kind === 'warmup') {
    // Faces load lazily, when a render first needs them; warming loads the default Latin face.
    fonts.pick('A', data.catalog.generic.sans ?? data.catalog.fallback[0] ?? '', 400, 'Other', 'zh-Hans');
    const reg = registryStats();
    return { ok: true, faces: reg.loaded + reg.shared, failed: [...reg.failures], threadId };
  }
  const cancelled = (): boolean => Atomics.load(cancelBoard, task.cancelSlot) === 1;
  try {
    const { state, timings } = await runPipeline(task.doc, fonts, task.deadline, data.limits, cancelled);
    const pixelBytes = state.pixels?.byteLength ?? 0;
    state.pixels = null; // released for scavenging (memory.ts)
    setImmediate(notePixelBuffer, pixelBytes);
    return { ok: true, body: state.body!, ...summary(state), timings, threadId, caches: cacheStats() };
  } catch (err) {
    // Expected failures become data with their code (and document pointer): errors lose their fields crossing threads.
    if (err instanceof RenderError) return { ok: false, code: err.code, message: err.message, ...(err.param ? { param: err.param } : {}) };
    throw err;
  }
}

/** The request-log summary of a render: first text size, lines and truncation over all text layers. */
function summary(state: RenderState): { fontSize: number; lines: number; truncated: boolean } {
  const layouts = [...state.text.values()].map((t) => t.layout);
  return { fontSize: layouts[0]?.size ?? 0, lines: layouts.reduce((n, l) => n + l.lines, 0), truncated: layouts.some((l) => l.truncated) };
}
