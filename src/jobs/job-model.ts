/**
 * Batch jobs as data: the job and item state machines, the records stores persist, and the
 * status view (counts, progress, rate, ETA) both engines answer with.
 *
 *   job:  queued -> running -> succeeded | failed | cancelled   (queued -> cancelled too)
 *   item: pending -> rendering -> done | failed | timeout;  timeout -> rendering (retry) | failed
 *         rendering | timeout -> pending (a crash or a full queue interrupted it); a new attempt
 *         after a take-over is rendering -> rendering; an image found on disk after a crash
 *         makes any unfinished row done.
 *
 * A job `succeeded` when it ran to the end with at least one image (failed rows are counted and
 * listed, never fatal); it `failed` only when every item failed.
 */

/** Job states. */
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
/** Item states. */
export type ItemState = 'pending' | 'rendering' | 'done' | 'failed' | 'timeout';

const JOB_NEXT: Record<JobState, readonly JobState[]> = {
  queued: ['running', 'cancelled'],
  running: ['succeeded', 'failed', 'cancelled'],
  succeeded: [], failed: [], cancelled: [],
};
const ITEM_NEXT: Record<ItemState, readonly ItemState[]> = {
  pending: ['rendering', 'failed', 'done'],
  rendering: ['rendering', 'done', 'failed', 'timeout', 'pending'],
  timeout: ['rendering', 'failed', 'pending', 'done'],
  done: [], failed: [],
};

/** True when a job may move from `from` to `to`. */
export function canMoveJob(from: JobState, to: JobState): boolean {
  return JOB_NEXT[from].includes(to);
}

/** True when an item may move from `from` to `to` (`pending` again when a crash interrupted it). */
export function canMoveItem(from: ItemState, to: ItemState): boolean {
  return ITEM_NEXT[from].includes(to);
}

/** The item moved to `to` with `changes`; throws on a transition the state machine does not have. */
export function moveItem(item: ItemRecord, to: ItemState, changes: Partial<Omit<ItemRecord, 'n' | 'state'>> = {}): ItemRecord {
  if (!canMoveItem(item.state, to)) throw new Error(`row ${item.n}: ${item.state} -> ${to} is not a valid item transition`);
  return { ...item, ...changes, state: to };
}

/** The job moved to `to` with `changes`; throws on a transition the state machine does not have. */
export function moveJob(job: JobRecord, to: JobState, changes: Partial<Omit<JobRecord, 'id' | 'state'>> = {}): JobRecord {
  if (!canMoveJob(job.state, to)) throw new Error(`job ${job.id}: ${job.state} -> ${to} is not a valid job transition`);
  return { ...job, ...changes, state: to };
}

/** True for states a job never leaves. */
/** True for a string that can be a job id (random hex); nothing else is looked up or used as a folder name. */
export const isJobId = (id: string): boolean => /^[a-z0-9]{8,40}$/.test(id);

/** A row not rendered yet. */
export const pendingItem = (n: number): ItemRecord => ({ n, state: 'pending', attempts: 0, file: null, bytes: 0, error: null });

export const isFinished = (s: JobState): boolean => s === 'succeeded' || s === 'failed' || s === 'cancelled';

/** The public error object, as the HTTP API answers it. */
export interface ItemError { readonly code: string; readonly message: string; readonly param?: string }

/** What a job renders: poster documents, or one template with rows of variables. */
export type JobSource =
  | { readonly kind: 'documents' }
  | { readonly kind: 'template'; readonly template: string; readonly format: string };

/** A job's persisted record. */
export interface JobRecord {
  readonly id: string;
  state: JobState;
  readonly source: JobSource;
  readonly total: number;
  readonly createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** When its results are deleted (set when it finishes). */
  expiresAt: string | null;
  readonly idempotencyKey: string | null;
  /** sha256 of the submitted body, to tell a retried submit from a different one under the same key. */
  readonly bodyHash: string;
  readonly webhook: string | null;
  webhookDelivered: boolean;
}

/** An item's persisted record. */
export interface ItemRecord {
  readonly n: number;
  state: ItemState;
  attempts: number;
  /** Output name in results.zip (from a `filename` variable, or the row number). */
  file: string | null;
  bytes: number;
  error: ItemError | null;
}

/** Counts of items per state. */
export type ItemCounts = Record<ItemState, number>;

/** The status a client sees at GET /jobs/{id} and in events. */
export interface JobStatus {
  readonly id: string;
  readonly state: JobState;
  readonly source: JobSource;
  readonly total: number;
  readonly counts: ItemCounts;
  /** Finished items (done + failed) over total, 0-1. */
  readonly progress: number;
  /** Items finished per second since the job started. */
  readonly rate: number;
  /** Seconds until the last item at the current rate; null when unknown or finished. */
  readonly etaSeconds: number | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly expiresAt: string | null;
  /** The first failed items (row and error). */
  readonly errors: readonly { readonly row: number; readonly error: ItemError }[];
  readonly links: Readonly<Record<string, string>>;
}

/** Empty counts. */
export function emptyCounts(): ItemCounts {
  return { pending: 0, rendering: 0, done: 0, failed: 0, timeout: 0 };
}

/** Builds the client view of a job from its record, counts and first errors. */
export function jobStatus(job: JobRecord, counts: ItemCounts, errors: { row: number; error: ItemError }[], now = Date.now()): JobStatus {
  const finished = counts.done + counts.failed;
  const started = job.startedAt ? Date.parse(job.startedAt) : null;
  const end = job.finishedAt ? Date.parse(job.finishedAt) : now;
  const seconds = started === null ? 0 : Math.max(0.001, (end - started) / 1000);
  const rate = started === null || finished === 0 ? 0 : finished / seconds;
  const left = job.total - finished;
  return {
    id: job.id, state: job.state, source: job.source, total: job.total, counts,
    progress: job.total === 0 ? 1 : Math.round((finished / job.total) * 10_000) / 10_000,
    rate: Math.round(rate * 100) / 100,
    etaSeconds: isFinished(job.state) || rate === 0 ? null : Math.round((left / rate) * 10) / 10,
    createdAt: job.createdAt, startedAt: job.startedAt, finishedAt: job.finishedAt, expiresAt: job.expiresAt,
    errors: errors.slice(0, 10),
    links: {
      self: `/jobs/${job.id}`, events: `/jobs/${job.id}/events`, results: `/jobs/${job.id}/results.zip`, item: `/jobs/${job.id}/items/{row}`,
    },
  };
}

/** The final state of a job whose items have all finished. */
export function finalState(counts: ItemCounts, total: number): JobState {
  return total > 0 && counts.failed === total ? 'failed' : 'succeeded';
}

/** Output names live in output-names.ts; re-exported for the engines. */
export { outputName } from './output-names.js';
