/**
 * Starts the job engine and keeps trying: a start that fails (the data folder still held by a
 * process being torn down, a disk not mounted yet) is retried with exponential backoff (0.5 s up
 * to 30 s) until it succeeds or the app closes. `reason` says why jobs are not served yet, for
 * /readyz; liveness (/healthz) does not depend on it, since restarting the process would not help.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { JobEngine } from './engine.js';

/** Retries `engine.start()` until it succeeds. */
export class EngineSupervisor {
  /** Why the engine is not running, or null once it is. */
  reason: string | null = 'job engine starting';
  /** Failed starts so far. */
  failures = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly engine: JobEngine, private readonly log: FastifyBaseLogger, private readonly opts: { minMs?: number; maxMs?: number } = {}) {}

  /** Why jobs cannot be served now, or null: a start that keeps failing, else what the running engine reports (Redis down). */
  unavailable(): string | null {
    return this.failures > 0 && this.reason ? this.reason : this.engine.unavailable() ?? this.reason;
  }

  /** Starts the engine; resolves after the first attempt (later ones run in the background). */
  async start(): Promise<void> {
    await this.attempt();
  }

  /** Stops retrying. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.engine.start();
      this.reason = null;
      if (this.failures > 0) this.log.info({ failures: this.failures }, 'job engine started');
    } catch (err) {
      this.failures++;
      const delay = Math.min(this.opts.maxMs ?? 30_000, (this.opts.minMs ?? 500) * 2 ** Math.min(this.failures - 1, 16));
      this.reason = `job engine failed to start: ${(err as Error).message}`;
      this.log.error({ err: { message: (err as Error).message, code: (err as NodeJS.ErrnoException).code }, attempt: this.failures, retryInMs: delay }, 'job engine failed to start; retrying');
      this.timer = setTimeout(() => void this.attempt(), delay);
      this.timer.unref();
    }
  }
}
