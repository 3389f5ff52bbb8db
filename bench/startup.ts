/**
 * Start-up and idle-memory benchmark (`npm run bench:startup`): starts the built server N times
 * (default 3) and reports, per run and as the median, the time from process start until the first
 * render is answered, and the server's resident memory after it has sat idle for 3 s.
 *
 *   npm run bench:startup -- --runs 5
 */
import { SCENARIOS, rssMb, startServer, stopServer } from './harness.js';

const argv = process.argv.slice(2);
const runsArg = argv.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(argv[runsArg + 1]) : 3;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const starts: number[] = [];
const rss: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const s = await startServer('dist/src/server.js', SCENARIOS.hot(), { LOG_LEVEL: 'warn' });
  await new Promise((r) => setTimeout(r, 3000));
  starts.push(s.startToFirstRenderMs);
  rss.push(rssMb(s.proc.pid));
  await stopServer(s);
  console.log(`run ${i + 1}: start -> first render ${s.startToFirstRenderMs} ms, idle RSS ${rss[i]} MB`);
}
console.log(JSON.stringify({ runs: RUNS, startToFirstRenderMs: median(starts), idleRssMb: median(rss) }));
