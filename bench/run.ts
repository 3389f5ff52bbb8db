/**
 * The benchmark suite (`npm run bench`): the in-process render benchmark, then HTTP scenarios
 * with autocannon against a locally started Letterpress server and, in the same run, two peers
 * answering the same og card: Takumi (@takumi-rs/core, native, one renderer per process) and
 * satori + @resvg/resvg-js (Fastify + Piscina). Prints the targets of issue #11 as one table
 * (console and markdown) and writes JSON to bench/results/ so runs can be compared.
 *
 *   npm run bench               10 s per HTTP run; the og-cold and og-gradient-cold runs of ours
 *                               and both peers 3 times, interleaved (about 5 minutes)
 *   npm run bench -- --quick    3 s per run, 1 round, fewer in-process renders (under a minute)
 *   npm run bench -- --smoke    1 s per run, 1 round, no in-process part (the test suite's harness check)
 *   npm run bench -- --rounds N rounds of the peer comparison (default 3, 1 with --quick/--smoke)
 *   npm run bench -- --cpu-prof also profiles our server (every thread) and prints where the time went
 *   npm run bench -- --out F    write the JSON to F
 *   npm run bench -- --baseline DIR  also measure og-blog on DIR (a built checkout of 2fd19b2) in the same run
 *
 * Comparison runs are interleaved (round 1: ours, Takumi, satori; round 2: Takumi, satori, ours;
 * ...) so all three see the same machine conditions, and each row shows the round with the median
 * rate. All three servers stay up for the whole suite (idle when not under load).
 *
 * Throughput counts only answers of the expected status (2xx; 304 for revalidate) per second;
 * other answers are counted in `bad status`, connection errors and timeouts in `errors`. Our
 * server's RSS is sampled every 250 ms for the whole suite: `RSS MB` is the peak during a row,
 * and the summary has the peak over the whole suite.
 *
 * The load generator runs on the same machine as the servers: on a 2-core box it takes a share
 * of the CPU the server would otherwise have. Absolute numbers drift between runs on shared
 * machines; compare ratios to the peers measured in the same run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon, { type Result } from 'autocannon';
import { PROJECT_ROOT } from '../src/config.js';
import { cpuTimeMs, RssSampler, SCENARIOS, blogTitle, enc, ogPath, ogText, peerOgPath, startServer, stopServer, type Server } from './harness.js';

/**
 * og-blog template requests/s at commit 2fd19b2 (before work on issue #11), measured with
 * `npm run bench` at default settings; the og-blog target is 2x this. 0 means unknown: the
 * ratio is then not printed and that half of the target shows `?`.
 */
export const OG_BLOG_BASELINE_RPS = 0;
/** og-blog PNG size target (issue #11): 100 KB. */
const OG_BLOG_MAX_BYTES = 100 * 1000;

const argv = process.argv.slice(2);
/** `--baseline DIR`: a checkout of commit 2fd19b2, built, whose og-blog rate is measured in the same run. */
const baselineArg = argv.indexOf('--baseline');
const baselineDir = baselineArg >= 0 ? path.resolve(argv[baselineArg + 1]) : null;
const BASELINE_ROW = 'og-blog (2fd19b2 build)';
const smoke = argv.includes('--smoke');
const quick = argv.includes('--quick') || smoke;
const DURATION = smoke ? 1 : quick ? 3 : 10;
const CONNECTIONS = smoke ? 4 : 16;
const roundsArg = argv.indexOf('--rounds');
const ROUNDS = roundsArg >= 0 ? Math.max(1, Number(argv[roundsArg + 1]) || 1) : quick ? 1 : 3;
const outArg = argv.indexOf('--out');
const profileDir = argv.includes('--cpu-prof') ? path.join(PROJECT_ROOT, 'bench', 'results', `prof-${Date.now()}`) : null;
/** Requests per system for bytes/image: the same texts for ours and the peers. */
const BYTE_SAMPLES = smoke ? 2 : 4;

