/**
 * The benchmark suite (`npm run bench`): the in-process render benchmark, then HTTP scenarios
 * with autocannon against a locally started Letterpress server and, in the same run, the peer
 * (satori + @resvg/resvg-js behind Fastify + Piscina). Prints one table and writes JSON to
 * bench/results/ so runs can be compared.
 *
 *   npm run bench               10 s per HTTP scenario
 *   npm run bench -- --quick    3 s per scenario, fewer in-process renders (under a minute)
 *   npm run bench -- --smoke    1 s per scenario, no in-process part (the test suite's harness check)
 *   npm run bench -- --cpu-prof also profiles the server (every thread) and prints where the time went
 *
 * The load generator runs on the same machine as the server: on a 2-core box it takes a share
 * of the CPU the server would otherwise have. Absolute numbers drift between runs on shared
 * machines; compare ratios to the peer measured in the same run.
 */
import fs from 'node:fs';
import path from 'node:path';
import autocannon, { type Result } from 'autocannon';
import { PROJECT_ROOT } from '../src/config.js';
import { SCENARIOS, enc, ogText, rssMb, startServer, stopServer } from './harness.js';

const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const quick = argv.includes('--quick') || smoke;
const DURATION = smoke ? 1 : quick ? 3 : 10;
const CONNECTIONS = smoke ? 4 : 16;
const outArg = argv.indexOf('--out');
const profileDir = argv.includes('--cpu-prof') ? path.join(PROJECT_ROOT, 'bench', 'results', `prof-${Date.now()}`) : null;

/** A target from the issue: `min` requests/s, or `max` ms p99. */
interface Target { readonly rps?: number; readonly p99?: number }

/** One row of the table. */
export interface Row {
  scenario: string;
  'req/s': number;
  'p50 ms': number;
  'p99 ms': number;
  'bytes/image': number;
  'RSS MB': number;
  errors: number;
  target: string;
  met: string;
}

async function load(base: string, makePath: () => string, opts: { rate?: number; headers?: Record<string, string> } = {}): Promise<Result> {
  return autocannon({
    url: base,
    // A fixed-rate run uses few connections so requests arrive spread out, not in bursts of 16.
    connections: opts.rate ? Math.min(4, CONNECTIONS) : CONNECTIONS,
    duration: DURATION,
    ...(opts.rate ? { overallRate: opts.rate } : {}),
    ...(opts.headers ? { headers: opts.headers } : {}),
    requests: [{ setupRequest: (req) => ({ ...req, path: makePath() }) }],
  });
}

async function bytesOf(base: string, p: string): Promise<number> {
  return (await (await fetch(base + p)).arrayBuffer()).byteLength;
}

function row(scenario: string, r: Result, bytes: number, rss: number, target: Target): Row {
  const rps = Math.round(r.requests.average);
  const p99 = r.latency.p99;
  const met = (target.rps === undefined || rps >= target.rps) && (target.p99 === undefined || p99 <= target.p99);
  const t = [target.rps !== undefined ? `>= ${target.rps} req/s` : '', target.p99 !== undefined ? `p99 <= ${target.p99} ms` : ''].filter(Boolean).join(', ');
  return {
    scenario, 'req/s': rps, 'p50 ms': r.latency.p50, 'p99 ms': p99, 'bytes/image': bytes, 'RSS MB': rss,
    errors: r.errors + r.timeouts, target: t || '-', met: t ? (met ? 'yes' : 'NO') : '-',
  };
}

