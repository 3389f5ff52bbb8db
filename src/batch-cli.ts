/**
 * Command-line rendering without a server:
 *   letterpress batch rows.csv --template NAME --out DIR [--format jpg] [--concurrency N]
 *     renders every row (CSV header = variables; .ndjson/.jsonl/.json also read) with a progress
 *     bar (done/total, rate, ETA) on stderr, writes the images and manifest.json into DIR, resumes
 *     when re-run on the same DIR (state in DIR/.letterpress), and exits 1 with a summary when
 *     rows failed.
 *   letterpress render '<json | /render.png?… | /t/name.png?… | text=…>' -o out.png
 *     renders one image (a JSON document, `@file.json`, a URL path, or a /render query string).
 * Both run the same pipeline as the HTTP service, in-process.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { AppError } from './errors.js';
import { EmbeddedEngine } from './jobs/embedded-engine.js';
import { engineOptions } from './jobs/create-engine.js';
import { ItemRenderer } from './jobs/item-renderer.js';
import { fromCsv, fromJson, fromNdjson, type JobSubmission } from './jobs/job-input.js';
import { isFinished, type JobStatus } from './jobs/job-model.js';
import { FileJobStore } from './jobs/job-store.js';
import { manifestEntries, uniqueNames } from './jobs/results-zip.js';

/** Parses `--name value` flags and positional arguments. */
export function parseArgs(argv: string[]): { positional: string[]; flags: Record<string, string> } {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) flags[a.slice(2)] = argv[++i] ?? '';
    else if (a === '-o') flags.out = argv[++i] ?? '';
    else positional.push(a);
  }
  return { positional, flags };
}

