/**
 * The job lifecycle both engines share (embedded: a data folder; Redis: keys and BullMQ chunks):
 * a new job's record, the refusals a submit or lookup answers, the transitions that end a job
 * (cancelled, or finished once every row is) with the time its results expire, expiry itself,
 * the status view, finished items (rendered, found on disk, or failed for a full disk) and the
 * webhook at the end. The engines keep only where state lives and how rows are scheduled.
 */
import fs from 'node:fs';
import type { FastifyBaseLogger } from 'fastify';
import { canonicalFormat } from '../../workers/protocol.js';
import { AppError } from '../errors.js';
import type { JobSubmission } from './job-input.js';
import {
  emptyCounts, finalState, isFinished, jobStatus, moveItem, moveJob, outputName, type ItemCounts, type ItemError, type ItemRecord, type JobRecord, type JobState, type JobStatus,
} from './job-model.js';
import { deliverWebhook, WEBHOOK_DEFAULTS, type WebhookOptions } from './webhook.js';

/** Engine limits. */
export interface EngineOptions {
  /** Items rendering at once, across all jobs. */
  readonly concurrency: number;
  /** Jobs running at once; more wait queued. */
  readonly maxActive: number;
  /** Jobs queued or running before submits are refused (429). */
  readonly maxPending: number;
  /** Retries after an item's deadline passes. */
  readonly retries: number;
  /** How long results stay after a job ends. */
  readonly ttlMs: number;
  readonly webhook?: WebhookOptions;
  /** Signs webhook bodies when set. */
  readonly webhookSecret?: string;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** The current time as the records store it (ISO 8601). */
const now = (): string => new Date().toISOString();

/** The extension an item's image will have (a template job's format, else the row's own; png by default). */
export function itemExt(job: JobRecord, row: Record<string, unknown>): string {
  if (job.source.kind === 'template') return job.source.format;
  return canonicalFormat(String(row.format ?? 'png')) ?? 'png';
}

/** Counts and the first errors of a job's items. */
export function summarize(items: readonly ItemRecord[]): { counts: ItemCounts; errors: { row: number; error: ItemError }[] } {
  const counts = emptyCounts();
  const errors: { row: number; error: ItemError }[] = [];
  for (const it of items) {
    counts[it.state]++;
    if (it.state === 'failed' && it.error && errors.length < 10) errors.push({ row: it.n, error: it.error });
  }
  return { counts, errors };
}

/** The client view of a job from its record and its items. */
export function statusOf(job: JobRecord, items: readonly ItemRecord[]): JobStatus {
  const { counts, errors } = summarize(items);
  return jobStatus(job, counts, errors);
}

/** The record of a job just accepted (queued). */
export function newJob(id: string, sub: JobSubmission, key: string | null, bodyHash: string): JobRecord {
  return {
    id, state: 'queued', source: sub.source, total: sub.rows.length, createdAt: now(), startedAt: null, finishedAt: null, expiresAt: null,
    idempotencyKey: key, bodyHash, webhook: sub.webhook, webhookDelivered: false,
  };
}

export { isJobId } from './job-model.js';

/** 404 `job_not_found`. */
export function jobNotFound(id: string): AppError {
  return AppError.of('job_not_found', `no job ${id.slice(0, 40)} (it may have expired)`, 'id');
}

/** 409 `idempotency_conflict` naming the Idempotency-Key header. */
export function idempotencyConflict(message = 'this Idempotency-Key was used for a different submission'): AppError {
  return AppError.of('idempotency_conflict', message, 'Idempotency-Key');
}

/** The job an Idempotency-Key already made, when this submit is the same body; else 409. */
export function replayed(job: JobRecord, bodyHash: string): { job: JobRecord; replayed: true } {
  if (job.bodyHash !== bodyHash) throw idempotencyConflict();
  return { job, replayed: true };
}

/** 429 `too_many_jobs` (Retry-After from the error table). */
export function tooManyJobs(maxPending: number): AppError {
  return AppError.of('too_many_jobs', `${maxPending} jobs are already queued or running; retry when one finishes`);
}

/** The record of a queued job that starts running now. */
export function started(job: JobRecord): JobRecord {
  return moveJob(job, 'running', { startedAt: now() });
}

/** A job moved to a final state now; its results expire `ttlMs` later. */
function ended(job: JobRecord, to: JobState, ttlMs: number): JobRecord {
  return moveJob(job, to, { finishedAt: now(), expiresAt: new Date(Date.now() + ttlMs).toISOString() });
}

/** The cancelled record of a job, or null when it has ended already (cancelling is then a no-op). */
export function cancelled(job: JobRecord, ttlMs: number): JobRecord | null {
  return isFinished(job.state) ? null : ended(job, 'cancelled', ttlMs);
}

/** The final record of a job whose rows have all finished: succeeded, or failed when every row failed. */
export function finished(job: JobRecord, counts: ItemCounts, ttlMs: number): JobRecord {
  return ended(job, finalState(counts, job.total), ttlMs);
}

/** True when an ended job's results have expired at `at` (epoch ms): it is deleted. */
export function hasExpired(job: JobRecord, at: number): boolean {
  return isFinished(job.state) && job.expiresAt !== null && Date.parse(job.expiresAt) <= at;
}

/** A row done with its image of `bytes`, under its name in results.zip. */
export function doneItem(job: JobRecord, item: ItemRecord, row: Record<string, unknown>, bytes: number): ItemRecord {
  return moveItem(item, 'done', { bytes, error: null, file: outputName(item.n, job.total, itemExt(job, row), row.filename) });
}

/** The row done, when its image is already at `file` (written before a crash or by another worker); else null. */
export function doneIfOnDisk(job: JobRecord, item: ItemRecord, row: Record<string, unknown>, file: string): ItemRecord | null {
  return fs.existsSync(file) ? doneItem(job, item, row, fs.statSync(file).size) : null;
}

/** The error of a row whose image could not be stored because the disk is full. */
export function storageFailure(err: unknown): ItemError {
  return { code: 'insufficient_storage', message: `the image could not be stored: the disk is full (${(err as NodeJS.ErrnoException).code})` };
}

/** Posts an ended job's status to its webhook (retried, signed when a secret is set); true once delivered. */
export async function deliverJobWebhook(job: JobRecord, status: JobStatus, opts: EngineOptions, log: FastifyBaseLogger): Promise<boolean> {
  return deliverWebhook(job.webhook!, status, opts.webhook ?? WEBHOOK_DEFAULTS, (n, s) => log.info({ job: job.id, attempt: n, status: s }, 'webhook attempt'), opts.webhookSecret);
}
