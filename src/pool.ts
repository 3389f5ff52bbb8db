/**
 * The render worker pool (Piscina). One thread per core by default, every thread created and
 * warmed at start (fonts loaded, a probe rendered), and a bounded queue: when it is full a
 * request is refused at once with 503 + Retry-After instead of waiting behind thousands.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import {
  registryBytes, type FontCatalog, type RenderDocument, type RenderOk, type RenderResult, type RenderTask, type WarmupResult, type WarmupTask, type WorkerCacheStats, type WorkerData,
} from '../workers/protocol.js';
import { PROJECT_ROOT, renderLimits, type Config } from './config.js';
import { Admission, overloaded, type AdmissionStats } from './admission.js';
import { AppError, type ErrorCode } from './errors.js';

/** Worker failure codes answered as they are (`cancelled` is answered as `client_closed`; any other is `render_failed`). */
type WorkerErrorCode = Extract<ErrorCode, 'render_timeout' | 'limit_exceeded' | 'invalid_image' | 'too_many_pixels'>;
const WORKER_CODES: ReadonlySet<string> = new Set<WorkerErrorCode>(['render_timeout', 'limit_exceeded', 'invalid_image', 'too_many_pixels']);

/** Compiled worker entry (tests run from TypeScript sources, so always use the build). */
export function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const sibling = path.join(path.dirname(here), '..', 'workers', 'render-worker.js');
  if (here.endsWith('.js') && fs.existsSync(sibling)) return sibling;
  const built = path.join(PROJECT_ROOT, 'dist', 'workers', 'render-worker.js');
  if (!fs.existsSync(built)) throw new Error(`worker build missing at ${built}: run "npm run build"`);
  return built;
}

/** Pool counters for /healthz and logs. */
export interface PoolStats { readonly threads: number; readonly queued: number; readonly maxQueue: number; readonly completed: number; readonly cancelled: number }

/** Runs render tasks on worker threads. */
export class RenderPool {
  private readonly piscina: Piscina<RenderTask | WarmupTask, RenderResult | WarmupResult>;
  private warmed = false;
  private readonly cancelBoard: Int32Array;
  private nextSlot = 0;
  private cancelled = 0;
  /** Latest cache counters of each worker thread, from its last render. */
  private readonly workerCaches = new Map<number, WorkerCacheStats>();
  /** Tasks in the pool against threads + MAX_QUEUE, and the waiting room in front of it. */
  private readonly admission: Admission;
  /** Why the pool could not start (e.g. a worker failed to load), for /readyz. */
  startError: string | null = null;
  private closing = false;
  private readonly replacedListeners: (() => void)[] = [];

  constructor(private readonly config: Config, catalog: FontCatalog) {
    // One slot per task that can be queued or running at once, with room to spare.
    const slots = 2 ** Math.ceil(Math.log2(Math.max(1024, (config.maxQueue + config.poolSize) * 4)));
    this.admission = new Admission(config.poolSize + config.maxQueue, config.queueWaitMs, config.maxWaiting);
    this.cancelBoard = new Int32Array(new SharedArrayBuffer(slots * 4));
    const workerData: WorkerData = {
      catalog, fontLock: new SharedArrayBuffer(registryBytes(catalog)), limits: renderLimits(config), cancelBoard: this.cancelBoard.buffer as SharedArrayBuffer,
    };
    this.piscina = new Piscina({
      filename: workerFile(),
      minThreads: config.poolSize,
      maxThreads: config.poolSize,
      maxQueue: Math.max(config.maxQueue, 1),
      idleTimeout: 60_000,
      // Let each worker's event loop turn between tasks: with 'sync' a busy worker blocks in
      // Atomics.wait and never runs the finalizers that free each render's pixel buffer.
      atomics: 'async',
      workerData,
      // A small nursery per worker: renders allocate little JS garbage (pixels live in native
      // buffers), so scavenges stay short and the idle young generation does not hold RSS.
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
      // No host fonts in Skia's collection: renders depend only on the catalogued fonts.
      env: { ...process.env, UV_THREADPOOL_SIZE: '1', DISABLE_SYSTEM_FONTS_LOAD: '1' },
    });
    // Piscina destroys a worker the watchdog aborted mid-task or one that died, and starts a
    // replacement (the pool never shrinks: min = max threads); only closing destroys the rest.
    this.piscina.on('workerDestroy', () => {
      if (!this.closing) for (const fn of this.replacedListeners) fn();
    });
    // A worker dying outside a task is reported as 'error'; without a listener it would throw.
    this.piscina.on('error', () => {});
  }

