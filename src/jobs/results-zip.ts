/**
 * `results.zip` and `manifest.json`: the finished images of a job, streamed (stored, not
 * recompressed: PNG, JPEG and WebP are compressed already) under their output names (see
 * output-names.ts: unique, bounded, safe), plus `manifest.json` listing every row with its file,
 * status, error and size. The batch CLI writes the same manifest (built by `buildManifest`).
 */
import type { Readable } from 'node:stream';
import yazl from 'yazl';
import { itemExt } from './job-lifecycle.js';
import type { ItemRecord, JobRecord } from './job-model.js';
import { rowNames } from './output-names.js';

/** One manifest line. */
export interface ManifestEntry {
  readonly row: number;
  /** The image's name in the ZIP / output folder; null until the row is done. */
  readonly file: string | null;
  readonly status: ItemRecord['state'];
  readonly bytes: number;
  readonly attempts: number;
  readonly error: ItemRecord['error'];
}

/** `manifest.json`, in results.zip and in the batch CLI's output folder alike. */
export interface Manifest {
  readonly job: string;
  readonly state: JobRecord['state'];
  readonly total: number;
  readonly items: readonly ManifestEntry[];
}

/** Names already worked out, per accepted rows array (stores keep one per job; rows never change once accepted). */
const namesOfRows = new WeakMap<readonly Record<string, unknown>[], Map<number, string>>();

/**
 * Every row's output name (row → name), from the accepted rows; fixed before the row renders.
 * Worked out once per rows array, so serving one image of a large job does not redo every row.
 */
export function jobNames(job: JobRecord, rows: readonly Record<string, unknown>[]): ReadonlyMap<number, string> {
  let names = namesOfRows.get(rows);
  if (!names) {
    names = rowNames(rows, (row) => itemExt(job, row));
    namesOfRows.set(rows, names);
  }
  return names;
}

/** The manifest of a job: every row, with its output name when it is done. */
export function buildManifest(job: JobRecord, items: readonly ItemRecord[], names: ReadonlyMap<number, string>): Manifest {
  return {
    job: job.id, state: job.state, total: job.total,
    items: items.map((it) => ({ row: it.n, file: it.state === 'done' ? names.get(it.n) ?? null : null, status: it.state, bytes: it.bytes, attempts: it.attempts, error: it.error })),
  };
}

/** A readable ZIP stream of a job's results; `fileOf` gives each done item's image path. */
export function resultsZip(job: JobRecord, items: readonly ItemRecord[], rows: readonly Record<string, unknown>[], fileOf: (n: number) => string): Readable {
  const zip = new yazl.ZipFile();
  const names = jobNames(job, rows);
  for (const it of items) if (it.state === 'done') zip.addFile(fileOf(it.n), names.get(it.n)!, { compress: false });
  zip.addBuffer(Buffer.from(JSON.stringify(buildManifest(job, items, names), null, 2)), 'manifest.json');
  zip.end();
  return zip.outputStream as unknown as Readable;
}
