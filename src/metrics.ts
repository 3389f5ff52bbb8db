/**
 * Prometheus metrics (`GET /metrics`, prom-client), one registry per app: requests by
 * route/status/format, render time by stage, queue depth, pool utilisation, image cache
 * hits/misses/bytes, worker text-measurement and gradient caches, 304s, rejected requests by reason,
 * worker restarts, batch-job rows by outcome and log lines dropped while stdout stalled.
 */
import client from 'prom-client';
import type { ImageCache } from './image-cache.js';
import type { RenderPool } from './pool.js';
import type { WorkerCacheStats } from '../workers/protocol.js';

/** The app's metrics. */
export interface Metrics {
  readonly registry: client.Registry;
  readonly requests: client.Counter<'route' | 'status' | 'format'>;
  readonly stageSeconds: client.Histogram<'stage'>;
  readonly notModified: client.Counter;
  readonly rejected: client.Counter<'reason'>;
  readonly workerRestarts: client.Counter;
  /** Batch-job rows finished in this process, by outcome (done, failed, timeout). */
  readonly jobItems: client.Counter<'outcome'>;
}

/** Creates the registry and its collectors; `logDropped` reads the log lines dropped so far. */
export function createMetrics(pool: RenderPool, cache: ImageCache, logDropped: () => number = () => 0): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'letterpress_' });
  const gauge = (name: string, help: string, read: () => number): void => {
    new client.Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  };
  gauge('letterpress_queue_depth', 'Render tasks waiting for a worker', () => pool.stats().queued);
  gauge('letterpress_queue_waiting', 'Requests waiting for a place in the full render queue (QUEUE_WAIT_MS)', () => pool.admissionStats().waiting);
  gauge('letterpress_queue_admitted_after_wait', 'Requests that found the queue full, waited and were rendered, since start', () => pool.admissionStats().admittedAfterWait);
  gauge('letterpress_queue_wait_timeouts', 'Requests refused after waiting QUEUE_WAIT_MS for a place, since start', () => pool.admissionStats().timedOut);
  gauge('letterpress_pool_utilization', 'Share of worker time spent rendering (0-1)', () => pool.utilization());
  gauge('letterpress_pool_threads', 'Render worker threads', () => pool.stats().threads);
  gauge('letterpress_image_cache_hits', 'Image cache hits since start', () => cache.stats().hits);
  gauge('letterpress_image_cache_misses', 'Image cache misses since start', () => cache.stats().misses);
  gauge('letterpress_image_cache_bytes', 'Bytes of encoded images in the cache', () => cache.stats().bytes);
  // Workers' cache counters, summed over the threads (one row each: counter, metric name, help).
  const workerGauges: readonly [keyof WorkerCacheStats, string, string][] = [
    ['measureHits', 'letterpress_measure_cache_hits', 'Text measurement cache hits, all workers'],
    ['measureMisses', 'letterpress_measure_cache_misses', 'Text measurement cache misses, all workers'],
    ['measureEntries', 'letterpress_measure_cache_entries', 'Text measurements cached, all workers'],
    ['gradientBytes', 'letterpress_gradient_cache_bytes', 'Bytes of cached gradient backgrounds, all workers'],
    ['imageBytes', 'letterpress_decoded_image_cache_bytes', 'Bytes of decoded poster images cached, all workers'],
    ['imageHits', 'letterpress_decoded_image_cache_hits', 'Decoded poster image cache hits, all workers'],
    ['imageMisses', 'letterpress_decoded_image_cache_misses', 'Decoded poster image cache misses, all workers'],
    ['fontFacesLoaded', 'letterpress_font_faces_loaded', 'Font faces registered with Skia (lazily, on first use)'],
    ['cmapReads', 'letterpress_font_cmap_reads', 'Font cmaps read for fallback (lazily, on first use), all workers'],
    ['notdefGraphemes', 'letterpress_notdef_graphemes', 'Distinct graphemes no bundled font has (drawn as a box), all workers'],
    ['emojiArtHits', 'letterpress_emoji_art_hits', 'Emoji-sequence artwork drawn from the bitmap cache, all workers'],
    ['emojiArtMisses', 'letterpress_emoji_art_misses', 'Emoji-sequence artwork rasterised from SVG (once per sequence and pixel size), all workers'],
    ['emojiArtEntries', 'letterpress_emoji_art_entries', 'Emoji-sequence artwork bitmaps cached, all workers'],
  ];
  for (const [key, name, help] of workerGauges) gauge(name, help, () => pool.cacheStats()[key]);
  let droppedSeen = 0;
  new client.Counter({
    name: 'letterpress_log_lines_dropped_total', help: 'Log lines dropped because the reader of stdout stalled', registers: [registry],
    collect() {
      const n = logDropped();
      if (n > droppedSeen) this.inc(n - droppedSeen);
      droppedSeen = n;
    },
  });
  const metrics: Metrics = {
    registry,
    requests: new client.Counter({ name: 'letterpress_http_requests_total', help: 'HTTP requests', labelNames: ['route', 'status', 'format'], registers: [registry] }),
    stageSeconds: new client.Histogram({
      name: 'letterpress_render_stage_seconds', help: 'Render time per pipeline stage', labelNames: ['stage'], registers: [registry],
      buckets: [0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 1],
    }),
    notModified: new client.Counter({ name: 'letterpress_not_modified_total', help: '304 answers from the ETag', registers: [registry] }),
    rejected: new client.Counter({ name: 'letterpress_rejected_total', help: 'Requests refused, by error code', labelNames: ['reason'], registers: [registry] }),
    workerRestarts: new client.Counter({ name: 'letterpress_worker_restarts_total', help: 'Render workers replaced: terminated by the watchdog, or died', registers: [registry] }),
    jobItems: new client.Counter({ name: 'letterpress_job_items_total', help: 'Batch-job rows rendered in this process, by outcome', labelNames: ['outcome'], registers: [registry] }),
  };
  pool.onWorkerReplaced(() => metrics.workerRestarts.inc());
  return metrics;
}