/** Runs the HTTP scenarios; returns rows and summary figures. */
export async function httpBench(): Promise<{ rows: Row[]; summary: Record<string, number> }> {
  const rows: Row[] = [];
  const profArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const ours = await startServer('dist/src/server.js', SCENARIOS.og(), { LOG_LEVEL: 'info' }, profArgs);
  const pid = ours.proc.pid;
  const run = async (name: string, make: () => string, target: Target, extra: { rate?: number; headers?: Record<string, string>; bytes?: number } = {}) => {
    const r = await load(ours.base, make, extra);
    rows.push(row(name, r, extra.bytes ?? (await bytesOf(ours.base, make())), rssMb(pid), target));
    return r;
  };
  let ogCold: Result;
  try {
    ogCold = await run('og-cold', SCENARIOS.og, { rps: 400 });
    await run('og-cold @ half peak', SCENARIOS.og, { p99: 25 }, { rate: Math.max(1, Math.round(ogCold.requests.average / 2)) });
    await run('og-gradient-cold', SCENARIOS.ogGradient, { rps: 250 });
    await run('badge-cold', SCENARIOS.badge, { rps: 2000 });
    await run('poster-cjk-cold', SCENARIOS.posterCjk, { rps: 120 });
    await run('hot', SCENARIOS.hot, { rps: 10_000 });
    const etag = (await fetch(ours.base + SCENARIOS.hot())).headers.get('etag') ?? '';
    const reval = await load(ours.base, SCENARIOS.hot, { headers: { 'if-none-match': etag } });
    rows.push(row('revalidate (304)', { ...reval, errors: reval.errors + (reval.non2xx === reval.requests.total ? 0 : reval['2xx']) }, 0, rssMb(pid), { rps: 12_000 }));
  } finally {
    await stopServer(ours);
  }
  const peer = await startServer('dist/bench/peer/satori-server.js', '/og.png?text=warm');
  const peerPath = (gradient: boolean) => () => `/og.png?gradient=${gradient ? 1 : 0}&text=${enc(ogText())}`;
  let peerOg: Result, peerGrad: Result;
  try {
    peerOg = await load(peer.base, peerPath(false));
    rows.push(row('peer og-cold (satori+resvg)', peerOg, await bytesOf(peer.base, peerPath(false)()), rssMb(peer.proc.pid), {}));
    peerGrad = await load(peer.base, peerPath(true));
    rows.push(row('peer og-gradient-cold (satori+resvg)', peerGrad, await bytesOf(peer.base, peerPath(true)()), rssMb(peer.proc.pid), {}));
  } finally {
    await stopServer(peer);
  }
  const get = (name: string) => rows.find((r) => r.scenario === name)!;
  const summary = {
    'og-cold vs peer': +(get('og-cold')['req/s'] / Math.max(1, get('peer og-cold (satori+resvg)')['req/s'])).toFixed(1),
    'og-gradient-cold vs peer': +(get('og-gradient-cold')['req/s'] / Math.max(1, get('peer og-gradient-cold (satori+resvg)')['req/s'])).toFixed(1),
    'gradient PNG bytes vs peer': +(get('og-gradient-cold')['bytes/image'] / Math.max(1, get('peer og-gradient-cold (satori+resvg)')['bytes/image'])).toFixed(2),
    'start to first render ms': ours.startToFirstRenderMs,
    'peak RSS MB': Math.max(...rows.filter((r) => !r.scenario.startsWith('peer')).map((r) => r['RSS MB'])),
  };
  return { rows, summary };
}

async function main(): Promise<void> {
  const started = Date.now();
  const inProcess = smoke ? null : await (await import('./render-card.js')).renderCardBench();
  const { rows, summary } = await httpBench();
  console.log(`\nHTTP scenarios: ${DURATION} s each, ${CONNECTIONS} connections, load generator on the same machine`);
  console.table(rows);
  console.log('targets:', {
    ...summary,
    'og-cold >= 5x peer': summary['og-cold vs peer'] >= 5 ? 'yes' : 'NO',
    'gradient bytes <= 1.5x peer': summary['gradient PNG bytes vs peer'] <= 1.5 ? 'yes' : 'NO',
    'start to first render <= 2000 ms': summary['start to first render ms'] <= 2000 ? 'yes' : 'NO',
    'RSS <= 400 MB': summary['peak RSS MB'] <= 400 ? 'yes' : 'NO',
  });
  if (profileDir) {
    const { summarizeProfiles } = await import('./profile-summary.js');
    console.log(`\nServer CPU profile (self time, all scenarios; files in ${path.relative(PROJECT_ROOT, profileDir)}):`);
    for (const [file, top] of Object.entries(summarizeProfiles(profileDir))) console.log(`${file}\n  ${top.join('\n  ')}`);
  }
  if (inProcess) {
    console.log('\nIn-process render of one 1200x630 PNG card, one thread (median of renders):');
    console.table(inProcess.rows);
    console.log('median ms per stage (solid card):', inProcess.stageMedians);
  }
  const file = outArg >= 0 ? path.resolve(argv[outArg + 1]) : path.join(PROJECT_ROOT, 'bench', 'results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ node: process.version, cores: (await import('node:os')).availableParallelism(), durationS: DURATION, connections: CONNECTIONS, rows, summary, inProcess, seconds: (Date.now() - started) / 1000 }, null, 2));
  console.log(`results: ${path.relative(PROJECT_ROOT, file)} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) void main();
