/**
 * Where jobs live. `JobStore` is what the engines need; `FileJobStore` keeps everything under a
 * data folder so a restart resumes unfinished jobs without losing or redoing any item:
 *
 *   <dir>/jobs/<id>/job.json        the job record (replaced atomically: write + rename)
 *   <dir>/jobs/<id>/input.ndjson    the accepted rows, written before the submit is answered
 *   <dir>/jobs/<id>/items.log       item transitions, appended (the last line per row wins)
 *   <dir>/jobs/<id>/results/<row>.<ext>   finished images (write + rename: never half a file)
 *
 * An image on disk is the proof an item is done: a crash between writing it and logging it still
 * counts it done on restart, so no item is rendered twice.
 *
 * A full disk tears nothing: a write that fails removes its temporary file, an items.log append
 * that fails is cut back to its last whole line, and `open()` deletes the temporary files a crash
 * left anywhere under `jobs/`. The caller sees the error (`isStorageError` tells a full disk).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DataDirLock } from './data-lock.js';
import { isJobId, pendingItem, type ItemRecord, type JobRecord } from './job-model.js';

/** Persistence for jobs, items and results. */
export interface JobStore {
  create(job: JobRecord, rows: readonly Record<string, unknown>[]): Promise<void>;
  job(id: string): Promise<JobRecord | null>;
  saveJob(job: JobRecord): Promise<void>;
  jobs(): Promise<JobRecord[]>;
  rows(id: string): Promise<readonly Record<string, unknown>[]>;
  items(id: string): Promise<ItemRecord[]>;
  setItem(id: string, item: ItemRecord): Promise<void>;
  byIdempotencyKey(key: string): Promise<string | null>;
  /** Writes an item's image atomically. */
  writeResult(id: string, n: number, ext: string, body: Buffer): Promise<void>;
  /** Path of an item's image (it may not exist yet). */
  resultFile(id: string, n: number, ext: string): string;
  remove(id: string): Promise<void>;
  /**
   * Takes the store for this process (one engine per data folder: waits for a holder that is going
   * away, takes over one that is gone, throws DataDirLockedError for a live one), deletes temporary
   * files a crash left, and loads the jobs.
   */
  open(): Promise<void>;
  /** Releases what open() took. */
  close(): void;
}

/** Error codes of a disk that has no room (or a file-size limit) for a write. */
const STORAGE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/** True for an error that means the disk is full (ENOSPC, EDQUOT, EFBIG), not a bug. */
export function isStorageError(err: unknown): boolean {
  return STORAGE_CODES.has((err as NodeJS.ErrnoException | null)?.code ?? '');
}

/** Writes a file so readers see the old content or the new, never a part; a failed write leaves nothing behind. */
export async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await fs.promises.writeFile(tmp, data);
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
}

/** Deletes `*.tmp` files (older than `minAgeMs`) under a job folder and its results; returns how many. */
export function removeTempFiles(jobDir: string, minAgeMs = 0): number {
  let removed = 0;
  for (const dir of [jobDir, path.join(jobDir, 'results')]) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const f of names) {
      if (!f.endsWith('.tmp')) continue;
      const file = path.join(dir, f);
      try {
        if (minAgeMs > 0 && Date.now() - fs.statSync(file).mtimeMs < minAgeMs) continue;
        fs.rmSync(file, { force: true });
        removed++;
      } catch {
        // gone meanwhile
      }
    }
  }
  return removed;
}

/** Images under `<dir>/jobs/<id>/results/`, shared by both stores. */
export class ResultsDir {
  constructor(readonly dir: string) {
    fs.mkdirSync(path.join(dir, 'jobs'), { recursive: true });
  }

  /** A job's folder. */
  jobDir(id: string): string {
    if (!isJobId(id)) throw new Error(`bad job id ${id}`);
    return path.join(this.dir, 'jobs', id);
  }

  resultFile(id: string, n: number, ext: string): string {
    return path.join(this.jobDir(id), 'results', `${n}.${ext}`);
  }

  async writeResult(id: string, n: number, ext: string, body: Buffer): Promise<void> {
    await fs.promises.mkdir(path.join(this.jobDir(id), 'results'), { recursive: true });
    await writeAtomic(this.resultFile(id, n, ext), body);
  }

  /** Ids of the job folders present (valid names only). */
  jobDirs(): string[] {
    return fs.readdirSync(path.join(this.dir, 'jobs')).filter(isJobId);
  }

  async removeDir(id: string): Promise<void> {
    await fs.promises.rm(this.jobDir(id), { recursive: true, force: true });
  }
}

/** The embedded store: a data folder on local disk. */
export class FileJobStore extends ResultsDir implements JobStore {
  private readonly cache = new Map<string, { job: JobRecord; items: ItemRecord[]; rows: Record<string, unknown>[] | null }>();
  private readonly keys = new Map<string, string>();
  /** Per job: the items.log appends in order, and the log's length after the last whole line. */
  private readonly logs = new Map<string, { tail: Promise<void>; size: number }>();
  private readonly dataLock: DataDirLock;
  /** What open() found: temporary files deleted, and the previous holder of the lock if it was taken over. */
  opened: { tempFiles: number; tookOver: string | null } | null = null;

