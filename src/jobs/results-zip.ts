/**
 * `results.zip`: the finished images of a job, streamed (stored, not recompressed: PNG, JPEG and
 * WebP are compressed already) under their output names, plus `manifest.json` listing every row
 * with its file, status, error and size. Two rows with the same `filename` get `-<row>` appended.
 */
import type { Readable } from 'node:stream';
import yazl from 'yazl';
import type { ItemRecord, JobRecord } from './job-model.js';

/** One manifest line. */
export interface ManifestEntry {
  readonly row: number;
  readonly file: string | null;
  readonly status: ItemRecord['state'];
  readonly bytes: number;
  readonly attempts: number;
  readonly error: ItemRecord['error'];
}

/** Unique output names for done items, in row order. */
export function uniqueNames(items: readonly ItemRecord[]): Map<number, string> {
  const used = new Set<string>();
  const out = new Map<number, string>();
  for (const it of items) {
    if (it.state !== 'done' || !it.file) continue;
    let name = it.file;
    if (used.has(name)) {
      const dot = name.lastIndexOf('.');
      name = `${name.slice(0, dot)}-${it.n}${name.slice(dot)}`;
    }
    used.add(name);
    out.set(it.n, name);
  }
  return out;
}

/** Manifest lines for every row, with the output names `uniqueNames` gave the done ones. */
export function manifestEntries(items: readonly ItemRecord[], names: ReadonlyMap<number, string>): ManifestEntry[] {
  return items.map((it) => ({ row: it.n, file: names.get(it.n) ?? null, status: it.state, bytes: it.bytes, attempts: it.attempts, error: it.error }));
}

/** A readable ZIP stream of a job's results; `fileOf` gives each done item's image path. */
export function resultsZip(job: JobRecord, items: readonly ItemRecord[], fileOf: (n: number) => string): Readable {
  const zip = new yazl.ZipFile();
  const names = uniqueNames(items);
  const manifest = manifestEntries(items, names);
  for (const [n, name] of names) zip.addFile(fileOf(n), name, { compress: false });
  zip.addBuffer(Buffer.from(JSON.stringify({ job: job.id, state: job.state, total: job.total, items: manifest }, null, 2)), 'manifest.json');
  zip.end();
  return zip.outputStream as unknown as Readable;
}