/** One row of the table. */
export interface Row {
  scenario: string;
  'req/s': number;
  'p50 ms': number;
  'p99 ms': number;
  'bytes/image': number;
  'RSS MB': number;
  /** Server CPU time (all threads) per answered request, ms: robust to a busy machine, unlike req/s. */
  'CPU ms/req': number;
  errors: number;
  'bad status': number;
  target: string;
  measured: string;
  met: string;
}

/** One target of issue #11 with what this run measured. `met` null: cannot be judged (unknown baseline). */
export interface Check { target: string; measured: string; met: boolean | null }

/** A sample answer of a scenario: what the bytes/image figure was measured on. */
export interface Answer { status: number; contentType: string; kind: 'png' | 'jpeg' | 'other'; bytes: number }

/** autocannon's result with the status classes it reports but types/modules.d.ts does not declare. */
type Run = Result & Partial<Record<'1xx' | '2xx' | '3xx' | '4xx' | '5xx', number>>;

/** Figures of one autocannon run: only answers of the expected status count as throughput. */
interface Measured { rps: number; p50: number; p99: number; errors: number; bad: number; rssMb: number; cpuMs: number }


const r1 = (n: number): number => Math.round(n * 10) / 10;
const r2 = (n: number): number => Math.round(n * 100) / 100;
const ratio = (a: number, b: number): number => (b > 0 ? r2(a / b) : 0);
const yesNo = (met: boolean | null): string => (met === null ? '?' : met ? 'yes' : 'NO');

const sampler = new RssSampler(250);

async function load(base: string, makePath: () => string, opts: { rate?: number; headers?: Record<string, string> } = {}): Promise<Run> {
  return autocannon({
    url: base,
    // A fixed-rate run uses few connections so requests arrive spread out, not in bursts of 16.
    connections: opts.rate ? Math.min(4, CONNECTIONS) : CONNECTIONS,
    duration: DURATION,
    ...(opts.rate ? { overallRate: opts.rate } : {}),
    ...(opts.headers ? { headers: opts.headers } : {}),
    requests: [{ setupRequest: (req) => ({ ...req, path: makePath() }) }],
  }) as Promise<Run>;
}

/** Runs `makePath` against `server` for DURATION s; `good` is the status class that counts ('2xx', or '3xx' for 304s). */
async function measure(server: Server, makePath: () => string, opts: { rate?: number; headers?: Record<string, string>; good?: '2xx' | '3xx' } = {}): Promise<Measured> {
  const from = performance.now();
  const cpu0 = cpuTimeMs(server.proc.pid);
  const r = await load(server.base, makePath, opts);
  const to = performance.now();
  const cpu = cpuTimeMs(server.proc.pid) - cpu0;
  const good = r[opts.good ?? '2xx'] ?? 0;
  const answered = (['1xx', '2xx', '3xx', '4xx', '5xx'] as const).reduce((n, k) => n + (r[k] ?? 0), 0);
  return {
    rps: Math.round(good / Math.max(0.001, r.duration)),
    p50: r.latency.p50, p99: r.latency.p99,
    errors: r.errors + r.timeouts, bad: answered - good,
    rssMb: sampler.peak(server.proc.pid, from, to),
    // Server CPU per answered request: what a request costs, whatever else the machine is doing.
    cpuMs: answered > 0 ? r2(cpu / answered) : 0,
  };
}

/**
 * Waits (at most 5 s) until every server is idle: a server that just finished a run may still be
 * collecting garbage or freeing memory, and would take CPU from the next system's run.
 */
async function settle(servers: readonly Server[]): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const before = servers.map((sv) => cpuTimeMs(sv.proc.pid));
    await new Promise((r) => setTimeout(r, 250));
    const busy = servers.some((sv, k) => cpuTimeMs(sv.proc.pid) - before[k] > 25); // > 10% of a core
    if (!busy) return;
  }
}

