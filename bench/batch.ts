/**
 * Batch throughput: a 1,000-row `event-poster` template job (1080x1350 JPEG) in the embedded
 * engine, timed from submit to `succeeded`, with the default batch share (half the pool) and with
 * the whole pool; the peer in the same run is the same 1,000 posters fetched one by one from
 * `GET /t/event-poster.jpg?…` with as many client connections as the pool has workers. While the
 * default-share job runs, interactive og-card GETs at a fixed rate measure what batch work costs
 * interactive latency (vs the same rate on an idle server).
 *
 *   npm run bench:batch [-- --rows 1000 --rate 5]
 */
import http from 'node:http';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config.js';
import { enc, ogText, startServer, stopServer, type Server } from './harness.js';
import { openLoop, percentile } from './open-loop.js';

const args = process.argv.slice(2);
const flag = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const ROWS = flag('rows', 1000);
const RATE = flag('rate', 5);
const cores = os.availableParallelism();
const row = (i: number) => ({ event: `Poster ${i} of the batch`, date: `Day ${(i % 28) + 1}`, venue: `Hall ${(i % 9) + 1}`, filename: `poster-${i}` });
const ogPath = () => `/render.png?text=${enc(ogText())}&w=1200&h=630`;

async function post(base: string, body: unknown): Promise<{ id: string }> {
  const res = await fetch(`${base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 202) throw new Error(`submit: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string };
}

async function waitJob(base: string, id: string): Promise<{ seconds: number; done: number; failed: number }> {
  for (;;) {
    const s = (await (await fetch(`${base}/jobs/${id}`)).json()) as { state: string; startedAt: string; finishedAt: string; counts: { done: number; failed: number } };
    if (s.state === 'succeeded' || s.state === 'failed') {
      return { seconds: (Date.parse(s.finishedAt) - Date.parse(s.startedAt)) / 1000, done: s.counts.done, failed: s.counts.failed };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One job of ROWS rows; optionally interactive GETs at RATE/s while it runs. */
async function batchRun(env: Record<string, string>, withInteractive: boolean) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-bench-batch-'));
  const s: Server = await startServer('dist/src/server.js', '/healthz', { LOG_LEVEL: 'warn', DATA_DIR: dataDir, ...env });
  try {
    const { id } = await post(s.base, { template: 'event-poster', rows: Array.from({ length: ROWS }, (_, i) => row(i + 1)) });
    let interactive: number[] = [];
    if (withInteractive) {
      // Sample interactive latency for 20 s of the job (it runs far longer).
      const lat = await openLoop(s.base, ogPath, RATE, 20);
      interactive = lat.get(200) ?? [];
    }
    const r = await waitJob(s.base, id);
    return { ...r, rate: r.done / r.seconds, interactive };
  } finally {
    await stopServer(s);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The peer: the same posters as single GETs, `conns` at a time. */
async function getRun(conns: number) {
  const s = await startServer('dist/src/server.js', '/healthz', { LOG_LEVEL: 'warn', IMAGE_CACHE_MB: '0' });
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: conns });
    const url = new URL(s.base);
    let next = 1, ok = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: conns }, async () => {
      while (next <= ROWS) {
        const i = next++;
        const r = row(i);
        const p = `/t/event-poster.jpg?event=${enc(r.event)}&date=${enc(r.date)}&venue=${enc(r.venue)}&filename=${enc(r.filename)}`;
        const got = await new Promise<number>((resolve) => http.get({ host: url.hostname, port: url.port, path: p, agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200 ? 1 : 0));
        }).on('error', () => resolve(0)));
        ok += got;
      }
    }));
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, done: ok, rate: ok / seconds };
  } finally {
    await stopServer(s);
  }
}

async function idleInteractive(): Promise<number[]> {
  const s = await startServer('dist/src/server.js', '/healthz', { LOG_LEVEL: 'warn' });
  try {
    return (await openLoop(s.base, ogPath, RATE, 10)).get(200) ?? [];
  } finally {
    await stopServer(s);
  }
}

const idle = await idleInteractive();
const shared = await batchRun({}, true);
const full = await batchRun({ JOB_CONCURRENCY: String(cores) }, false);
const deep = await batchRun({ JOB_CONCURRENCY: String(cores * 2) }, false);
const peer = await getRun(cores);
const f = (n: number) => n.toFixed(1);
const rows = [
  ['embedded job, default share (JOB_CONCURRENCY=' + Math.max(1, Math.floor(cores / 2)) + ')', shared],
  [`embedded job, whole pool (JOB_CONCURRENCY=${cores})`, full],
  [`embedded job, whole pool + queue (JOB_CONCURRENCY=${cores * 2}, the CLI default)`, deep],
  [`peer: ${ROWS} GET /t/event-poster.jpg, ${cores} connections`, peer],
] as const;
console.log(`\n${ROWS}-row event-poster job (1080x1350 JPEG), ${cores} cores, POOL_SIZE=${cores}`);
console.log('| run | posters/s | seconds | done | failed |\n|---|---|---|---|---|');
for (const [name, r] of rows) console.log(`| ${name} | ${f(r.rate)} | ${f(r.seconds)} | ${r.done} | ${'failed' in r ? r.failed : ROWS - r.done} |`);
console.log(`\nwhole-pool job vs peer: ${(full.rate / peer.rate).toFixed(2)}x (with a queue: ${(deep.rate / peer.rate).toFixed(2)}x); default share vs whole pool: ${(shared.rate / full.rate).toFixed(2)}x`);
console.log(`interactive og-card GETs at ${RATE}/s: idle p50 ${f(percentile(idle, 50))} ms p99 ${f(percentile(idle, 99))} ms; during the default-share job p50 ${f(percentile(shared.interactive, 50))} ms p99 ${f(percentile(shared.interactive, 99))} ms (${shared.interactive.length} answered 200)`);
const out = path.join(PROJECT_ROOT, 'bench', 'results', `batch-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ rows: ROWS, cores, shared: { ...shared, interactive: undefined }, full, deep, peer, idle: { p50: percentile(idle, 50), p99: percentile(idle, 99) }, during: { p50: percentile(shared.interactive, 50), p99: percentile(shared.interactive, 99) } }, null, 2));
console.log(`results: ${path.relative(PROJECT_ROOT, out)}`);
