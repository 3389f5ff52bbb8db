/**
 * The embedded job engine (the default, no extra configuration): jobs run in this process on the
 * same worker pool as HTTP renders, with at most `concurrency` items in flight across all jobs
 * (by default half the pool), so batch work never takes every worker from interactive requests.
 * At most `maxActive` jobs run at once; the rest wait queued. State goes through a JobStore
 * (a data folder), and `start()` resumes unfinished jobs: items that were rendering start again,
 * items whose image is already on disk count as done, and nothing finished is redone.
 *
 * A full disk never leaves a row `rendering`: the row whose image (or state) cannot be written
 * fails with `insufficient_storage`, and so do the job's rows not yet started (they are not
 * rendered only to be thrown away); images already written stay. A submit that cannot be stored
 * answers 507 `insufficient_storage` and leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import { insufficientStorage, jobsUnavailable } from '../errors.js';
import type { ItemRenderer } from './item-renderer.js';
import type { JobSubmission } from './job-input.js';
import {
  cancelled, deliverJobWebhook, doneIfOnDisk, doneItem, finished, hasExpired, isJobId, itemExt, jobNotFound, newJob, replayed, sleep, started,
  statusOf, storageFailure, summarize, tooManyJobs, type EngineOptions,
} from './job-lifecycle.js';
import { isFinished, moveItem, type ItemRecord, type JobRecord, type JobStatus } from './job-model.js';
import type { JobEngine } from './engine.js';
import { isStorageError, type JobStore } from './job-store.js';

/** Runs jobs in-process. Emits `change` (job id) when a job's status changes and `item` (outcome) per row attempt finished. */
export class EmbeddedEngine extends EventEmitter implements JobEngine {
  private readonly active: string[] = [];
  private readonly queued: string[] = [];
  private readonly pending = new Map<string, number[]>();
  private readonly inflight = new Map<string, number>();
  private running = 0;
  private rr = 0;
  private closed = false;
  private started = false;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly store: JobStore, private readonly renderer: ItemRenderer, private readonly opts: EngineOptions, private readonly log: FastifyBaseLogger) {
    super();
    this.setMaxListeners(0);
  }

  /** Takes the data folder (see JobStore.open), resumes unfinished jobs and redelivers pending webhooks; starts the expiry sweeper. */
  async start(): Promise<void> {
    if (this.started || this.closed) return;
    await this.store.open();
    const jobs = (await this.store.jobs()).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    for (const job of jobs) {
      if (isFinished(job.state)) {
        if (job.webhook && !job.webhookDelivered) void this.notify(job);
        continue;
      }
      const items = await this.store.items(job.id);
      const rows = await this.store.rows(job.id);
      for (const it of items) {
        if (it.state === 'done' || it.state === 'failed') continue;
        const done = doneIfOnDisk(job, it, rows[it.n - 1], this.store.resultFile(job.id, it.n, itemExt(job, rows[it.n - 1])));
        if (done) await this.store.setItem(job.id, done);
        else if (it.state !== 'pending') await this.store.setItem(job.id, moveItem(it, 'pending'));
      }
      this.log.info({ job: job.id, state: job.state }, 'job resumed');
      this.enqueue(job);
    }
    this.sweeper = setInterval(() => void this.sweep(), 60_000);
    this.sweeper.unref();
    this.started = true;
    this.pump();
  }

  /** Null once started; the reason otherwise. */
  unavailable(): string | null {
    return this.closed ? 'job engine closed' : this.started ? null : 'job engine not started';
  }

  /** Accepts a job (persisted before this resolves), or returns the job an Idempotency-Key already made. */
  async submit(sub: JobSubmission, key: string | null, bodyHash: string): Promise<{ job: JobRecord; replayed: boolean }> {
    if (!this.started || this.closed) throw jobsUnavailable('the job engine is not running on this instance (see GET /readyz)');
    if (key) {
      const existing = await this.store.byIdempotencyKey(key);
      const job = existing ? await this.store.job(existing) : null;
      if (job) return replayed(job, bodyHash);
    }
    if (this.active.length + this.queued.length >= this.opts.maxPending) throw tooManyJobs(this.opts.maxPending);
    const job = newJob(randomBytes(12).toString('hex'), sub, key, bodyHash);
    try {
      await this.store.create(job, sub.rows);
    } catch (err) {
      if (!isStorageError(err)) throw err;
      this.log.error({ code: (err as NodeJS.ErrnoException).code, items: job.total }, 'job refused: the data folder is full');
      throw insufficientStorage();
    }
    this.log.info({ job: job.id, items: job.total, source: job.source }, 'job accepted');
    this.enqueue(job);
    this.pump();
    return { job, replayed: false };
  }

  /** The client view of a job, or 404. */
  async status(id: string): Promise<JobStatus> {
    return statusOf(await this.get(id), await this.store.items(id));
  }

  /** Item records of a job. */
  async items(id: string): Promise<ItemRecord[]> {
    return this.store.items(id);
  }

  /** Accepted rows of a job. */
  async rows(id: string): Promise<readonly Record<string, unknown>[]> {
    return this.store.rows(id);
  }

  /** Path of a row's image. */
  resultFile(job: JobRecord, n: number, row: Record<string, unknown>): string {
    return this.store.resultFile(job.id, n, itemExt(job, row));
  }

  /** A job record, or 404 `job_not_found`. */
  async get(id: string): Promise<JobRecord> {
    const job = isJobId(id) ? await this.store.job(id) : null;
    if (!job) throw jobNotFound(id);
    return job;
  }

  /** Cancels a job: pending items are never rendered; finished images stay until the job expires. */
  async cancel(id: string): Promise<JobStatus> {
    const ended = cancelled(await this.get(id), this.opts.ttlMs);
    if (ended) {
      await this.persist(ended);
      this.drop(id);
      this.emit('change', id);
      if (ended.webhook) void this.notify(ended);
      this.pump();
    }
    return this.status(id);
  }

  /** Stops taking items; resolves when the items in flight have finished. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    while (this.running > 0) await sleep(20);
    if (this.started) this.store.close();
  }

  private enqueue(job: JobRecord): void {
    if (!this.active.includes(job.id) && !this.queued.includes(job.id)) this.queued.push(job.id);
  }

  private drop(id: string): void {
    for (const list of [this.active, this.queued]) {
      const i = list.indexOf(id);
      if (i >= 0) list.splice(i, 1);
    }
    this.pending.delete(id);
  }

  /** Promotes queued jobs and starts items until `concurrency` are in flight. */
  private pump(): void {
    if (this.closed) return;
    while (this.active.length < this.opts.maxActive && this.queued.length > 0) void this.activate(this.queued.shift()!);
    while (this.running < this.opts.concurrency) {
      const next = this.nextItem();
      if (!next) break;
      this.running++;
      this.inflight.set(next.id, (this.inflight.get(next.id) ?? 0) + 1);
      void this.runItem(next.id, next.n)
        .catch((err) => this.failRow(next.id, next.n, err))
        .finally(() => {
          this.running--;
          this.inflight.set(next.id, (this.inflight.get(next.id) ?? 1) - 1);
          void this.maybeFinish(next.id);
          this.pump();
        });
    }
  }

  private async activate(id: string): Promise<void> {
    this.active.push(id);
    const job = await this.store.job(id);
    if (!job || isFinished(job.state)) return this.drop(id);
    if (job.state === 'queued') {
      await this.persist(started(job));
      this.emit('change', id);
    }
    const items = await this.store.items(id);
    this.pending.set(id, items.filter((it) => it.state !== 'done' && it.state !== 'failed').map((it) => it.n));
    this.pump();
    await this.maybeFinish(id);
  }

  /** Round-robin over active jobs, so one large job does not starve a small one. */
  private nextItem(): { id: string; n: number } | null {
    for (let k = 0; k < this.active.length; k++) {
      const id = this.active[(this.rr + k) % this.active.length];
      const list = this.pending.get(id);
      if (list && list.length > 0) {
        this.rr = (this.rr + k + 1) % Math.max(1, this.active.length);
        return { id, n: list.shift()! };
      }
    }
    return null;
  }

  /** Renders one item (see ItemRenderer.renderWithRetries) and records its image or its failure. */
  private async runItem(id: string, n: number): Promise<void> {
    const job = await this.store.job(id);
    if (!job || job.state !== 'running') return;
    const row = (await this.store.rows(id))[n - 1];
    const item = (await this.store.items(id))[n - 1];
    const onDisk = doneIfOnDisk(job, item, row, this.store.resultFile(id, n, itemExt(job, row)));
    if (onDisk) return this.store.setItem(id, onDisk);
    const outcome = await this.renderer.renderWithRetries(item, job.source, row, this.opts.retries, {
      save: (it) => this.store.setItem(id, it),
      onTimeout: () => {
        this.emit('item', 'timeout');
        this.emit('change', id);
      },
      keepGoing: async () => !this.closed && (await this.store.job(id))?.state === 'running', // cancelled or shutting down
    });
    if (!outcome) {
      // Stopped for shutdown between attempts: hand the row back as pending for the next start.
      const last = (await this.store.items(id))[n - 1];
      if (this.closed && (last.state === 'timeout' || last.state === 'rendering')) await this.store.setItem(id, moveItem(last, 'pending'));
      return;
    }
    if (outcome.image) {
      await this.store.writeResult(id, n, outcome.image.ext, outcome.image.body);
      await this.store.setItem(id, doneItem(job, outcome.item, row, outcome.image.body.byteLength));
      this.emit('item', 'done');
    } else {
      await this.store.setItem(id, outcome.item);
      this.emit('item', 'failed');
    }
    this.emit('change', id);
  }

  /** Ends a job whose items have all finished. */
  private async maybeFinish(id: string): Promise<void> {
    const job = await this.store.job(id);
    if (!job || job.state !== 'running' || (this.pending.get(id)?.length ?? 0) > 0 || (this.inflight.get(id) ?? 0) > 0) return;
    const { counts } = summarize(await this.store.items(id));
    if (counts.done + counts.failed < job.total) return;
    const ended = finished(job, counts, this.opts.ttlMs);
    await this.persist(ended);
    this.drop(id);
    this.inflight.delete(id);
    this.log.info({ job: id, state: ended.state, done: counts.done, failed: counts.failed }, 'job finished');
    this.emit('change', id);
    if (ended.webhook) void this.notify(ended);
    this.pump();
  }

  /**
   * Saves a job record. The store keeps it in memory first, so a full disk does not stop the job
   * here; the file keeps the previous state and a restart resumes from the items on disk.
   */
  private async persist(job: JobRecord): Promise<void> {
    try {
      await this.store.saveJob(job);
    } catch (err) {
      if (!isStorageError(err)) throw err;
      this.log.error({ job: job.id, state: job.state, code: (err as NodeJS.ErrnoException).code }, 'job state not saved: the data folder is full');
    }
  }

  /**
   * A row whose attempt threw: it fails (never stays `rendering`). For a full disk the error is
   * `insufficient_storage` and the job's rows not started yet fail with it too, unrendered.
   */
  private async failRow(id: string, n: number, err: unknown): Promise<void> {
    const full = isStorageError(err);
    const error = full ? storageFailure(err) : { code: 'internal_error', message: 'the renderer failed on this item' };
    const rows = [n];
    if (full) {
      rows.push(...(this.pending.get(id) ?? []));
      this.pending.set(id, []);
      this.log.error({ job: id, row: n, code: (err as NodeJS.ErrnoException).code, unstarted: rows.length - 1 }, 'disk full: row failed, rows not started fail with it');
    } else {
      this.log.error({ err, job: id, row: n }, 'job item crashed');
    }
    const items = await this.store.items(id);
    for (const r of rows) {
      const it = items[r - 1];
      if (!it || it.state === 'done' || it.state === 'failed') continue;
      await this.store.setItem(id, moveItem(it, 'failed', { error })).catch(() => {}); // kept in memory even when the log cannot grow
      this.emit('item', 'failed');
    }
    this.emit('change', id);
  }

  private async notify(job: JobRecord): Promise<void> {
    const status = await this.status(job.id);
    const ok = await deliverJobWebhook(job, status, this.opts, this.log);
    if (ok) {
      const fresh = await this.store.job(job.id);
      if (fresh) await this.persist({ ...fresh, webhookDelivered: true });
    }
  }

  /** Deletes jobs whose results have expired. */
  async sweep(at = Date.now()): Promise<number> {
    let removed = 0;
    for (const job of await this.store.jobs()) {
      if (hasExpired(job, at)) {
        await this.store.remove(job.id);
        removed++;
      }
    }
    return removed;
  }
}