/** Mean size of the answers to `paths` (one at a time), and the first answer's status and type. */
async function bytesOf(base: string, paths: string[]): Promise<Answer> {
  let total = 0;
  let first: Answer | null = null;
  for (const p of paths) {
    const res = await fetch(base + p);
    const body = new Uint8Array(await res.arrayBuffer());
    total += body.byteLength;
    const kind = body[0] === 0x89 && body[1] === 0x50 && body[2] === 0x4e && body[3] === 0x47 ? 'png' : body[0] === 0xff && body[1] === 0xd8 ? 'jpeg' : 'other';
    if (!first || (res.status !== 200 && first.status === 200)) first = { status: res.status, contentType: res.headers.get('content-type') ?? '', kind, bytes: body.byteLength };
  }
  return { ...first!, bytes: Math.round(total / Math.max(1, paths.length)) };
}

/** Fires `n` requests at once, twice: warms every worker thread of `base` for a scenario. */
async function warm(base: string, make: () => string, n = 8): Promise<void> {
  for (let i = 0; i < 2; i++) await Promise.all(Array.from({ length: n }, async () => (await fetch(base + make())).arrayBuffer()));
}

/** The run with the median rate of several rounds (the lower middle one for an even count), with errors summed. */
function median(runs: Measured[]): Measured {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  const mid = sorted[Math.floor((sorted.length - 1) / 2)];
  return { ...mid, errors: runs.reduce((n, r) => n + r.errors, 0), bad: runs.reduce((n, r) => n + r.bad, 0), rssMb: Math.max(...runs.map((r) => r.rssMb)) };
}

function toRow(scenario: string, m: Measured, bytes: number): Row {
  return {
    scenario, 'req/s': m.rps, 'p50 ms': m.p50, 'p99 ms': m.p99, 'bytes/image': bytes, 'RSS MB': m.rssMb, 'CPU ms/req': m.cpuMs,
    errors: m.errors, 'bad status': m.bad, target: '-', measured: '-', met: '-',
  };
}

/** Joins checks into a row's target/measured/met cells: NO if any fails, ? if one cannot be judged. */
function judge(row: Row, checks: Check[]): void {
  row.target = checks.map((c) => c.target).join('; ');
  row.measured = checks.map((c) => c.measured).join('; ');
  row.met = checks.some((c) => c.met === false) ? 'NO' : checks.some((c) => c.met === null) ? '?' : 'yes';
}

const TAKUMI = 'Takumi';
const SATORI = 'satori+resvg';
/** Row names of the peers (the satori names are those of earlier results files). */
const peerRow = (peer: string, scenario: string): string => `peer ${scenario} (${peer})`;

