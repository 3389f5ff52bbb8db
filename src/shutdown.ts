/**
 * Process shutdown for the server: SIGTERM/SIGINT handled from the first line of start-up, one
 * ordered close (see `buildApp`: job engine and event streams, then HTTP, then the pool), a log
 * flush with a deadline, exit 0. The deadline (SHUTDOWN_TIMEOUT_MS) is enforced twice: a timer on
 * the main thread that exits 1, and a watchdog thread, which needs nothing from the main event
 * loop, that kills the process a moment later if the main thread is too busy to run that timer.
 * A second signal exits 1 at once.
 */
import { Worker } from 'node:worker_threads';
import type { LogSink } from './logging.js';

/** What shutdown logs with (pino's call shapes). */
export interface ShutdownLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Shutdown options. */
export interface ShutdownOptions {
  readonly timeoutMs: number;
  readonly sink: LogSink;
  readonly log: ShutdownLog;
  /** Longest wait for log lines to reach the reader before exiting. */
  readonly flushMs?: number;
  /** How long after the deadline the watchdog kills a process whose main thread is stuck. */
  readonly watchdogGraceMs?: number;
}

// Runs on its own thread: the main event loop may be blocked when this fires.
const WATCHDOG = `
const { workerData } = require('node:worker_threads');
setTimeout(() => {
  try { require('node:fs').writeSync(2, 'letterpress: shutdown deadline passed and the main thread is stuck; killing the process\\n'); } catch {}
  process.kill(process.pid, 'SIGKILL');
}, workerData.ms);
`;

/** Starts a thread that kills this process after `ms` unless the process exits first. */
export function startWatchdog(ms: number): Worker {
  // execArgv: [] so the process's flags (--input-type=module, --inspect…) do not change how it runs.
  const w = new Worker(WATCHDOG, { eval: true, workerData: { ms }, execArgv: [], stdout: true, stderr: true });
  w.unref();
  return w;
}

/** Signal handling and the shutdown sequence of one server process. */
export class Shutdown {
  private closing = false;
  private close: (() => Promise<void>) | null = null;
  private readonly closeSet: Promise<void>;
  private setClose!: () => void;

  constructor(private readonly opts: ShutdownOptions) {
    this.closeSet = new Promise((r) => (this.setClose = r));
  }

  /** Installs the SIGTERM/SIGINT handlers (call before anything else starts). */
  install(): this {
    process.on('SIGTERM', () => void this.begin('SIGTERM'));
    process.on('SIGINT', () => void this.begin('SIGINT'));
    return this;
  }

  /** True once a signal arrived: start-up should stop at the next step. */
  get stopping(): boolean {
    return this.closing;
  }

  /** Hands over what closes the app; a signal that came earlier is served now. */
  ready(close: () => Promise<void>): void {
    this.close = close;
    this.setClose();
  }

  /** Logs, flushes the logs (within the deadline) and exits with `code`. */
  async exit(code: number, flushMs = this.opts.flushMs ?? 1000): Promise<never> {
    await this.opts.sink.flush(flushMs);
    process.exit(code);
  }

  /** Runs the shutdown sequence once; a second call exits 1 at once. */
  async begin(signal: string): Promise<void> {
    if (this.closing) {
      this.opts.log.error({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    this.closing = true;
    const t0 = Date.now();
    const { timeoutMs } = this.opts;
    try {
      startWatchdog(timeoutMs + (this.opts.watchdogGraceMs ?? 1000));
    } catch (err) {
      this.opts.log.error({ err }, 'shutdown watchdog failed to start; the main-thread deadline still holds');
    }
    setTimeout(() => {
      this.opts.log.error({ timeoutMs }, 'shutdown took too long; exiting');
      void this.exit(1, 500);
    }, timeoutMs).unref();
    this.opts.log.info({ signal }, this.close ? 'shutting down: stopping jobs, finishing in-flight renders' : 'shutting down during start-up');
    await this.closeSet;
    try {
      await this.close!();
    } catch (err) {
      this.opts.log.error({ err }, 'shutdown failed');
      return this.exit(1, Math.max(0, Math.min(1000, timeoutMs - (Date.now() - t0))));
    }
    this.opts.log.info({ ms: Date.now() - t0 }, 'shut down');
    await this.exit(0, Math.max(0, Math.min(this.opts.flushMs ?? 1000, timeoutMs - (Date.now() - t0))));
  }
}
