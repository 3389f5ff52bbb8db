/**
 * What the job routes and the CLI need from an engine. The embedded engine (in-process, data
 * folder) and the Redis engine (BullMQ chunks, shared results folder) both provide it.
 */
import type { EventEmitter } from 'node:events';
import type { JobSubmission } from './job-input.js';
import type { ItemRecord, JobRecord, JobStatus } from './job-model.js';

/** A job engine. Emits `change` with a job id whenever that job's status changes (in this process). */
export interface JobEngine extends EventEmitter {
  start(): Promise<void>;
  /** Why jobs cannot be served right now (engine not started, Redis away), for /readyz; null when they can. */
  unavailable(): string | null;
  close(): Promise<void>;
  submit(sub: JobSubmission, key: string | null, bodyHash: string): Promise<{ job: JobRecord; replayed: boolean }>;
  status(id: string): Promise<JobStatus>;
  /** The job record, or 404 `job_not_found`. */
  get(id: string): Promise<JobRecord>;
  cancel(id: string): Promise<JobStatus>;
  items(id: string): Promise<ItemRecord[]>;
  rows(id: string): Promise<readonly Record<string, unknown>[]>;
  /** Path of a row's image (it exists once the item is done). */
  resultFile(job: JobRecord, n: number, row: Record<string, unknown>): string;
}
