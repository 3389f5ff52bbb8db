/**
 * The batch CLI's store: a FileJobStore (state in `<out>/.letterpress`) that delivers each image
 * into the output folder the moment its row is done. The engine writes the image atomically
 * (temp file + rename) under the data folder, logs the row done, and this store then renames it to
 * `<out>/<output name>` (same file system: atomic, never half a file, and stored once). An image a
 * crash left in the data folder (written, maybe logged, not yet moved) is moved by `deliverAll`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { itemExt } from './embedded-engine.js';
import type { ItemRecord } from './job-model.js';
import { FileJobStore } from './job-store.js';
import { jobNames } from './results-zip.js';

/** A data folder whose finished images are moved into an output folder under their output names. */
export class OutputDirStore extends FileJobStore {
  private readonly names = new Map<string, Map<number, string>>();
  /** Rows whose image could not be moved into the output folder (row → reason), per job. */
  readonly undelivered = new Map<string, Map<number, string>>();

  constructor(dataDir: string, readonly outDir: string) {
    super(dataDir);
  }

  /** Every row's output name (row → file name in the output folder). */
  async outputNames(id: string): Promise<Map<number, string>> {
    let names = this.names.get(id);
    if (!names) {
      const job = await this.job(id);
      names = job ? jobNames(job, await this.rows(id)) : new Map<number, string>();
      this.names.set(id, names);
    }
    return names;
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
      const to = path.join(this.outDir, name);
      try {
        await fs.promises.rename(from, to);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !fs.existsSync(to)) throw err;
      }
      failures.delete(n);
      return true;
    } catch (err) {
      failures.set(n, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
      return false;
    }
  }

  /** Moves every done row's image still in the data folder; resolves with the rows whose image is in the output folder. */
  async deliverAll(id: string): Promise<number[]> {
    const there: number[] = [];
    for (const it of await this.items(id)) if (it.state === 'done' && (await this.deliver(id, it.n))) there.push(it.n);
    return there;
  }
}
