/**
 * Soak run: a fixed rate of unique og-cold renders for N minutes (default 5; `--minutes N`,
 * `--rate R` req/s, default 40), sampling the server's RSS (/proc) and V8 heap (/metrics) every
 * 10 s, then reporting growth from the first to the last minute.
 *
 *   npm run build && node dist/bench/soak.js --minutes 10
 */
import { openLoop, percentile } from './open-loop.js';
import { SCENARIOS, rssMb, startServer, stopServer } from './harness.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const MINUTES = arg('--minutes', 5);
const RATE = arg('--rate', 40);

async function heapMb(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('letterpress_nodejs_heap_size_used_bytes '));
  return line ? Math.round(Number(line.split(' ')[1]) / 1048576) : 0;
}

async function main(): Promise<void> {
  const server = await startServer('dist/src/server.js', SCENARIOS.og(), { LOG_LEVEL: 'warn' });
  const samples: { s: number; rss: number; heap: number }[] = [];
  try {
    const byStatus = await openLoop(server.base, SCENARIOS.og, RATE, MINUTES * 60, (s) => {
      if (s % 10 === 0) void heapMb(server.base).then((heap) => samples.push({ s, rss: rssMb(server.proc.pid), heap }));
    });
    const ok = byStatus.get(200) ?? [];
    const bad = [...byStatus.entries()].filter(([st]) => st !== 200).reduce((n, [, v]) => n + v.length, 0);
    const window = samples.filter((x) => x.s <= 60);
    const last = samples.filter((x) => x.s > (samples.at(-1)?.s ?? 0) - 60);
    const avg = (xs: number[]): number => Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
    console.table(samples);
    const summary = {
      minutes: MINUTES, 'req/s': RATE, served: ok.length, 'not 200': bad, 'p99 ms': Math.round(percentile(ok, 99)),
      'RSS MB first min': avg(window.map((x) => x.rss)), 'RSS MB last min': avg(last.map((x) => x.rss)),
      'heap MB first min': avg(window.map((x) => x.heap)), 'heap MB last min': avg(last.map((x) => x.heap)),
    };
    console.table([summary]);
    if (process.argv.includes('--json')) console.log(JSON.stringify(summary));
  } finally {
    await stopServer(server);
  }
}

void main();
