/**
 * An open-loop load generator: sends requests at a fixed rate whatever the answers (unlike a
 * closed loop, an overloaded server cannot slow the arrivals down), and records the latency of
 * every response by status, so served and refused requests are measured apart.
 */
import http from 'node:http';

/** Latencies in ms, by HTTP status (0 for transport errors). */
export type LatenciesByStatus = Map<number, number[]>;

/** The p-th percentile (0-100) of values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Sends `rate` requests/s for `seconds` to `base` + makePath(); resolves when all have answered. */
export async function openLoop(base: string, makePath: () => string, rate: number, seconds: number, onTick?: (elapsedS: number) => void): Promise<LatenciesByStatus> {
  const url = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const out: LatenciesByStatus = new Map();
  const record = (status: number, ms: number): void => {
    const list = out.get(status) ?? [];
    list.push(ms);
    out.set(status, list);
  };
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  let sent = 0;
  let lastTick = 0;
  while (performance.now() - t0 < seconds * 1000) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    for (; sent < due; sent++) {
      const start = performance.now();
      pending.push(new Promise<void>((resolve) => {
        const req = http.get({ host: url.hostname, port: url.port, path: makePath(), agent }, (res) => {
          res.resume();
          res.on('end', () => {
            record(res.statusCode ?? 0, performance.now() - start);
            resolve();
          });
        });
        req.on('error', () => {
          record(0, performance.now() - start);
          resolve();
        });
      }));
    }
    const elapsed = Math.floor((performance.now() - t0) / 1000);
    if (onTick && elapsed > lastTick) {
      lastTick = elapsed;
      onTick(elapsed);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(pending);
  agent.destroy();
  return out;
}
