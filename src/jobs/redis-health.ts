/**
 * Whether Redis answers, for the Redis job engine and /readyz. A PING (bounded by
 * REDIS_TIMEOUT_MS) runs every second; a failed or late PING, a lost connection or a command that
 * timed out marks Redis away, and the next PING that answers marks it back. While Redis is away
 * `guard()` refuses at once with 503 `jobs_unavailable` and Retry-After, instead of letting
 * requests wait on a stalled server; every call it lets through is bounded by the timeout.
 *
 * Redis and BullMQ errors become one JSON log line each (`redis error`, with source, code and
 * message, never a stack trace), at most one per source and kind every 10 s, the next line
 * carrying how many were suppressed.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { AppError, jobsUnavailable } from '../errors.js';

/** Rejects with `what timed out` after `ms`, unless `p` settles first. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} timed out after ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Logs repeated errors at most once per `everyMs` per key. */
export class ErrorLogLimiter {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly log: FastifyBaseLogger, private readonly everyMs = 10_000) {}

  /** One `redis error` line for this error, unless one with the same source and kind was logged in the last `everyMs`. */
  error(source: string, err: unknown): void {
    const e = err as { code?: string; message?: string; name?: string };
    const code = e?.code ?? (/timed out/i.test(String(e?.message)) ? 'ETIMEDOUT' : e?.name ?? 'Error');
    const key = `${source}|${code}`;
    const now = Date.now();
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.everyMs) {
      seen.suppressed++;
      return;
    }
    this.last.set(key, { at: now, suppressed: 0 });
    this.log.warn({ redis: { source, code, message: String(e?.message ?? err).split('\n')[0].slice(0, 300) }, suppressed: seen?.suppressed ?? 0 }, 'redis error');
  }
}

/** Liveness of one Redis connection, with a periodic bounded PING. */
export class RedisHealth {
  /** True while Redis answers. */
  up = false;
  /** Why Redis is considered away (null while up). */
  reason: string | null = 'connecting to Redis';
  readonly errors: ErrorLogLimiter;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private pinging = false;

  constructor(private readonly client: Redis, private readonly log: FastifyBaseLogger, readonly timeoutMs: number, private readonly intervalMs = 1000) {
    this.errors = new ErrorLogLimiter(log);
    client.on('error', (err) => this.errors.error('redis', err));
    client.on('close', () => this.down('connection to Redis lost'));
    client.on('ready', () => void this.ping());
  }

  /** Starts pinging; resolves after the first PING answered or timed out. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.ping();
  }

  /** Stops pinging. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Marks Redis away with a reason (logged once per outage). */
  down(reason: string): void {
    if (this.up && !this.stopped) this.log.warn({ redis: { reason } }, 'redis unavailable: job calls answer 503 until it is back');
    this.up = false;
    this.reason = `Redis unavailable: ${reason}`;
  }

  /** Runs a Redis call: at once 503 while Redis is away, else bounded by the timeout; a Redis failure becomes 503 `jobs_unavailable`. */
  async guard<T>(what: string, fn: () => Promise<T>, ms = this.timeoutMs): Promise<T> {
    if (!this.up) throw jobsUnavailable(`jobs are unavailable: ${this.reason ?? 'Redis is away'}; retry shortly`, 2);
    try {
      return await withTimeout(fn(), ms, what);
    } catch (err) {
      if (err instanceof AppError) throw err;
      this.errors.error(what, err);
      if ((err as { code?: string }).code === 'ETIMEDOUT' || /timed out|closed|ECONNREFUSED|writeable/i.test(String((err as Error).message))) this.down(String((err as Error).message));
      throw jobsUnavailable('jobs are unavailable: Redis did not answer in time; retry shortly', 2);
    }
  }

  private async ping(): Promise<void> {
    if (this.stopped || this.pinging) return;
    this.pinging = true;
    if (this.timer) clearTimeout(this.timer);
    try {
      await withTimeout(this.client.ping(), this.timeoutMs, 'PING');
      if (!this.up) this.log.info({ redis: { wasAway: this.reason } }, 'redis available');
      this.up = true;
      this.reason = null;
    } catch (err) {
      this.errors.error('ping', err);
      this.down(`no answer to PING within ${this.timeoutMs} ms`);
    } finally {
      this.pinging = false;
      if (!this.stopped) {
        this.timer = setTimeout(() => void this.ping(), this.intervalMs);
        this.timer.unref();
      }
    }
  }
}
