/**
 * The batch CLI's store: a FileJobStore (state in `<out>/.letterpress`) that delivers each image
 * into the output folder the moment its row is done. The engine writes the image atomically
 * (temp file + rename) under the data folder, logs the row done, and this store then renames it to
 * `<out>/<output name>` (same file system: atomic, never half a file, and stored once). An image a
 * crash left in the data folder (written, maybe logged, not yet moved) is moved by `deliverAll`.
 *
 * Nothing in the output folder is ever replaced: an image is linked in under its name (which
 * fails when the name is taken) and then unlinked from the data folder. A name taken by a file
 * that is not this row's image fails that row's delivery (kept in `undelivered`, the image stays
 * in the data folder) instead of overwriting it. One folder holds one job: `conflict` finds
 * another job there (unfinished, or with images in the folder) so the CLI can refuse to start.
 */
import fs from 'node:fs';
import path from 'node:path';
import { itemExt } from './job-lifecycle.js';
import { isFinished, type ItemRecord, type JobRecord } from './job-model.js';
import { FileJobStore, writeAtomic } from './job-store.js';
import { jobNames } from './results-zip.js';

/** Which input a job in the folder came from (written by the batch CLI next to job.json). */
export interface JobInput {
  /** The input file, absolute. */
  readonly input: string;
  /** The command that runs (or resumes) it. */
  readonly command: string;
}

/** Another job in the output folder that a new input must not mix with. */
export interface FolderConflict {
  readonly job: JobRecord;
  /** `unfinished`: it would resume alongside; `images`: its images are in the folder. */
  readonly why: 'unfinished' | 'images';
  /** Its rows done, and how many of its images are in the folder (or waiting in the data folder). */
  readonly done: number;
  readonly images: number;
  /** Its input, when the run that made it recorded one. */
  readonly input: JobInput | null;
}

/** Filesystems without hard links answer link() with one of these; delivery then checks, then renames. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS', 'EXDEV']);

/** Thrown when an output name is taken by a file that is not this row's image. */
class NameTaken extends Error {
  readonly code = 'EEXIST';
}

/** Moves `from` to `to` without ever replacing a file at `to`: link, then unlink. Resolves when `to` is `from`'s file. */
export async function moveNoClobber(from: string, to: string): Promise<void> {
  try {
    await fs.promises.link(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOENT' && !fs.existsSync(from) && fs.existsSync(to)) return; // moved by an earlier run
    if (code === 'EEXIST') {
      const [a, b] = await Promise.all([fs.promises.stat(from), fs.promises.stat(to)]);
      if (a.ino === b.ino && a.dev === b.dev) return void (await fs.promises.unlink(from)); // linked by a run that stopped before unlinking
      throw new NameTaken(`${path.basename(to)} already exists and is not this row's image; it was left as it is (this image stays in ${path.dirname(from)}: move that file away and re-run to deliver it)`);
    }
    if (!NO_LINKS.has(code)) throw err;
    if (fs.existsSync(to)) throw new NameTaken(`${path.basename(to)} already exists and is not this row's image; it was left as it is (move it away and re-run)`);
    await fs.promises.rename(from, to);
    return;
  }
  await fs.promises.unlink(from);
}

/** A data folder whose finished images are moved into an output folder under their output names. */
export class OutputDirStore extends FileJobStore {
  /** Rows whose image could not be moved into the output folder (row → reason), per job. */
  readonly undelivered = new Map<string, Map<number, string>>();

  constructor(dataDir: string, readonly outDir: string) {
    super(dataDir);
  }

  /** Every row's output name (row → file name in the output folder); jobNames keeps them per job's rows. */
  async outputNames(id: string): Promise<ReadonlyMap<number, string>> {
    const job = await this.job(id);
    return job ? jobNames(job, await this.rows(id)) : new Map<number, string>();
  }

  /** Logs the item, then moves a done row's image into the output folder. */
  override async setItem(id: string, item: ItemRecord): Promise<void> {
    await super.setItem(id, item);
    if (item.state === 'done') await this.deliver(id, item.n);
  }

  /** Moves row n's image into the output folder; true when it is there. Never throws: failures are kept in `undelivered`. */
  async deliver(id: string, n: number): Promise<boolean> {
    const failures = this.undelivered.get(id) ?? new Map<number, string>();
    this.undelivered.set(id, failures);
    try {
      const job = await this.job(id);
      const name = (await this.outputNames(id)).get(n);
      if (!job || !name) return false;
      const from = this.resultFile(id, n, itemExt(job, (await this.rows(id))[n - 1]));
      await moveNoClobber(from, path.join(this.outDir, name));
      failures.delete(n);
      return true;
    } catch (err) {
      failures.set(n, err instanceof NameTaken ? err.message : (err as NodeJS.ErrnoException).code ?? (err as Error).message);
      return false;
    }
  }

  private inputFile(id: string): string {
    return path.join(this.jobDir(id), 'cli-input.json');
  }

  /** Records which input a job came from (for the message another input gets; see conflict). */
  async recordInput(id: string, input: JobInput): Promise<void> {
    await writeAtomic(this.inputFile(id), JSON.stringify(input));
  }

  /** The input a job came from, when recorded. */
  inputOf(id: string): JobInput | null {
    try {
      const v = JSON.parse(fs.readFileSync(this.inputFile(id), 'utf8')) as JobInput;
      return typeof v.input === 'string' && typeof v.command === 'string' ? v : null;
    } catch {
      return null;
    }
  }

  /**
   * Another job in this folder (its key is not `key`) that is unfinished (it would resume and write
   * its images here too) or whose images are in the folder (or waiting in the data folder to be
   * moved there); null when the folder is free for `key`'s job. Call after open().
   */
  async conflict(key: string): Promise<FolderConflict | null> {
    for (const job of (await this.jobs()).sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
      if (job.idempotencyKey === key) continue;
      const rows = await this.rows(job.id);
      const names = await this.outputNames(job.id);
      const done = (await this.items(job.id)).filter((it) => it.state === 'done');
      const images = done.filter((it) => {
        const name = names.get(it.n);
        return (name && fs.existsSync(path.join(this.outDir, name))) || fs.existsSync(this.resultFile(job.id, it.n, itemExt(job, rows[it.n - 1])));
      }).length;
      if (!isFinished(job.state) || images > 0) return { job, why: isFinished(job.state) ? 'images' : 'unfinished', done: done.length, images, input: this.inputOf(job.id) };
    }
    return null;
  }

  /** Moves every done row's image still in the data folder; resolves with the rows whose image is in the output folder. */
  async deliverAll(id: string): Promise<number[]> {
    const there: number[] = [];
    for (const it of await this.items(id)) if (it.state === 'done' && (await this.deliver(id, it.n))) there.push(it.n);
    return there;
  }
}
