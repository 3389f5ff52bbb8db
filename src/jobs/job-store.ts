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
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ItemRecord, JobRecord } from './job-model.js';

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
  /** Deletes temporary files a crash left in a job's results. */
  clearPartial(id: string): void;
  /** Takes the store for this process (one engine per data folder); throws when another process has it. */
  lock(): void;
  /** Releases what lock() took. */
  unlock(): void;
}

/** True when a process with this pid exists. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes a file so readers see the old content or the new, never a part. */
export async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await fs.promises.writeFile(tmp, data);
  await fs.promises.rename(tmp, file);
}

/** Images under `<dir>/jobs/<id>/results/`, shared by both stores. */
export class ResultsDir {
  constructor(readonly dir: string) {
    fs.mkdirSync(path.join(dir, 'jobs'), { recursive: true });
  }

  /** A job's folder. */
  jobDir(id: string): string {
    if (!/^[a-z0-9]{8,40}$/.test(id)) throw new Error(`bad job id ${id}`);
    return path.join(this.dir, 'jobs', id);
  }

  resultFile(id: string, n: number, ext: string): string {
    return path.join(this.jobDir(id), 'results', `${n}.${ext}`);
  }

  async writeResult(id: string, n: number, ext: string, body: Buffer): Promise<void> {
    await fs.promises.mkdir(path.join(this.jobDir(id), 'results'), { recursive: true });
    await writeAtomic(this.resultFile(id, n, ext), body);
  }

  clearPartial(id: string): void {
    const dir = path.join(this.jobDir(id), 'results');
    if (!fs.existsSync(dir)) return;
    for (const f of fs.readdirSync(dir)) if (f.endsWith('.tmp')) fs.rmSync(path.join(dir, f), { force: true });
  }

  async removeDir(id: string): Promise<void> {
    await fs.promises.rm(this.jobDir(id), { recursive: true, force: true });
  }
}

/** The embedded store: a data folder on local disk. */
export class FileJobStore extends ResultsDir implements JobStore {
  private readonly cache = new Map<string, { job: JobRecord; items: ItemRecord[]; rows: Record<string, unknown>[] | null }>();
  private readonly keys = new Map<string, string>();

  constructor(dir: string) {
    super(dir);
    for (const id of fs.readdirSync(path.join(dir, 'jobs'))) {
      try {
        this.load(id);
      } catch {
        // a job folder without a complete job.json was never acknowledged: drop it
        fs.rmSync(path.join(dir, 'jobs', id), { recursive: true, force: true });
      }
    }
  }

  private load(id: string): void {
    const dir = this.jobDir(id);
    const job = JSON.parse(fs.readFileSync(path.join(dir, 'job.json'), 'utf8')) as JobRecord;
    const items: ItemRecord[] = Array.from({ length: job.total }, (_, n) => ({ n: n + 1, state: 'pending', attempts: 0, file: null, bytes: 0, error: null }));
    const log = path.join(dir, 'items.log');
    if (fs.existsSync(log)) {
      for (const line of fs.readFileSync(log, 'utf8').split('\n')) {
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

  async create(job: JobRecord, rows: readonly Record<string, unknown>[]): Promise<void> {
    const dir = this.jobDir(job.id);
    await fs.promises.mkdir(path.join(dir, 'results'), { recursive: true });
    await writeAtomic(path.join(dir, 'input.ndjson'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    await writeAtomic(path.join(dir, 'job.json'), JSON.stringify(job)); // last: the job exists once this is there
    const items = Array.from({ length: job.total }, (_, n): ItemRecord => ({ n: n + 1, state: 'pending', attempts: 0, file: null, bytes: 0, error: null }));
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

  async setItem(id: string, item: ItemRecord): Promise<void> {
    const entry = this.cache.get(id);
    if (!entry) return;
    entry.items[item.n - 1] = { ...item };
    await fs.promises.appendFile(path.join(this.jobDir(id), 'items.log'), `${JSON.stringify(item)}\n`);
  }

  async byIdempotencyKey(key: string): Promise<string | null> {
    return this.keys.get(key) ?? null;
  }

  lock(): void {
    const file = path.join(this.dir, '.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const pid = Number(fs.readFileSync(file, 'utf8'));
      if (pid > 0 && pid !== process.pid && isAlive(pid)) throw new Error(`DATA_DIR ${this.dir} is in use by process ${pid}; give each instance its own DATA_DIR (or use REDIS_URL to share jobs)`);
      fs.rmSync(file, { force: true }); // left by a process that died
    }
  }

  unlock(): void {
    const file = path.join(this.dir, '.lock');
    try {
      if (Number(fs.readFileSync(file, 'utf8')) === process.pid) fs.rmSync(file, { force: true });
    } catch {
      // not ours or already gone
    }
  }

  async remove(id: string): Promise<void> {
    const entry = this.cache.get(id);
    if (entry?.job.idempotencyKey) this.keys.delete(entry.job.idempotencyKey);
    this.cache.delete(id);
    await this.removeDir(id);
  }
}
