/**
 * Scale-out job engine (REDIS_URL set): job state lives in Redis, a job is split into chunks of
 * JOB_CHUNK_SIZE rows on a BullMQ queue, and every Letterpress instance (or `letterpress worker`,
 * with no HTTP) takes chunks and writes images to the shared RESULTS_DIR. Each row is claimed in
 * Redis (HSETNX) before it renders and its image is written with an atomic rename, so two
 * processes finish one job together with every item rendered exactly once. A worker that dies
 * stops renewing its chunk's lock; BullMQ hands the chunk to another worker, which takes over the
 * dead worker's claims once they are older than one full try (JOB_LOCK_MS). Status changes
 * are published on a Redis channel so any instance can stream a job's events.
 *
 * Keys (prefix `lp:`): `job:<id>` (record JSON), `job:<id>:rows` (list), `job:<id>:items` (hash
 * row -> item JSON), `job:<id>:claims`, `job:<id>:final` (rows counted once), `job:<id>:count`,
 * `job:<id>:by` (items rendered per worker), `idem:<key>`, `jobs` (sorted by creation).
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import { Queue, Worker, type Job as BullJob } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { itemExt, summarize, type EngineOptions } from './embedded-engine.js';
import type { JobEngine } from './engine.js';
import type { ItemRenderer } from './item-renderer.js';
import type { JobSubmission } from './job-input.js';
import { finalState, isFinished, jobStatus, moveItem, moveJob, outputName, type ItemRecord, type JobRecord, type JobStatus } from './job-model.js';
import { ResultsDir } from './job-store.js';
import { deliverWebhook, WEBHOOK_DEFAULTS } from './webhook.js';

const QUEUE = 'letterpress-chunks';
const CHANNEL = 'lp:events';
const K = {
  job: (id: string) => `lp:job:${id}`, rows: (id: string) => `lp:job:${id}:rows`, items: (id: string) => `lp:job:${id}:items`,
  claims: (id: string) => `lp:job:${id}:claims`, final: (id: string) => `lp:job:${id}:final`, count: (id: string) => `lp:job:${id}:count`,
  by: (id: string) => `lp:job:${id}:by`, idem: (key: string) => `lp:idem:${key}`, jobs: 'lp:jobs',
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const now = (): string => new Date().toISOString();

/** A chunk of rows [from, to] (1-based, inclusive) of one job. */
interface Chunk { readonly id: string; readonly from: number; readonly to: number }

/** Jobs through Redis and BullMQ. */
export class RedisEngine extends EventEmitter implements JobEngine {
  private readonly redis: Redis;
  private readonly sub: Redis;
  private readonly queue: Queue;
  private worker: Worker | null = null;
  private readonly results: ResultsDir;
  private readonly rowCache = new Map<string, Record<string, unknown>[]>();
  private sweeper: NodeJS.Timeout | null = null;
  /** This process's name in claims and counts. */
  readonly workerId = `${os.hostname()}:${process.pid}`;

  constructor(private readonly config: Config, private readonly renderer: ItemRenderer | null, private readonly opts: EngineOptions, private readonly log: FastifyBaseLogger, private readonly takeChunks = config.jobWorker) {
    super();
    this.setMaxListeners(0);
    this.redis = new Redis(config.redisUrl!, { maxRetriesPerRequest: null });
    this.sub = new Redis(config.redisUrl!, { maxRetriesPerRequest: null });
    this.queue = new Queue(QUEUE, { connection: { url: config.redisUrl!, maxRetriesPerRequest: null } });
    this.results = new ResultsDir(config.resultsDir);
  }