/** Runs the HTTP scenarios; returns rows, the issue's targets, summary figures and sample answers. */
export async function httpBench(): Promise<{ rows: Row[]; checks: Check[]; summary: Record<string, number>; answers: Record<string, Answer>; perRound: Record<string, number[]> }> {
  const rows: Row[] = [];
  const answers: Record<string, Answer> = {};
  const perRound: Record<string, number[]> = {};
  const profArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const suiteStart = performance.now();
  const ours = await startServer('dist/src/server.js', SCENARIOS.og(), { LOG_LEVEL: 'info' }, profArgs);
  sampler.watch(ours.proc.pid);
  const servers: Server[] = [ours];
  let suiteEnd = Infinity;
  try {
    const takumi = await startServer('dist/bench/peer/takumi-server.js', peerOgPath('warm'));
    servers.push(takumi);
    sampler.watch(takumi.proc.pid);
    const satori = await startServer('dist/bench/peer/satori-server.js', peerOgPath('warm'));
    servers.push(satori);
    sampler.watch(satori.proc.pid);

    // The og card of ours and of both peers, solid and gradient: the same texts for bytes/image.
    const systems = [
      { name: 'ours', server: ours, path: ogPath, row: (s: string) => s },
      { name: TAKUMI, server: takumi, path: peerOgPath, row: (s: string) => peerRow(TAKUMI, s) },
      { name: SATORI, server: satori, path: peerOgPath, row: (s: string) => peerRow(SATORI, s) },
    ];
    const comparisons = [{ scenario: 'og-cold', gradient: false }, { scenario: 'og-gradient-cold', gradient: true }];
    const sampleTexts = Array.from({ length: BYTE_SAMPLES }, () => ogText());
    for (const sys of systems) for (const c of comparisons) await warm(sys.server.base, () => sys.path(ogText(), c.gradient));
    const runs = new Map<string, Measured[]>();
    for (let round = 0; round < ROUNDS; round++) {
      const order = systems.map((_, i) => systems[(i + round) % systems.length]);
      for (const c of comparisons) {
        for (const sys of order) {
          await settle(servers);
          const m = await measure(sys.server, () => sys.path(ogText(), c.gradient));
          const name = sys.row(c.scenario);
          runs.set(name, [...(runs.get(name) ?? []), m]);
        }
      }
    }
    for (const c of comparisons) {
      for (const sys of systems) {
        const name = sys.row(c.scenario);
        const answer = await bytesOf(sys.server.base, sampleTexts.map((t) => sys.path(t, c.gradient)));
        answers[name] = answer;
        perRound[name] = runs.get(name)!.map((m) => m.rps);
        rows.push(toRow(name, median(runs.get(name)!), answer.bytes));
      }
    }

    // The peers are done: stop them so the rest of ours runs on a machine without them.
    for (const peer of [takumi, satori]) {
      servers.splice(servers.indexOf(peer), 1);
      await stopServer(peer);
    }
    // The satori peer ends holding gigabytes: give the kernel a moment to reclaim them before
    // the latency runs (page reclaim and compaction would otherwise stall our page faults).
    await new Promise((r) => setTimeout(r, 5000));

    // The rest of ours, one run each.
    const run = async (name: string, make: () => string, opts: { rate?: number; headers?: Record<string, string>; good?: '2xx' | '3xx' } = {}, sample: (() => string) | null = make) => {
      await settle(servers);
      const m = await measure(ours, make, opts);
      let bytes = 0;
      if (sample) {
        answers[name] = await bytesOf(ours.base, Array.from({ length: BYTE_SAMPLES }, sample));
        bytes = answers[name].bytes;
      }
      rows.push(toRow(name, m, bytes));
      return m;
    };
    const ogCold = rows.find((r) => r.scenario === 'og-cold')!;
    await run('og-cold @ half peak', SCENARIOS.og, { rate: Math.max(1, Math.round(ogCold['req/s'] / 2)) }, null);
    await run('badge-cold', SCENARIOS.badge);
    await run('poster-cjk-cold', SCENARIOS.posterCjk);
    const blog = (await (await fetch(`${ours.base}/templates/og-blog`)).json()) as { url: string };
    const blogPath = () => `${blog.url}${blog.url.includes('?') ? '&' : '?'}title=${enc(blogTitle())}`;
    await warm(ours.base, blogPath);
    if (!baselineDir) await run('og-blog', blogPath);
    else {
      // The same template on a build of 2fd19b2 (the og-blog speed target's reference), in rounds
      // alternating with ours so both see the same machine.
      const base = await startServer(path.relative(PROJECT_ROOT, path.join(baselineDir, 'dist/src/server.js')), SCENARIOS.og(), { LOG_LEVEL: 'info' });
      try {
        await warm(base.base, blogPath);
        const mine: Measured[] = [], theirs: Measured[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          await settle([ours, base]);
          mine.push(await measure(ours, blogPath));
          await settle([ours, base]);
          theirs.push(await measure(base, blogPath));
        }
        for (const [name, server, runs] of [['og-blog', ours, mine], [BASELINE_ROW, base, theirs]] as const) {
          answers[name] = await bytesOf(server.base, Array.from({ length: BYTE_SAMPLES }, blogPath));
          perRound[name] = runs.map((m) => m.rps);
          rows.push(toRow(name, median([...runs]), answers[name].bytes));
        }
      } finally {
        await stopServer(base);
      }
    }
    await run('hot', SCENARIOS.hot);
    const etag = (await fetch(ours.base + SCENARIOS.hot())).headers.get('etag') ?? '';
    await run('revalidate (304)', SCENARIOS.hot, { headers: { 'if-none-match': etag }, good: '3xx' }, null);
    suiteEnd = performance.now();
  } finally {
    sampler.sample();
    for (const s of servers.reverse()) await stopServer(s);
  }

  const get = (name: string) => rows.find((r) => r.scenario === name)!;
  const rps = (name: string) => get(name)['req/s'];
  const bytes = (name: string) => get(name)['bytes/image'];
  const peakRss = sampler.peak(ours.proc.pid, suiteStart, suiteEnd);
  /** og-blog req/s of the 2fd19b2 build: measured in this run (--baseline DIR), else the recorded figure. */
  const blogBaseline = (): number => rows.find((r) => r.scenario === BASELINE_ROW)?.['req/s'] ?? OG_BLOG_BASELINE_RPS;
  const summary: Record<string, number> = {
    'og-cold vs Takumi': ratio(rps('og-cold'), rps(peerRow(TAKUMI, 'og-cold'))),
    'og-gradient-cold vs Takumi': ratio(rps('og-gradient-cold'), rps(peerRow(TAKUMI, 'og-gradient-cold'))),
    'og-cold bytes vs Takumi': ratio(bytes('og-cold'), bytes(peerRow(TAKUMI, 'og-cold'))),
    'og-gradient-cold bytes vs Takumi': ratio(bytes('og-gradient-cold'), bytes(peerRow(TAKUMI, 'og-gradient-cold'))),
    'og-cold CPU/req vs Takumi': ratio(get('og-cold')['CPU ms/req'], get(peerRow(TAKUMI, 'og-cold'))['CPU ms/req']),
    'og-gradient-cold CPU/req vs Takumi': ratio(get('og-gradient-cold')['CPU ms/req'], get(peerRow(TAKUMI, 'og-gradient-cold'))['CPU ms/req']),
    'og-cold vs satori': ratio(rps('og-cold'), rps(peerRow(SATORI, 'og-cold'))),
    'og-gradient-cold vs satori': ratio(rps('og-gradient-cold'), rps(peerRow(SATORI, 'og-gradient-cold'))),
    'og-cold bytes vs satori': ratio(bytes('og-cold'), bytes(peerRow(SATORI, 'og-cold'))),
    'og-gradient-cold bytes vs satori': ratio(bytes('og-gradient-cold'), bytes(peerRow(SATORI, 'og-gradient-cold'))),
    ...(blogBaseline() > 0 ? { 'og-blog vs baseline': ratio(rps('og-blog'), blogBaseline()) } : {}),
    'peak RSS MB': peakRss,
    'RSS samples': sampler.count(ours.proc.pid),
    'start to first render ms': ours.startToFirstRenderMs,
  };

  // Issue #11's targets, per row.
  const vsTakumi = (scenario: string, min: number): Check[] => [
    { target: `>= ${min}x Takumi req/s`, measured: `${summary[`${scenario} vs Takumi`]}x`, met: summary[`${scenario} vs Takumi`] >= min },
    { target: 'PNG bytes <= Takumi', measured: `${summary[`${scenario} bytes vs Takumi`]}x`, met: bytes(scenario) <= bytes(peerRow(TAKUMI, scenario)) },
  ];
  const minRps = (scenario: string, min: number): Check => ({ target: `>= ${min.toLocaleString('en')} req/s`, measured: `${rps(scenario)} req/s`, met: rps(scenario) >= min });
  const targets: [string, Check[]][] = [
    ['og-cold', vsTakumi('og-cold', 2)],
    ['og-gradient-cold', vsTakumi('og-gradient-cold', 1.5)],
    ['og-cold @ half peak', [{ target: 'p99 <= 25 ms', measured: `${get('og-cold @ half peak')['p99 ms']} ms`, met: get('og-cold @ half peak')['p99 ms'] <= 25 }]],
    ['badge-cold', [minRps('badge-cold', 2000)]],
    ['poster-cjk-cold', [minRps('poster-cjk-cold', 120)]],
    ['og-blog', [
      { target: 'PNG <= 100 KB', measured: `${r1(bytes('og-blog') / 1000)} KB`, met: bytes('og-blog') <= OG_BLOG_MAX_BYTES },
      blogBaseline() > 0
        ? { target: `>= 2x 2fd19b2 (${blogBaseline()} req/s${baselineDir ? ', this run' : ''})`, measured: `${summary['og-blog vs baseline']}x`, met: summary['og-blog vs baseline'] >= 2 }
        : { target: '>= 2x 2fd19b2 req/s', measured: 'baseline unknown', met: null },
    ]],
    ['hot', [minRps('hot', 20_000)]],
    ['revalidate (304)', [minRps('revalidate (304)', 20_000)]],
  ];
  const checks: Check[] = [];
  for (const [scenario, list] of targets) {
    judge(get(scenario), list);
    for (const c of list) checks.push({ ...c, target: `${scenario}: ${c.target}` });
  }
  checks.push({ target: 'server RSS over the whole suite <= 400 MB', measured: `${peakRss} MB peak`, met: peakRss > 0 && peakRss <= 400 });
  return { rows, checks, summary, answers, perRound };
}