  /** True once every thread has loaded fonts and answered a warm-up task. */
  get ready(): boolean {
    return this.warmed;
  }

  /** Starts and warms every thread; resolves with each thread's font report. */
  async warm(): Promise<WarmupResult[]> {
    try {
      const results = await Promise.all(
        Array.from({ length: this.config.poolSize }, () => this.piscina.run({ kind: 'warmup' }) as Promise<WarmupResult>),
      );
      this.warmed = true;
      return results;
    } catch (err) {
      this.startError = `render workers failed to start: ${(err as Error).message}`;
      throw err;
    }
  }

  /**
   * Renders a document (a card's poster, a poster, a badge); throws AppError (503 overloaded or
   * the worker's code) on failure. When `signal` aborts (every client for it left), a queued task
   * is skipped when a worker takes it and a running one stops at its next stage, without
   * terminating the worker.
   */
  async render(doc: RenderDocument, signal?: AbortSignal, timeoutMs = this.config.renderTimeoutMs): Promise<RenderOk> {
    await this.admission.enter(signal);
    try {
      return await this.runAdmitted(doc, signal, timeoutMs);
    } finally {
      this.admission.leave();
    }
  }

  private async runAdmitted(doc: RenderDocument, signal: AbortSignal | undefined, timeoutMs: number): Promise<RenderOk> {
    const cancelSlot = this.nextSlot;
    this.nextSlot = (this.nextSlot + 1) % this.cancelBoard.length;
    Atomics.store(this.cancelBoard, cancelSlot, 0);
    signal?.addEventListener('abort', () => Atomics.store(this.cancelBoard, cancelSlot, 1), { once: true });
    let result: RenderResult;
    try {
      // The worker checks the deadline between stages; this watchdog, at twice the deadline,
      // terminates (and Piscina replaces) a worker stuck inside one stage.
      const watchdog = AbortSignal.timeout(timeoutMs * 2 + 1000);
      const deadline = Date.now() + timeoutMs;
      const task: RenderTask = { kind: 'render', doc, deadline, cancelSlot };
      result = (await this.piscina.run(task, { signal: watchdog })) as RenderResult;
    } catch (err) {
      if ((err as Error).name === 'AbortError') {
        throw AppError.of('render_timeout', 'the render took too long and was stopped');
      }
      if (/queue is at limit|Task queue is full/i.test((err as Error).message)) throw overloaded();
      throw AppError.of('render_failed', 'the renderer failed on this request');
    }
    if (!result.ok) {
      if (result.code === 'cancelled') {
        this.cancelled++;
        throw AppError.of('client_closed', result.message);
      }
      if (WORKER_CODES.has(result.code)) throw AppError.of(result.code as WorkerErrorCode, result.message, result.param);
      throw AppError.of('render_failed', result.message);
    }
    this.workerCaches.set(result.threadId, result.caches);
    return { ...result, body: Buffer.from(result.body.buffer, result.body.byteOffset, result.body.byteLength) };
  }

  /** Workers' cache counters summed over the threads that have rendered. */
  cacheStats(): WorkerCacheStats {
    const sum = { measureHits: 0, measureMisses: 0, measureEntries: 0, gradientBytes: 0, imageBytes: 0, imageHits: 0, imageMisses: 0, fontFacesLoaded: 0, cmapReads: 0, notdefGraphemes: 0, emojiArtHits: 0, emojiArtMisses: 0, emojiArtEntries: 0 };
    for (const c of this.workerCaches.values()) for (const k of Object.keys(sum) as (keyof WorkerCacheStats)[]) sum[k] += c[k];
    return sum;
  }

  /** Approximate share of worker time spent on tasks (0-1). */
  utilization(): number {
    return this.piscina.utilization;
  }



  /** Waiting-room counters (requests that found the queue full). */
  admissionStats(): AdmissionStats {
    return this.admission.stats();
  }

  /** Calls `fn` whenever a worker is destroyed and replaced: killed by the watchdog, or died. */
  onWorkerReplaced(fn: () => void): void {
    this.replacedListeners.push(fn);
  }

  /** Queue and thread counters. */
  stats(): PoolStats {
    return { threads: this.piscina.threads.length, queued: this.piscina.queueSize, maxQueue: this.config.maxQueue, completed: this.piscina.completed, cancelled: this.cancelled };
  }

  /** Stops every thread (after in-flight tasks finish). */
  async close(): Promise<void> {
    this.closing = true;
    await this.piscina.close();
  }
}
