/**
 * Command-line rendering without a server:
 *   letterpress batch rows.csv --template NAME --out DIR [--format jpg] [--concurrency N]
 *     checks the rows against the template (an unknown or missing column stops it before anything
 *     renders), then renders every row (CSV header = variables; .ndjson/.jsonl/.json also read)
 *     with a progress bar (done/total, this run's rate and ETA) on stderr. Each image lands in DIR
 *     under its output name the moment it is done (atomically, stored once); manifest.json (the
 *     same shape as in results.zip) is written at the end. Re-run on the same DIR, it resumes
 *     (state in DIR/.letterpress). One DIR holds one input's job: a DIR with another input's
 *     unfinished job, or its images, is refused (exit 2), and a file already in DIR under a row's
 *     name that is not that row's image is never replaced (the row is reported, exit 1). Ctrl-C finishes the images in flight, says how many are
 *     written and how to resume, and exits 130; it exits 1 with a summary when rows failed.
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
import { jsonDepthExceeds, tooDeep } from './json-body.js';
import { isFinished, type JobStatus } from './jobs/job-model.js';
import { writeAtomic } from './jobs/job-store.js';
import { OutputDirStore, type FolderConflict } from './jobs/output-dir.js';
import { buildManifest } from './jobs/results-zip.js';

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

/** Where this run began: rows already finished (by earlier runs) and the time. */
export interface RunStart {
  readonly finished: number;
  readonly at: number;
}

/** Rate (rows/s) and ETA (s) of this run only: rows finished since it began, over its own time. */
export function runPace(s: Pick<JobStatus, 'counts' | 'total' | 'state'>, run: RunStart, now = Date.now()): { rate: number; etaSeconds: number | null } {
  const finished = s.counts.done + s.counts.failed;
  const seconds = Math.max(0.001, (now - run.at) / 1000);
  const rate = Math.max(0, finished - run.finished) / seconds;
  return { rate, etaSeconds: isFinished(s.state) || rate === 0 ? null : (s.total - finished) / rate };
}

