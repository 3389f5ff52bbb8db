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
 * Faults: every Redis call is bounded (REDIS_TIMEOUT_MS); while Redis is away (stalled, down,
 * unreachable at start) API calls answer 503 `jobs_unavailable` at once and recover by themselves
 * when it answers again (see RedisHealth), and errors are rate-limited log lines. A submit cut off
 * half-way is never half-accepted: a retry with the same Idempotency-Key finishes it, and a job
 * record whose chunks were never queued is deleted after JOB_ORPHAN_GRACE_S. Results folders
 * with no job in Redis (a Redis without persistence restarted) are deleted after that grace too.
 * An image that cannot be written (full disk) fails its row and the rest of its chunk with
 * `insufficient_storage` instead of rendering them for nothing.
 *
 * Keys (prefix `lp:`): `job:<id>` (record JSON), `job:<id>:rows` (list), `job:<id>:items` (hash
 * row -> item JSON), `job:<id>:claims`, `job:<id>:final` (rows counted once), `job:<id>:count`,
 * `job:<id>:by` (items rendered per worker), `job:<id>:queued` (set once its chunks are on the
 * queue), `idem:<key>`, `jobs` (sorted by creation).
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue, Worker, type Job as BullJob } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { JobEngine } from './engine.js';
import type { ItemRenderer } from './item-renderer.js';
import type { JobSubmission } from './job-input.js';
import {
  cancelled, deliverJobWebhook, doneIfOnDisk, doneItem, finished, hasExpired, idempotencyConflict, isJobId, itemExt, jobNotFound, newJob, replayed,
  sleep, started, statusOf, storageFailure, summarize, tooManyJobs, type EngineOptions,
} from './job-lifecycle.js';
import { isFinished, moveItem, pendingItem, type ItemError, type ItemRecord, type JobRecord, type JobStatus } from './job-model.js';
import { isStorageError, removeTempFiles, ResultsDir } from './job-store.js';
import { RedisHealth } from './redis-health.js';

const QUEUE = 'letterpress-chunks';
const CHANNEL = 'lp:events';
const K = {
  job: (id: string) => `lp:job:${id}`, rows: (id: string) => `lp:job:${id}:rows`, items: (id: string) => `lp:job:${id}:items`,
  claims: (id: string) => `lp:job:${id}:claims`, final: (id: string) => `lp:job:${id}:final`, count: (id: string) => `lp:job:${id}:count`,
  by: (id: string) => `lp:job:${id}:by`, queued: (id: string) => `lp:job:${id}:queued`, idem: (key: string) => `lp:idem:${key}`, jobs: 'lp:jobs',
};
/** Marks row ARGV[1] final (state ARGV[2]) and counts it, once: the new count, or -1 when it was final already. */
const COUNT_ONCE = `if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then return redis.call('HINCRBY', KEYS[2], 'finished', 1) end return -1`;
/** Reconnects after 100 ms, backing off to 2 s, forever. */
const reconnectDelay = (times: number): number => Math.min(2000, 100 * times);