  /** A store over `dir`; nothing is read until open() takes the folder's lock. */
  constructor(dir: string, lockOpts: ConstructorParameters<typeof DataDirLock>[1] = {}) {
    super(dir);
    this.dataLock = new DataDirLock(dir, lockOpts);
  }

  async open(): Promise<void> {
    if (this.opened) return;
    const { tookOver } = await this.dataLock.acquire();
    let tempFiles = 0;
    // A store opened again after close() reads afresh.
    this.cache.clear();
    this.keys.clear();
    this.logs.clear();
    for (const id of this.jobDirs()) {
      tempFiles += removeTempFiles(this.jobDir(id));
      try {
        this.load(id);
      } catch {
        // a job folder without a complete job.json was never acknowledged: drop it
        fs.rmSync(this.jobDir(id), { recursive: true, force: true });
      }
    }
    this.opened = { tempFiles, tookOver };
  }

  close(): void {
    this.dataLock.release();
    this.opened = null;
  }

  /** Reads a job and its items, cutting a torn last items.log line (open() holds the lock). */
  private load(id: string): void {
    const dir = this.jobDir(id);
    const job = JSON.parse(fs.readFileSync(path.join(dir, 'job.json'), 'utf8')) as JobRecord;
    const items: ItemRecord[] = Array.from({ length: job.total }, (_, n) => pendingItem(n + 1));
    const log = path.join(dir, 'items.log');
    if (fs.existsSync(log)) {
      const text = fs.readFileSync(log, 'utf8');
      const whole = text.lastIndexOf('\n') + 1;
      if (whole < text.length) fs.truncateSync(log, Buffer.byteLength(text.slice(0, whole))); // a torn last line: appends start on a fresh line
      for (const line of text.slice(0, whole).split('\n')) {
        if (!line) continue;
        try {
          const it = JSON.parse(line) as ItemRecord;
          if (it.n >= 1 && it.n <= job.total) items[it.n - 1] = it;
        } catch {
          // a torn last line from a crash: the image on disk (checked by the engine) decides
        }
      }
    }
    this.cache.set(id, { job, items, rows: null });
    if (job.idempotencyKey) this.keys.set(job.idempotencyKey, id);
  }

  /** Persists a new job; on failure (a full disk) removes what it wrote and rethrows. */
  async create(job: JobRecord, rows: readonly Record<string, unknown>[]): Promise<void> {
    const dir = this.jobDir(job.id);
    try {
      await fs.promises.mkdir(path.join(dir, 'results'), { recursive: true });
      await writeAtomic(path.join(dir, 'input.ndjson'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      await writeAtomic(path.join(dir, 'job.json'), JSON.stringify(job)); // last: the job exists once this is there
    } catch (err) {
      await fs.promises.rm(dir, { recursive: true, force: true }).catch(() => {});
      throw err;
    }
    const items = Array.from({ length: job.total }, (_, n) => pendingItem(n + 1));
    this.cache.set(job.id, { job, items, rows: [...rows] });
    if (job.idempotencyKey) this.keys.set(job.idempotencyKey, job.id);
  }

  async job(id: string): Promise<JobRecord | null> {
    return this.cache.get(id)?.job ?? null;
  }

  async saveJob(job: JobRecord): Promise<void> {
    const entry = this.cache.get(job.id);
    if (!entry) return;
    entry.job = job;
    await writeAtomic(path.join(this.jobDir(job.id), 'job.json'), JSON.stringify(job));
  }

  async jobs(): Promise<JobRecord[]> {
    return [...this.cache.values()].map((e) => e.job);
  }

  async rows(id: string): Promise<readonly Record<string, unknown>[]> {
    const entry = this.cache.get(id);
    if (!entry) return [];
    if (!entry.rows) {
      const text = await fs.promises.readFile(path.join(this.jobDir(id), 'input.ndjson'), 'utf8');
      entry.rows = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    }
    return entry.rows;
  }

  async items(id: string): Promise<ItemRecord[]> {
    return this.cache.get(id)?.items ?? [];
  }

  /** Records an item (in memory at once, then appended to items.log; a failed append is cut back, never torn). */
  async setItem(id: string, item: ItemRecord): Promise<void> {
    const entry = this.cache.get(id);
    if (!entry) return;
    entry.items[item.n - 1] = { ...item };
    const file = path.join(this.jobDir(id), 'items.log');
    let log = this.logs.get(id);
    if (!log) {
      log = { tail: Promise.resolve(), size: fs.existsSync(file) ? fs.statSync(file).size : 0 };
      this.logs.set(id, log);
    }
    const l = log;
    const line = `${JSON.stringify(item)}\n`;
    const write = l.tail.then(async () => {
      try {
        await fs.promises.appendFile(file, line);
        l.size += Buffer.byteLength(line);
      } catch (err) {
        await fs.promises.truncate(file, l.size).catch(() => {});
        throw err;
      }
    });
    l.tail = write.catch(() => {});
    await write;
  }

  async byIdempotencyKey(key: string): Promise<string | null> {
    return this.keys.get(key) ?? null;
  }

  async remove(id: string): Promise<void> {
    const entry = this.cache.get(id);
    if (entry?.job.idempotencyKey) this.keys.delete(entry.job.idempotencyKey);
    this.cache.delete(id);
    this.logs.delete(id);
    await this.removeDir(id);
  }
}
