/**
 * Admission to the render queue under overload: a bounded waiting room in front of the worker
 * pool's queue. When the queue is full a request waits (a timer and a closure, no CPU) for a
 * slot up to QUEUE_WAIT_MS instead of being refused at once; past MAX_WAITING it is refused at
 * once. Threat guarded against: refusal storms. A crowd of clients that retry as soon as they are
 * refused turns instant 503s into a busy loop whose CPU the renders need (measured: 256
 * connections on 2 cores served 84 renders/s of a 340/s capacity while answering 13,700 503s/s).
 * Waiting paces such clients to the pool's speed.
 *
 * The waiting room is served newest first (adaptive LIFO, as in Facebook's "Fail at Scale"):
 * under sustained overload the requests that are served have waited little, and the ones that
 * time out are those whose clients have waited longest anyway.
 */
import { AppError } from './errors.js';

/** Counters of the waiting room, for /metrics and /healthz. */
export interface AdmissionStats { readonly waiting: number; readonly admittedAfterWait: number; readonly timedOut: number; readonly refusedFull: number }

interface Waiter { resolve: () => void; reject: (err: Error) => void; timer: NodeJS.Timeout; done: boolean }

/** The 503 every refusal answers (Retry-After: 1). */
export function overloaded(): AppError {
  return AppError.of('overloaded', 'the render queue is full; retry shortly');
}

/**
 * Counts the tasks in the pool (running or queued) against `capacity` (threads + MAX_QUEUE) and
 * keeps the bounded waiting room. Every `enter()` that resolves must be paired with one `leave()`.
 */
export class Admission {
  private readonly waiters: Waiter[] = [];
  private inFlight = 0;
  private admittedAfterWait = 0;
  private timedOut = 0;
  private refusedFull = 0;

  constructor(private readonly capacity: number, private readonly maxWaitMs: number, private readonly maxWaiting: number) {}

  /** Resolves when the caller may submit its task; throws 503 overloaded when it may not, or 499 when the client left. */
  async enter(signal?: AbortSignal): Promise<void> {
    if (this.waiters.length === 0 && this.inFlight < this.capacity) {
      this.inFlight++;
      return;
    }
    if (this.maxWaitMs === 0 || this.waiters.length >= this.maxWaiting) {
      this.refusedFull++;
      throw overloaded();
    }
    if (signal?.aborted) throw clientClosed();
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve, reject, done: false,
        timer: setTimeout(() => this.drop(waiter, overloaded(), true), this.maxWaitMs),
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', () => this.drop(waiter, clientClosed(), false), { once: true });
    });
  }

  /** A task admitted by enter() finished: its place goes to the newest waiter. */
  leave(): void {
    this.inFlight--;
    while (this.waiters.length > 0 && this.inFlight < this.capacity) {
      const w = this.waiters.pop()!;
      w.done = true;
      clearTimeout(w.timer);
      this.inFlight++;
      this.admittedAfterWait++;
      w.resolve();
    }
  }

  /** Waiting room counters. */
  stats(): AdmissionStats {
    return { waiting: this.waiters.length, admittedAfterWait: this.admittedAfterWait, timedOut: this.timedOut, refusedFull: this.refusedFull };
  }

  private drop(w: Waiter, err: Error, timedOut: boolean): void {
    if (w.done) return;
    w.done = true;
    clearTimeout(w.timer);
    const i = this.waiters.indexOf(w);
    if (i >= 0) this.waiters.splice(i, 1);
    if (timedOut) this.timedOut++;
    w.reject(err);
  }
}

function clientClosed(): AppError {
  return AppError.of('client_closed', 'the client went away');
}
