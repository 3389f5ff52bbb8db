/**
 * Overload run: find og-cold capacity, then offer 3x that rate (open loop) for 30 s
 * (`--quick`: 10 s) and report whether successful renders keep a bounded p99, whether refusals
 * (503) are fast, and whether RSS stays flat. Then 256 connections in a closed loop (each sends
 * its next request as soon as it has an answer, as a crowd of impatient clients does): goodput
 * (successful renders/s) as a share of capacity, which collapses when refusing costs the CPU the
 * renders need.
 *
 *   npm run build && node dist/bench/overload.js [--quick]
 */
import autocannon from 'autocannon';
import { openLoop, percentile } from './open-loop.js';
import { SCENARIOS, rssMb, startServer, stopServer } from './harness.js';

const smoke = process.argv.includes('--smoke');
const quick = process.argv.includes('--quick') || smoke;
const SECONDS = smoke ? 3 : quick ? 10 : 30;

async function main(): Promise<void> {
  const server = await startServer('dist/src/server.js', SCENARIOS.og(), { LOG_LEVEL: 'warn' });
  try {
    const probe = await autocannon({ url: server.base, connections: 16, duration: smoke ? 2 : 5, requests: [{ setupRequest: (req) => ({ ...req, path: SCENARIOS.og() }) }] });
    const capacity = Math.max(1, Math.round(probe.requests.average));
    const rate = capacity * 3;
    const rss: number[] = [];
    console.log(`capacity ~${capacity} req/s (og-cold); offering ${rate} req/s for ${SECONDS} s`);
    const byStatus = await openLoop(server.base, SCENARIOS.og, rate, SECONDS, () => rss.push(rssMb(server.proc.pid)));
    const ok = byStatus.get(200) ?? [];
    const refused = byStatus.get(503) ?? [];
    const other = [...byStatus.entries()].filter(([s]) => s !== 200 && s !== 503).reduce((n, [, v]) => n + v.length, 0);
    const third = Math.max(1, Math.floor(rss.length / 3));
    const avg = (xs: number[]): number => Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
    const rows = [{
      'offered req/s': rate, 'served/s': Math.round(ok.length / SECONDS), 'refused/s': Math.round(refused.length / SECONDS), other,
      'served p50 ms': Math.round(percentile(ok, 50)), 'served p99 ms': Math.round(percentile(ok, 99)),
      '503 p50 ms': +percentile(refused, 50).toFixed(1), '503 p99 ms': +percentile(refused, 99).toFixed(1),
      'RSS MB first third': avg(rss.slice(0, third)), 'RSS MB last third': avg(rss.slice(-third)),
    }];
    console.table(rows);
    const crowd = await closedLoop(server.base, 256, SECONDS);
    // Capacity: the better of the 16-connection probe and what the open loop served (a probe on a
    // shared machine can read low, which would flatter the percentage).
    const best = Math.max(capacity, Math.round(ok.length / SECONDS));
    const goodput = Math.round((crowd['served/s'] / best) * 100);
    console.log(`256 connections, closed loop, ${SECONDS} s:`);
    console.table([{ ...crowd, 'capacity req/s': best, 'goodput % of capacity': goodput }]);
    if (process.argv.includes('--json')) {
      console.log(JSON.stringify({ ...rows[0], 'crowd served/s': crowd['served/s'], 'crowd refused/s': crowd['refused/s'], 'crowd goodput %': goodput }));
    }
  } finally {
    await stopServer(server);
  }
}

/** `connections` clients each sending og-cold requests back to back; served and refused per second. */
async function closedLoop(base: string, connections: number, seconds: number): Promise<{ 'served/s': number; 'refused/s': number; 'served p99 ms': number; other: number }> {
  const r = await autocannon({ url: base, connections, duration: seconds, requests: [{ setupRequest: (req) => ({ ...req, path: SCENARIOS.og() }) }] });
  const ok = r['2xx'];
  const refused = (r as unknown as Record<string, number>)['5xx'];
  return { 'served/s': Math.round(ok / seconds), 'refused/s': Math.round(refused / seconds), 'served p99 ms': r.latency.p99, other: r.non2xx - refused + r.errors + r.timeouts };
}

void main();