/** One progress line: bar, done/total, percent, rate, ETA, failures. */
export function progressLine(s: JobStatus, width = 28): string {
  const finished = s.counts.done + s.counts.failed;
  const filled = Math.round((finished / Math.max(1, s.total)) * width);
  const eta = s.etaSeconds === null ? '' : `  ETA ${s.etaSeconds < 90 ? `${Math.ceil(s.etaSeconds)}s` : `${Math.ceil(s.etaSeconds / 60)}m`}`;
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${finished}/${s.total}  ${Math.round(s.progress * 100)}%  ${s.rate.toFixed(1)}/s${eta}${s.counts.failed ? `  failed ${s.counts.failed}` : ''}`;
}

function readRows(file: string, template: string | undefined, format: string | undefined, deps: Parameters<typeof fromCsv>[2], limits: Parameters<typeof fromCsv>[3]): JobSubmission {
  const text = fs.readFileSync(file, 'utf8');
  const query: Record<string, string> = { ...(template ? { template } : {}), ...(format ? { format } : {}) };
  if (/\.csv$/i.test(file)) return fromCsv(text, query, deps, limits);
  if (/\.(ndjson|jsonl)$/i.test(file)) return fromNdjson(text, query, deps, limits);
  const json = JSON.parse(text) as unknown;
  return fromJson(Array.isArray(json) ? { ...(template ? { template, rows: json } : { documents: json }), ...(format ? { format } : {}) } : json, deps, limits);
}

/** `letterpress batch`; resolves with the exit code. */
export async function runBatch(argv: string[], config: Config): Promise<number> {
  const { positional, flags } = parseArgs(argv);
  const input = positional[0];
  if (!input || !flags.out) {
    process.stderr.write('usage: letterpress batch rows.csv --template NAME --out DIR [--format png|jpg|webp] [--concurrency N]\n');
    return 2;
  }
  const out = path.resolve(flags.out);
  fs.mkdirSync(out, { recursive: true });
  const concurrency = Number(flags.concurrency ?? config.poolSize * 2);
  const lp = await buildApp({ ...config, logLevel: 'warn', redisUrl: null, dataDir: path.join(out, '.letterpress') }, { jobs: false });
  try {
    await lp.warmed;
    const sub = readRows(input, flags.template, flags.format, lp.templates, { maxItems: config.jobMaxItems, webhookHosts: [] });
    const store = new FileJobStore(path.join(out, '.letterpress'));
    const renderer = new ItemRenderer({ config, catalog: lp.catalog, assets: lp.assets }, lp.templates, lp.pool, config.jobItemTimeoutMs);
    const engine = new EmbeddedEngine(store, renderer, { ...engineOptions(config), concurrency, maxActive: 1, ttlMs: 365 * 86_400_000 }, lp.app.log);
    await engine.start(); // resumes a previous run on this folder
    const key = createHash('sha256').update(fs.readFileSync(input)).update(JSON.stringify(sub.source)).digest('hex');
    const { job, replayed } = await engine.submit(sub, key, key);
    if (replayed) process.stderr.write(`resuming job ${job.id} in ${out}\n`);
    const tty = process.stderr.isTTY;
    let last = 0;
    const status = await new Promise<JobStatus>((resolve) => {
      const tick = async (): Promise<void> => {
        const s = await engine.status(job.id);
        if (isFinished(s.state)) {
          engine.off('change', onChange);
          return resolve(s);
        }
        if (tty) process.stderr.write(`\r${progressLine(s)}\u001b[K`);
        else if (Date.now() - last > 2000) {
          last = Date.now();
          process.stderr.write(`${progressLine(s)}\n`);
        }
      };
      const onChange = (id: string): void => void (id === job.id && tick());
      engine.on('change', onChange);
      void tick();
    });
    process.stderr.write(`${tty ? '\r' : ''}${progressLine(status)}\u001b[K\n`);
    await engine.close();
    const items = await store.items(job.id);
    const rows = await store.rows(job.id);
    const names = uniqueNames(items);
    for (const [n, name] of names) fs.copyFileSync(engine.resultFile(job, n, rows[n - 1]), path.join(out, name));
    fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifestEntries(items, names), null, 2));
    const seconds = status.startedAt && status.finishedAt ? (Date.parse(status.finishedAt) - Date.parse(status.startedAt)) / 1000 : 0;
    process.stderr.write(`${status.counts.done} of ${status.total} images written to ${out} in ${seconds.toFixed(1)} s (${status.rate.toFixed(1)}/s)${status.counts.failed ? `; ${status.counts.failed} failed:` : ''}\n`);
    for (const e of status.errors) process.stderr.write(`  row ${e.row}: ${e.error.code} ${e.error.param ? `(${e.error.param}) ` : ''}${e.error.message}\n`);
    return status.counts.failed > 0 ? 1 : 0;
  } catch (err) {
    if (err instanceof AppError) {
      process.stderr.write(`${err.code}${err.param ? ` (${err.param})` : ''}: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    await lp.app.close();
  }
}

/** Maps the `render` argument to an HTTP request against the in-process app. */
export function renderRequest(arg: string, outFile: string): { method: 'GET' | 'POST'; url: string; payload?: string } {
  const text = arg.startsWith('@') ? fs.readFileSync(arg.slice(1), 'utf8') : arg;
  if (text.trim().startsWith('{')) return { method: 'POST', url: '/render', payload: text };
  if (text.startsWith('/')) return { method: 'GET', url: text };
  const ext = path.extname(outFile).slice(1).toLowerCase() || 'png';
  return { method: 'GET', url: `/render.${ext}?${text.replace(/^\?/, '')}` };
}

/** `letterpress render`; resolves with the exit code. */
export async function runRender(argv: string[], config: Config): Promise<number> {
  const { positional, flags } = parseArgs(argv);
  if (!positional[0] || !flags.out) {
    process.stderr.write("usage: letterpress render '<json | @doc.json | /render.png?… | /t/name.png?… | text=…>' -o out.png\n");
    return 2;
  }
  const lp = await buildApp({ ...config, logLevel: 'warn', signingKeys: [], redisUrl: null, dataDir: path.join(os.tmpdir(), 'letterpress-render') }, { jobs: false });
  try {
    await lp.warmed;
    const req = renderRequest(positional[0], flags.out);
    const res = await lp.app.inject({ ...req, headers: req.payload ? { 'content-type': 'application/json' } : {} });
    if (res.statusCode !== 200) {
      process.stderr.write(`${res.statusCode} ${res.body}\n`);
      return 1;
    }
    fs.writeFileSync(flags.out, res.rawPayload);
    process.stderr.write(`${flags.out}: ${res.headers['content-type']}, ${res.rawPayload.length} bytes\n`);
    return 0;
  } finally {
    await lp.app.close();
  }
}