/** The latest modification time of a job folder and its results folder. */
function lastTouched(dir: string): number {
  let t = 0;
  for (const d of [dir, path.join(dir, 'results')]) {
    try {
      t = Math.max(t, fs.statSync(d).mtimeMs);
    } catch {
      // no results folder
    }
  }
  return t;
}

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
  /** Whether Redis answers; gates and bounds every API call. */
  readonly health: RedisHealth;
  /** This process's name in claims and counts. */
  readonly workerId = `${os.hostname()}:${process.pid}`;

  constructor(private readonly config: Config, private readonly renderer: ItemRenderer | null, private readonly opts: EngineOptions, private readonly log: FastifyBaseLogger, private readonly takeChunks = config.jobWorker) {
    super();
    this.setMaxListeners(0);
    const timeout = config.redisTimeoutMs;
    // Bounded calls (commandTimeout); queued while disconnected, so a blip costs at most the timeout.
    this.redis = new Redis(config.redisUrl!, { maxRetriesPerRequest: null, commandTimeout: timeout, connectTimeout: Math.max(timeout, 1000), retryStrategy: reconnectDelay });
    this.sub = new Redis(config.redisUrl!, { maxRetriesPerRequest: null, connectTimeout: Math.max(timeout, 1000), retryStrategy: reconnectDelay });
    this.queue = new Queue(QUEUE, { connection: { url: config.redisUrl!, maxRetriesPerRequest: null, commandTimeout: timeout, retryStrategy: reconnectDelay } });
    this.results = new ResultsDir(config.resultsDir);
    this.health = new RedisHealth(this.redis, log, timeout);
    this.sub.on('error', (err) => this.health.errors.error('subscriber', err));
    this.queue.on('error', (err) => this.health.errors.error('queue', err));
  }

  /** Redis's state for /readyz: null while it answers. */
  unavailable(): string | null {
    return this.health.reason;
  }

  /**
   * Subscribes to status changes and, on instances that work, starts taking chunks. Never waits
   * for Redis: while it is unreachable the API answers 503 and everything connects when it comes.
   */
  async start(): Promise<void> {
    if (this.sweeper) return;
    await this.health.start(); // bounded: an unreachable Redis leaves it marked away, not this waiting
    void this.warnWithoutPersistence();
    this.sub.subscribe(CHANNEL).catch((err) => this.health.errors.error('subscriber', err)); // resubscribed on every reconnect
    this.sub.on('message', (_ch, id: string) => this.emit('change', id));
    if (this.takeChunks && this.renderer) {
      this.worker = new Worker(QUEUE, async (job: BullJob<Chunk>) => this.runChunk(job.data), {
        connection: { url: this.config.redisUrl!, maxRetriesPerRequest: null, retryStrategy: reconnectDelay }, concurrency: this.opts.concurrency,
        // A chunk whose worker died (no lock renewal for this long) goes back to the queue.
        lockDuration: this.config.jobLockMs, stalledInterval: this.config.jobLockMs, maxStalledCount: 5,
      });
      this.worker.on('error', (err) => this.health.errors.error('worker', err));
      this.worker.on('failed', (_job, err) => this.health.errors.error('chunk', err)); // retried with backoff
      this.log.info({ worker: this.workerId, concurrency: this.opts.concurrency }, 'taking job chunks from Redis');
    }
    this.sweeper = setInterval(() => void this.sweep().catch((err) => this.health.errors.error('sweep', err)), Math.min(60_000, this.config.jobOrphanGraceMs));
    this.sweeper.unref();
  }

  /** Logs a warning when Redis keeps nothing across a restart (jobs would be lost with it); silent where CONFIG is not allowed. */
  private async warnWithoutPersistence(): Promise<void> {
    try {
      const [, aof] = (await this.redis.config('GET', 'appendonly')) as string[];
      const [, save] = (await this.redis.config('GET', 'save')) as string[];
      if (aof !== 'yes' && !save) this.log.warn({ redis: { appendonly: aof, save } }, 'Redis has no persistence: a Redis restart loses every job in it (their images are then swept after JOB_ORPHAN_GRACE_S)');
    } catch {
      // CONFIG disabled (managed Redis) or Redis away: nothing to say
    }
  }

  /** Stops taking chunks (the one in hand finishes) and closes the connections. */
  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.health.stop();
    await this.worker?.close();
    await this.queue.close();
    this.sub.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private publish(id: string): void {
    this.redis.publish(CHANNEL, id).catch((err) => this.health.errors.error('publish', err));
  }

  /** Accepts a job (rows and record in one MULTI, then its chunks), or the job an Idempotency-Key already made. */
  async submit(sub: JobSubmission, key: string | null, bodyHash: string): Promise<{ job: JobRecord; replayed: boolean }> {
    return this.health.guard('submit', () => this.submitNow(sub, key, bodyHash), this.health.timeoutMs * 3);
  }

  private async submitNow(sub: JobSubmission, key: string | null, bodyHash: string): Promise<{ job: JobRecord; replayed: boolean }> {
    const id = randomBytes(12).toString('hex');
    if (key) {
      for (let attempt = 0; ; attempt++) {
        if (await this.redis.set(K.idem(key), id, 'EX', Math.ceil(this.opts.ttlMs / 1000) + 86_400, 'NX') === 'OK') break;
        const existing = await this.redis.get(K.idem(key));
        const raw = existing ? await this.redis.get(K.job(existing)) : null;
        if (!raw) {
          // The submit that set this key was cut off before its job was stored: this one takes the key.
          if (attempt > 0) throw idempotencyConflict('a submission with this Idempotency-Key is in progress');
          await this.redis.del(K.idem(key));
          continue;
        }
        const replay = replayed(JSON.parse(raw) as JobRecord, bodyHash);
        if (!(await this.redis.exists(K.queued(replay.job.id)))) await this.enqueue(replay.job); // the first submit was cut off before its chunks
        return replay;
      }
    }
    const open = await this.openJobs();
    if (open >= this.opts.maxPending) {
      if (key) await this.redis.del(K.idem(key));
      throw tooManyJobs(this.opts.maxPending);
    }
    const job = newJob(id, sub, key, bodyHash);
    const multi = this.redis.multi();
    for (let i = 0; i < sub.rows.length; i += 1000) multi.rpush(K.rows(id), ...sub.rows.slice(i, i + 1000).map((r) => JSON.stringify(r)));
    multi.set(K.job(id), JSON.stringify(job));
    multi.zadd(K.jobs, Date.now(), id);
    await multi.exec();
    const chunks = await this.enqueue(job);
    this.log.info({ job: id, items: job.total, chunks }, 'job accepted (redis)');
    return { job, replayed: false };
  }

  /** Puts a job's chunks on the queue (idempotent: chunk ids are fixed) and marks it queued. */
  private async enqueue(job: JobRecord): Promise<number> {
    const size = this.config.jobChunkSize;
    const chunks: { name: string; data: Chunk; opts: Record<string, unknown> }[] = [];
    for (let from = 1; from <= job.total; from += size) {
      chunks.push({
        name: 'chunk', data: { id: job.id, from, to: Math.min(job.total, from + size - 1) },
        // A chunk that fails (Redis away mid-chunk) is retried with backoff for about 17 minutes.
        opts: { jobId: `${job.id}-${from}`, removeOnComplete: true, removeOnFail: 1000, attempts: 10, backoff: { type: 'exponential', delay: 1000 } },
      });
    }
    await this.queue.addBulk(chunks);
    await this.redis.set(K.queued(job.id), '1');
    return chunks.length;
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
    return this.health.guard('get', () => this.load(id));
  }

  private async load(id: string): Promise<JobRecord> {
    const raw = isJobId(id) ? await this.redis.get(K.job(id)) : null;
    if (!raw) throw jobNotFound(id);
    return JSON.parse(raw) as JobRecord;
  }

  private async save(job: JobRecord): Promise<void> {
    await this.redis.set(K.job(job.id), JSON.stringify(job));
    this.publish(job.id);
  }

  async items(id: string): Promise<ItemRecord[]> {
    return this.health.guard('items', () => this.loadItems(id));
  }

  private async loadItems(id: string): Promise<ItemRecord[]> {
    const job = await this.load(id);
    const raw = await this.redis.hgetall(K.items(id));
    return Array.from({ length: job.total }, (_, i): ItemRecord => (raw[String(i + 1)] ? JSON.parse(raw[String(i + 1)]) as ItemRecord : pendingItem(i + 1)));
  }

  async rows(id: string): Promise<readonly Record<string, unknown>[]> {
    const cached = this.rowCache.get(id);
    return cached ?? this.health.guard('rows', () => this.loadRows(id), this.health.timeoutMs * 3);
  }

  private async loadRows(id: string): Promise<readonly Record<string, unknown>[]> {
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
    return this.health.guard('status', () => this.loadStatus(id));
  }

  private async loadStatus(id: string): Promise<JobStatus> {
    return statusOf(await this.load(id), await this.loadItems(id));
  }

  async cancel(id: string): Promise<JobStatus> {
    return this.health.guard('cancel', async () => {
      const ended = cancelled(await this.load(id), this.opts.ttlMs);
      if (ended) {
        await this.save(ended);
        if (ended.webhook) void this.notify(ended);
      }
      return this.loadStatus(id);
    });
  }

  /** Items rendered per worker for a job (for tests and operators). */
  async renderedBy(id: string): Promise<Record<string, number>> {
    return this.health.guard('renderedBy', async () => Object.fromEntries(Object.entries(await this.redis.hgetall(K.by(id))).map(([k, v]) => [k, Number(v)])));
  }

  private async setItem(id: string, item: ItemRecord): Promise<void> {
    await this.redis.hset(K.items(id), String(item.n), JSON.stringify(item));
  }

  /** Processes one chunk's rows in order. */
  private async runChunk(chunk: Chunk): Promise<void> {
    let job = await this.load(chunk.id).catch((err) => (err instanceof AppError ? null : Promise.reject(err))); // gone: nothing to do
    if (!job || isFinished(job.state)) return;
    if (job.state === 'queued') {
      job = started(job);
      await this.save(job); // two workers may both do this; the same values either way
    }
    const rows = await this.loadRows(chunk.id);
    let storageError: ItemError | null = null;
    for (let n = chunk.from; n <= chunk.to; n++) {
      const current = await this.load(chunk.id);
      if (current.state === 'cancelled') return;
      storageError = await this.runItem(current, n, rows[n - 1], storageError);
    }
    await this.finishIfComplete(chunk.id); // rows counted by an attempt that Redis cut off before the job was ended
  }

  /**
   * Claims a row, renders it (retrying timeouts), writes the image and counts it once. An image
   * that cannot be stored (full disk) fails the row with `insufficient_storage`, which is returned
   * so the rest of the chunk fails with it, unrendered.
   */
  private async runItem(job: JobRecord, n: number, row: Record<string, unknown>, storageError: ItemError | null): Promise<ItemError | null> {
    const id = job.id;
    const file = this.results.resultFile(id, n, itemExt(job, row));
    if (!(await this.claim(id, n))) return storageError; // finished by another worker
    const prev = JSON.parse(await this.redis.hget(K.items(id), String(n)) ?? 'null') as ItemRecord | null;
    const item: ItemRecord = prev ?? pendingItem(n);
    if (item.state === 'done' || item.state === 'failed') {
      // Recorded, but not counted: Redis went away between the two (the chunk came back to us).
      await this.complete(job, item, false);
      return storageError;
    }
    const onDisk = doneIfOnDisk(job, item, row, file);
    if (onDisk) {
      await this.complete(job, onDisk, false);
      return storageError;
    }
    if (storageError) {
      await this.complete(job, moveItem(item, 'failed', { error: storageError }), false);
      return storageError;
    }
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
    if (!outcome.image) {
      await this.complete(job, outcome.item, false);
      return null;
    }
    try {
      await this.results.writeResult(id, n, outcome.image.ext, outcome.image.body);
    } catch (err) {
      if (!isStorageError(err)) throw err;
      const error = storageFailure(err);
      this.log.error({ job: id, row: n, code: (err as NodeJS.ErrnoException).code }, 'disk full: row failed, the rest of its chunk fails with it');
      await this.complete(job, moveItem(outcome.item, 'failed', { error }), false);
      return error;
    }
    await this.complete(job, doneItem(job, outcome.item, row, outcome.image.body.byteLength), true);
    return null;
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
    // Marking the row final and counting it are one script: a call cut off by a timeout (which Redis
    // may still run later) can never leave a row final but uncounted.
    const finished = Number(await this.redis.eval(COUNT_ONCE, 2, K.final(job.id), K.count(job.id), String(item.n), item.state));
    if (finished === -1 || finished >= job.total) await this.finishIfComplete(job.id);
  }

  /** Ends a job whose rows are all counted, unless it has ended already (idempotent: any process may call it). */
  private async finishIfComplete(id: string): Promise<void> {
    const fresh = await this.load(id).catch((err) => (err instanceof AppError ? null : Promise.reject(err)));
    if (!fresh || isFinished(fresh.state)) return;
    if (Number(await this.redis.hget(K.count(id), 'finished') ?? 0) < fresh.total) return;
    const { counts } = summarize(await this.loadItems(id));
    const done = finished(fresh, counts, this.opts.ttlMs);
    await this.save(done);
    this.log.info({ job: id, state: done.state, done: counts.done, failed: counts.failed }, 'job finished (redis)');
    if (done.webhook) void this.notify(done);
  }

  private async notify(job: JobRecord): Promise<void> {
    try {
      const status = await this.loadStatus(job.id);
      const ok = await deliverJobWebhook(job, status, this.opts, this.log);
      if (ok) await this.save({ ...(await this.load(job.id)), webhookDelivered: true });
    } catch (err) {
      this.health.errors.error('webhook', err);
    }
  }

  /**
   * Deletes expired jobs (keys and results), job records whose chunks were never queued (a submit
   * cut off half-way, never acknowledged) and results folders with no job in Redis, the last two
   * once older than JOB_ORPHAN_GRACE_S, together with temporary files that old. Does nothing
   * while Redis is away.
   */
  async sweep(at = Date.now()): Promise<number> {
    if (!this.health.up) return 0;
    const grace = this.config.jobOrphanGraceMs;
    let removed = 0;
    for (const id of await this.redis.zrange(K.jobs, 0, -1)) {
      const raw = await this.redis.get(K.job(id));
      const job = raw ? (JSON.parse(raw) as JobRecord) : null;
      const expired = job && hasExpired(job, at);
      const neverQueued = job && job.state === 'queued' && at - Date.parse(job.createdAt) >= grace
        && !(await this.redis.exists(K.queued(id))) && !(await this.queue.getJob(`${id}-1`)); // (jobs from before the marker have their chunk)
      if (job && !expired && !neverQueued) continue;
      await this.redis.del(K.job(id), K.rows(id), K.items(id), K.claims(id), K.final(id), K.count(id), K.by(id), K.queued(id));
      await this.redis.zrem(K.jobs, id);
      if (job?.idempotencyKey) await this.redis.del(K.idem(job.idempotencyKey));
      await this.results.removeDir(id);
      removed++;
    }
    for (const id of this.results.jobDirs()) {
      const dir = this.results.jobDir(id);
      if (await this.redis.exists(K.job(id))) {
        removeTempFiles(dir, grace); // left by a process that died writing
        continue;
      }
      if (at - lastTouched(dir) < grace) continue;
      await this.results.removeDir(id);
      this.log.info({ job: id }, 'orphaned results folder removed (no such job in Redis)');
      removed++;
    }
    return removed;
  }
}