/** One progress line: bar, done/total, percent, this run's rate, ETA, failures. */
export function progressLine(s: JobStatus, pace: { rate: number; etaSeconds: number | null }, width = 28): string {
  const finished = s.counts.done + s.counts.failed;
  const filled = Math.round((finished / Math.max(1, s.total)) * width);
  const eta = pace.etaSeconds === null ? '' : `  ETA ${pace.etaSeconds < 90 ? `${Math.ceil(pace.etaSeconds)}s` : `${Math.ceil(pace.etaSeconds / 60)}m`}`;
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${finished}/${s.total}  ${Math.round(s.progress * 100)}%  ${pace.rate.toFixed(1)}/s${eta}${s.counts.failed ? `  failed ${s.counts.failed}` : ''}`;
}

/** Quotes an argument for a POSIX shell (only when it needs it). */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

function readRows(file: string, template: string | undefined, format: string | undefined, deps: Parameters<typeof fromCsv>[2], limits: Parameters<typeof fromCsv>[3]): JobSubmission {
  const text = fs.readFileSync(file, 'utf8');
  const query: Record<string, string> = { ...(template ? { template } : {}), ...(format ? { format } : {}) };
  if (/\.csv$/i.test(file)) return fromCsv(text, query, deps, limits);
  if (/\.(ndjson|jsonl)$/i.test(file)) return fromNdjson(text, query, deps, limits);
  if (jsonDepthExceeds(text)) throw tooDeep(file);
  const json = JSON.parse(text) as unknown;
  return fromJson(Array.isArray(json) ? { ...(template ? { template, rows: json } : { documents: json }), ...(format ? { format } : {}) } : json, deps, limits);
}

/** What the CLI says (then exits 2) when `out` holds another input's job. */
export function conflictMessage(out: string, other: FolderConflict, input: string): string {
  const here = path.resolve(input);
  // The same file with other content (or other --template/--format) is another input too.
  const from = !other.input ? 'from an earlier run' : other.input.input === here ? `from an earlier version of ${here} (its rows, --template or --format differ)` : `from ${other.input.input}`;
  const lines = other.why === 'unfinished'
    ? [
      `${out} holds an unfinished job ${from} (job ${other.job.id}, ${other.done} of ${other.job.total} rows done), not ${here}.`,
      'Both would write images with the same names (0001.png, …) into it and one would overwrite the other\'s.',
      `Either write this input to another folder (--out OTHER_DIR), or finish the other job first:`,
      `  ${other.input ? other.input.command : `letterpress batch <its input file and options> --out ${shellQuote(out)}`}`,
    ]
    : [
      `${out} already holds ${other.images} image${other.images === 1 ? '' : 's'} of a different job ${from} (job ${other.job.id}), not ${here}.`,
      `Writing this input there could overwrite ${other.images === 1 ? 'it' : 'them'}, and manifest.json would list only this one.`,
      'Write this input to another folder (--out OTHER_DIR), or move that job\'s images and .letterpress away first.',
    ];
  return `letterpress batch: ${lines.join('\n')}\n`;
}

/** `letterpress batch`; resolves with the exit code (0, 1 when rows failed, 2 for bad input, 130 after Ctrl-C). */
export async function runBatch(argv: string[], config: Config): Promise<number> {
  const { positional, flags } = parseArgs(argv);
  const input = positional[0];
  if (!input || !flags.out) {
    process.stderr.write('usage: letterpress batch rows.csv --template NAME --out DIR [--format png|jpg|webp] [--concurrency N]\n');
    return 2;
  }
  const out = path.resolve(flags.out);
  const resume = `letterpress batch ${argv.map(shellQuote).join(' ')}`;
  let stopping = false;
  let interrupt = (): void => {};
  const interrupted = new Promise<'interrupted'>((resolve) => (interrupt = () => resolve('interrupted')));
  const onSigint = (): void => {
    if (stopping) {
      process.stderr.write(`\nstopped; resume with: ${resume}\n`);
      process.exit(130);
    }
    stopping = true;
    process.stderr.write('\ninterrupted: finishing the images in flight (Ctrl-C again to stop at once)\n');
    interrupt();
  };
  process.on('SIGINT', onSigint);
  fs.mkdirSync(out, { recursive: true });
  const dataDir = path.join(out, '.letterpress');
  const concurrency = Number(flags.concurrency ?? config.poolSize * 2);
  const lp = await buildApp({ ...config, logLevel: 'warn', redisUrl: null, dataDir }, { jobs: false });
  try {
    await lp.warmed;
    const sub = readRows(input, flags.template, flags.format, lp.templates, { maxItems: config.jobMaxItems, webhookHosts: [] });
    if (stopping) {
      process.stderr.write(`0 of ${sub.rows.length} images written to ${out}; resume with: ${resume}\n`);
      return 130;
    }
    const store = new OutputDirStore(dataDir, out);
    const key = createHash('sha256').update(fs.readFileSync(input)).update(JSON.stringify(sub.source)).digest('hex');
    // One folder, one job: another input's unfinished job would resume alongside this one, and its
    // images share names like 0001.png with this one's. Refuse before anything runs.
    await store.open();
    const other = await store.conflict(key);
    if (other) {
      store.close();
      process.stderr.write(conflictMessage(out, other, input));
      return 2;
    }
    const renderer = new ItemRenderer({ config, catalog: lp.catalog, assets: lp.assets }, lp.templates, lp.pool, config.jobItemTimeoutMs);
    const engine = new EmbeddedEngine(store, renderer, { ...engineOptions(config), concurrency, maxActive: 1, ttlMs: 365 * 86_400_000 }, lp.app.log);
    await engine.start(); // resumes this input's previous run on this folder (no other job is unfinished there)
    const { job, replayed } = await engine.submit(sub, key, key);
    if (replayed) process.stderr.write(`resuming job ${job.id} in ${out}\n`);
    await store.recordInput(job.id, { input: path.resolve(input), command: resume }).catch(() => {}); // only for the message another input gets
    await store.deliverAll(job.id); // images an earlier run wrote but had not moved yet
    const first = await engine.status(job.id);
    const run: RunStart = { finished: first.counts.done + first.counts.failed, at: Date.now() };
    const tty = process.stderr.isTTY;
    let last = 0;
    let onChange = (_id: string): void => {};
    const finished = new Promise<JobStatus>((resolve) => {
      const tick = async (): Promise<void> => {
        const s = await engine.status(job.id);
        if (isFinished(s.state)) return resolve(s);
        if (stopping) return;
        if (tty) process.stderr.write(`\r${progressLine(s, runPace(s, run))}\u001b[K`);
        else if (Date.now() - last > 2000) {
          last = Date.now();
          process.stderr.write(`${progressLine(s, runPace(s, run))}\n`);
        }
      };
      onChange = (id: string): void => void (id === job.id && tick());
      engine.on('change', onChange);
      void tick();
    });
    const ended = await Promise.race([finished, interrupted]);
    await engine.close(); // the rows in flight finish and land in DIR
    engine.off('change', onChange);
    const status = await engine.status(job.id);
    const pace = runPace(status, run);
    if (ended !== 'interrupted') process.stderr.write(`${tty ? '\r' : ''}${progressLine(status, pace)}\u001b[K\n`);
    const written = await store.deliverAll(job.id);
    const names = await store.outputNames(job.id);
    const lost = store.undelivered.get(job.id) ?? new Map<number, string>();
    // A row whose image could not be put in the folder has no file there (its name may be another file).
    const items = (await store.items(job.id)).map((it) => (lost.has(it.n) ? { ...it, error: { code: 'not_written', message: lost.get(it.n)! } } : it));
    const listed = new Map([...names].filter(([n]) => !lost.has(n)));
    await writeAtomic(path.join(out, 'manifest.json'), `${JSON.stringify(buildManifest((await engine.get(job.id)), items, listed), null, 2)}\n`);
    const seconds = (Date.now() - run.at) / 1000;
    const summary = `${written.length} of ${status.total} images written to ${out}`;
    if (ended === 'interrupted') {
      process.stderr.write(`${summary}; resume with: ${resume}\n`);
      return 130;
    }
    process.stderr.write(`${summary} in ${seconds.toFixed(1)} s (${pace.rate.toFixed(1)}/s)${status.counts.failed ? `; ${status.counts.failed} failed:` : ''}\n`);
    for (const e of status.errors) process.stderr.write(`  row ${e.row}: ${e.error.code} ${e.error.param ? `(${e.error.param}) ` : ''}${e.error.message}\n`);
    for (const [n, why] of lost) process.stderr.write(`  row ${n}: could not write ${names.get(n)} (${why})\n`);
    return status.counts.failed > 0 || lost.size > 0 ? 1 : 0;
  } catch (err) {
    if (err instanceof AppError) {
      process.stderr.write(`${err.code}${err.param ? ` (${err.param})` : ''}: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
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
    process.stderr.write("usage: letterpress render '<json | @doc.json | /render.png?… | /t/name.png?… | /badge/… | /600x400… | text=…>' -o out.png\n");
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