  /** Subscribes to status changes and, on instances that work, starts taking chunks. */
  async start(): Promise<void> {
    await this.sub.subscribe(CHANNEL);
    this.sub.on('message', (_ch, id: string) => this.emit('change', id));
    if (this.takeChunks && this.renderer) {
      this.worker = new Worker(QUEUE, async (job: BullJob<Chunk>) => this.runChunk(job.data), {
        connection: { url: this.config.redisUrl!, maxRetriesPerRequest: null }, concurrency: this.opts.concurrency,
        // A chunk whose worker died (no lock renewal for this long) goes back to the queue.
        lockDuration: this.config.jobLockMs, stalledInterval: this.config.jobLockMs, maxStalledCount: 5,
      });
      this.worker.on('failed', (job, err) => this.log.error({ err, chunk: job?.data }, 'chunk failed'));
      this.log.info({ worker: this.workerId, concurrency: this.opts.concurrency }, 'taking job chunks from Redis');
    }
    this.sweeper = setInterval(() => void this.sweep(), 60_000);
    this.sweeper.unref();
  }

  /** Stops taking chunks (the one in hand finishes) and closes the connections. */
  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await this.worker?.close();
    await this.queue.close();
    this.sub.disconnect();
    await this.redis.quit();
  }

  private publish(id: string): void {
    void this.redis.publish(CHANNEL, id);
  }

  async submit(sub: JobSubmission, key: string | null, bodyHash: string): Promise<{ job: JobRecord; replayed: boolean }> {
    const id = randomBytes(12).toString('hex');
    if (key) {
      const existing = await this.redis.set(K.idem(key), id, 'EX', Math.ceil(this.opts.ttlMs / 1000) + 86_400, 'NX') === 'OK' ? null : await this.redis.get(K.idem(key));
      if (existing) {
        const job = await this.get(existing);
        if (job.bodyHash !== bodyHash) throw new AppError('idempotency_conflict', 409, 'this Idempotency-Key was used for a different submission', 'Idempotency-Key');
        return { job, replayed: true };
      }
    }
    const open = await this.openJobs();
    if (open >= this.opts.maxPending) {
      if (key) await this.redis.del(K.idem(key));
      throw new AppError('too_many_jobs', 429, `${this.opts.maxPending} jobs are already queued or running; retry when one finishes`, undefined, 5);
    }
    const job: JobRecord = {
      id, state: 'queued', source: sub.source, total: sub.rows.length, createdAt: now(), startedAt: null, finishedAt: null, expiresAt: null,
      idempotencyKey: key, bodyHash, webhook: sub.webhook, webhookDelivered: false,
    };
    const multi = this.redis.multi();
    for (let i = 0; i < sub.rows.length; i += 1000) multi.rpush(K.rows(id), ...sub.rows.slice(i, i + 1000).map((r) => JSON.stringify(r)));
    multi.set(K.job(id), JSON.stringify(job));
    multi.zadd(K.jobs, Date.now(), id);
    await multi.exec();
    const size = this.config.jobChunkSize;
    const chunks: { name: string; data: Chunk; opts: Record<string, unknown> }[] = [];
    for (let from = 1; from <= job.total; from += size) {
      chunks.push({ name: 'chunk', data: { id, from, to: Math.min(job.total, from + size - 1) }, opts: { jobId: `${id}-${from}`, removeOnComplete: true, removeOnFail: 1000, attempts: 3 } });
    }
    await this.queue.addBulk(chunks);
    this.log.info({ job: id, items: job.total, chunks: chunks.length }, 'job accepted (redis)');
    return { job, replayed: false };
  }

  private async openJobs(): Promise<number> {
    const ids = await this.redis.zrevrange(K.jobs, 0, this.opts.maxPending * 4);
    let open = 0;
    for (const id of ids) {
      const raw = await this.redis.get(K.job(id));
      if (raw && !isFinished((JSON.parse(raw) as JobRecord).state)) open++;
    }
    return open;
  }

  async get(id: string): Promise<JobRecord> {
    const raw = /^[a-z0-9]{8,40}$/.test(id) ? await this.redis.get(K.job(id)) : null;
    if (!raw) throw new AppError('job_not_found', 404, `no job ${id.slice(0, 40)} (it may have expired)`, 'id');
    return JSON.parse(raw) as JobRecord;
  }

  private async save(job: JobRecord): Promise<void> {
    await this.redis.set(K.job(job.id), JSON.stringify(job));
    this.publish(job.id);
  }

  async items(id: string): Promise<ItemRecord[]> {
    const job = await this.get(id);
    const raw = await this.redis.hgetall(K.items(id));
    return Array.from({ length: job.total }, (_, i): ItemRecord => (raw[String(i + 1)] ? JSON.parse(raw[String(i + 1)]) as ItemRecord : { n: i + 1, state: 'pending', attempts: 0, file: null, bytes: 0, error: null }));
  }

  async rows(id: string): Promise<readonly Record<string, unknown>[]> {
    let rows = this.rowCache.get(id);
    if (!rows) {
      rows = (await this.redis.lrange(K.rows(id), 0, -1)).map((l) => JSON.parse(l) as Record<string, unknown>);
      if (this.rowCache.size > 16) this.rowCache.clear();
      this.rowCache.set(id, rows);
    }
    return rows;
  }

  resultFile(job: JobRecord, n: number, row: Record<string, unknown>): string {
    return this.results.resultFile(job.id, n, itemExt(job, row));
  }

  async status(id: string): Promise<JobStatus> {
    const job = await this.get(id);
    const { counts, errors } = summarize(await this.items(id));
    return jobStatus(job, counts, errors);
  }

  async cancel(id: string): Promise<JobStatus> {
    const job = await this.get(id);
    if (!isFinished(job.state)) {
      const cancelled = moveJob(job, 'cancelled', { finishedAt: now(), expiresAt: new Date(Date.now() + this.opts.ttlMs).toISOString() });
      await this.save(cancelled);
      if (cancelled.webhook) void this.notify(cancelled);
    }
    return this.status(id);
  }

  /** Items rendered per worker for a job (for tests and operators). */
  async renderedBy(id: string): Promise<Record<string, number>> {
    return Object.fromEntries(Object.entries(await this.redis.hgetall(K.by(id))).map(([k, v]) => [k, Number(v)]));
  }

  private async setItem(id: string, item: ItemRecord): Promise<void> {
    await this.redis.hset(K.items(id), String(item.n), JSON.stringify(item));
  }

  /** Processes one chunk's rows in order. */
  private async runChunk(chunk: Chunk): Promise<void> {
    let job = await this.get(chunk.id).catch(() => null);
    if (!job || isFinished(job.state)) return;
    if (job.state === 'queued') {
      job = moveJob(job, 'running', { startedAt: now() });
      await this.save(job); // two workers may both do this; the same values either way
    }
    const rows = await this.rows(chunk.id);
    for (let n = chunk.from; n <= chunk.to; n++) {
      const current = await this.get(chunk.id);
      if (current.state === 'cancelled') return;
      await this.runItem(current, n, rows[n - 1]);
    }
  }

  /** Claims a row, renders it (retrying timeouts), writes the image and counts it once. */
  private async runItem(job: JobRecord, n: number, row: Record<string, unknown>): Promise<void> {
    const id = job.id;
    const file = this.results.resultFile(id, n, itemExt(job, row));
    if (!(await this.claim(id, n))) return; // finished by another worker
    const prev = JSON.parse(await this.redis.hget(K.items(id), String(n)) ?? 'null') as ItemRecord | null;
    const item: ItemRecord = prev ?? { n, state: 'pending', attempts: 0, file: null, bytes: 0, error: null };
    const name = outputName(n, job.total, itemExt(job, row), row.filename);
    if (fs.existsSync(file)) return this.complete(job, moveItem(item, 'done', { file: name, bytes: fs.statSync(file).size, error: null }), false);
    const outcome = (await this.renderer!.renderWithRetries(item, job.source, row, this.opts.retries, {
      save: async (it) => {
        await this.setItem(id, it);
        if (it.state === 'rendering') await this.redis.hset(K.claims(id), String(n), `${this.workerId}|${Date.now()}`); // fresh for each attempt
      },
      onTimeout: () => {
        this.emit('item', 'timeout');
        this.publish(id);
      },
    }))!;
    if (!outcome.image) return this.complete(job, outcome.item, false);
    await this.results.writeResult(id, n, outcome.image.ext, outcome.image.body);
    return this.complete(job, moveItem(outcome.item, 'done', { file: name, bytes: outcome.image.body.byteLength, error: null }), true);
  }

  /**
   * Claims row `n` for this process. A row claimed by another live worker is waited for (its chunk
   * came back to us only if that worker stalled); a claim older than one full try (every attempt
   * plus two lock periods) belongs to a dead worker and is taken over. Resolves false when the row
   * is finished meanwhile.
   */
  private async claim(id: string, n: number): Promise<boolean> {
    const staleMs = this.config.jobItemTimeoutMs * (this.opts.retries + 1) + 2 * this.config.jobLockMs;
    if (await this.redis.hsetnx(K.claims(id), String(n), `${this.workerId}|${Date.now()}`)) return true;
    for (;;) {
      if (await this.redis.hexists(K.final(id), String(n))) return false;
      const [owner, at] = (await this.redis.hget(K.claims(id), String(n)) ?? '|0').split('|');
      if (owner === this.workerId || Date.now() - Number(at) >= staleMs) {
        await this.redis.hset(K.claims(id), String(n), `${this.workerId}|${Date.now()}`);
        return true;
      }
      await sleep(Math.min(1000, staleMs / 4));
    }
  }

  /** Records a finished item once; the process that finishes the last item ends the job. */
  private async complete(job: JobRecord, item: ItemRecord, rendered: boolean): Promise<void> {
    await this.setItem(job.id, item);
    if (rendered || item.state === 'failed') this.emit('item', item.state);
    if (rendered) await this.redis.hincrby(K.by(job.id), this.workerId, 1);
    this.publish(job.id);
    if (!(await this.redis.hsetnx(K.final(job.id), String(item.n), item.state))) return;
    const finished = await this.redis.hincrby(K.count(job.id), 'finished', 1);
    if (finished < job.total) return;
    const fresh = await this.get(job.id);
    if (isFinished(fresh.state)) return;
    const { counts } = summarize(await this.items(job.id));
    const done = moveJob(fresh, finalState(counts, job.total), { finishedAt: now(), expiresAt: new Date(Date.now() + this.opts.ttlMs).toISOString() });
    await this.save(done);
    this.log.info({ job: job.id, state: done.state, done: counts.done, failed: counts.failed }, 'job finished (redis)');
    if (done.webhook) void this.notify(done);
  }

  private async notify(job: JobRecord): Promise<void> {
    const status = await this.status(job.id);
    const ok = await deliverWebhook(job.webhook!, status, this.opts.webhook ?? WEBHOOK_DEFAULTS, (n, s) => this.log.info({ job: job.id, attempt: n, status: s }, 'webhook attempt'), this.opts.webhookSecret);
    if (ok) await this.save({ ...(await this.get(job.id)), webhookDelivered: true });
  }

  /** Deletes expired jobs (keys and results). */
  async sweep(at = Date.now()): Promise<number> {
    let removed = 0;
    for (const id of await this.redis.zrange(K.jobs, 0, -1)) {
      const raw = await this.redis.get(K.job(id));
      const job = raw ? (JSON.parse(raw) as JobRecord) : null;
      if (job && !(isFinished(job.state) && job.expiresAt && Date.parse(job.expiresAt) <= at)) continue;
      await this.redis.del(K.job(id), K.rows(id), K.items(id), K.claims(id), K.final(id), K.count(id), K.by(id));
      await this.redis.zrem(K.jobs, id);
      if (job?.idempotencyKey) await this.redis.del(K.idem(job.idempotencyKey));
      await this.results.removeDir(id);
      removed++;
    }
    return removed;
  }
}