/** A markdown table of `rows` (the columns of the first row). */
function markdown(rows: Record<string, unknown>[]): string {
  const cols = Object.keys(rows[0]);
  const cell = (v: unknown) => String(v).replace(/\|/g, '\\|');
  return [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${cols.map((c) => cell(r[c])).join(' | ')} |`)].join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const inProcess = smoke ? null : await (await import('./render-card.js')).renderCardBench();
  const { rows, checks, summary, answers, perRound } = await httpBench();
  sampler.stop();
  const head = `HTTP scenarios: ${DURATION} s per run, ${CONNECTIONS} connections, load generator on the same machine; ` +
    `og-cold and og-gradient-cold of ours and the peers: ${ROUNDS} interleaved round${ROUNDS > 1 ? 's' : ''}, median shown`;
  console.log(`\n${head}`);
  console.table(rows);
  if (ROUNDS > 1) console.log('req/s per round:', Object.fromEntries(Object.entries(perRound).map(([k, v]) => [k, v.join(' / ')])));
  console.log('summary:', summary);
  console.log('\nTargets (issue #11):');
  console.table(checks.map((c) => ({ ...c, met: yesNo(c.met) })));
  for (const [name, a] of Object.entries(answers)) {
    const want = name.startsWith('poster') ? 'jpeg' : 'png';
    if (a.status !== 200 || a.kind !== want) console.warn(`WARNING: ${name} answered ${a.status} ${a.contentType} (${a.kind}), expected a ${want}`);
  }
  console.log(`\nMarkdown (${new Date().toISOString().slice(0, 10)}, ${os.availableParallelism()} cores, ${head}):\n`);
  console.log(markdown(rows as unknown as Record<string, unknown>[]));
  console.log('');
  console.log(markdown(checks.map((c) => ({ target: c.target, measured: c.measured, met: yesNo(c.met) }))));
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
  fs.writeFileSync(file, JSON.stringify({
    node: process.version, cores: os.availableParallelism(), durationS: DURATION, connections: CONNECTIONS, rounds: ROUNDS,
    ogBlogBaselineRps: OG_BLOG_BASELINE_RPS, rows, checks, summary, perRound, answers, inProcess, seconds: (Date.now() - started) / 1000,
  }, null, 2));
  console.log(`results: ${path.relative(PROJECT_ROOT, file)} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) void main();
