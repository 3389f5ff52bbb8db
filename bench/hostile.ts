/**
 * Hostile documents vs everyone else: a steady open-loop stream of og-cold card renders, first
 * alone, then while a client keeps POSTing hostile poster documents back to back (an SVG under
 * an image/png label, a decompression-bomb PNG, garbage bytes, a JPEG whose header lies).
 * Reports the cards' p50/p99 in both phases and their ratio: one bad request must not slow the
 * others (target: p99 under hostile load within 2x of idle).
 *
 *   npm run build && node dist/bench/hostile.js [--quick] [--rate N]
 */
import zlib from 'node:zlib';
import sharp from 'sharp';
import { chunk, SIGNATURE } from '../workers/png-indexed.js';
import { openLoop, percentile } from './open-loop.js';
import { SCENARIOS, startServer, stopServer } from './harness.js';

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 5 : 15;
const rateArg = process.argv.indexOf('--rate');
const RATE = rateArg > 0 ? Number(process.argv[rateArg + 1]) : 40;
/** Hostile documents a second, sent one at a time (each waits for the previous answer). */
const HOSTILE_RATE = 10;

/** A PNG whose header declares width x height, with rows of zeros deflated to almost nothing. */
function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const rows = zlib.deflateSync(Buffer.alloc((width + 1) * Math.min(height, 256)), { level: 9 });
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', rows), chunk('IEND', Buffer.alloc(0))]);
}

async function hostileDocuments(): Promise<{ name: string; body: string }[]> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="4000"><filter id="f"><feGaussianBlur stdDeviation="400"/><feTurbulence baseFrequency="0.9" numOctaves="10"/></filter>${'<rect width="4000" height="4000" filter="url(#f)"/>'.repeat(100)}</svg>`;
  // A JPEG whose header claims 16000x16000 (over MAX_PIXELS) but whose data is tiny.
  const liar = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#888' } }).jpeg().toBuffer();
  const sof = liar.indexOf(Buffer.from([0xff, 0xc0]));
  liar.writeUInt16BE(16000, sof + 5);
  liar.writeUInt16BE(16000, sof + 7);
  const doc = (src: string): string => JSON.stringify({ width: 1200, height: 630, layers: [{ type: 'image', src, fit: 'cover' }, { type: 'text', text: 'hostile' }] });
  return [
    { name: 'svg-as-png', body: doc(`data:image/png;base64,${Buffer.from(svg).toString('base64')}`) },
    { name: 'png-bomb', body: doc(`data:image/png;base64,${pngBomb(30000, 30000).toString('base64')}`) },
    { name: 'garbage', body: doc(`data:image/png;base64,${Buffer.alloc(9000, 7).toString('base64')}`) },
    { name: 'jpeg-header-lies', body: doc(`data:image/jpeg;base64,${liar.toString('base64')}`) },
  ];
}

/** POSTs the documents in turn, one at a time, HOSTILE_RATE a second, until `stop()`; counts answers by status. */
function hostileClient(base: string, docs: { name: string; body: string }[]): { stop: () => Promise<Map<string, number>> } {
  let running = true;
  const seen = new Map<string, number>();
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const d = docs[i % docs.length];
      const res = await fetch(`${base}/render`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: d.body }).catch(() => null);
      if (res) await res.arrayBuffer();
      const key = `${d.name} ${res?.status ?? 'error'}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 1000 / HOSTILE_RATE));
    }
  })();
  return { stop: async () => { running = false; await loop; return seen; } };
}

async function main(): Promise<void> {
  const server = await startServer('dist/src/server.js', SCENARIOS.og(), { LOG_LEVEL: 'warn', MAX_DATA_URI_KB: '4096' });
  try {
    const docs = await hostileDocuments();
    if (process.argv.includes('--each')) {
      for (const d of docs) {
        for (let i = 0; i < 3; i++) {
          const t0 = performance.now();
          const res = await fetch(`${server.base}/render`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: d.body });
          const text = await res.text();
          console.log(d.name, res.status, `${(performance.now() - t0).toFixed(1)} ms`, text.slice(0, 120));
        }
      }
    }
    await openLoop(server.base, SCENARIOS.og, RATE, 2); // warm-up
    const idle = (await openLoop(server.base, SCENARIOS.og, RATE, SECONDS)).get(200) ?? [];
    const client = hostileClient(server.base, docs);
    const loaded = (await openLoop(server.base, SCENARIOS.og, RATE, SECONDS)).get(200) ?? [];
    const hostile = await client.stop();
    const p = (xs: number[], q: number): number => +percentile(xs, q).toFixed(1);
    const rows = [
      { phase: 'cards alone', 'cards served': idle.length, 'p50 ms': p(idle, 50), 'p99 ms': p(idle, 99) },
      { phase: 'cards + hostile documents', 'cards served': loaded.length, 'p50 ms': p(loaded, 50), 'p99 ms': p(loaded, 99) },
    ];
    console.log(`og-cold cards at ${RATE} req/s (open loop), ${SECONDS} s per phase; hostile documents at up to ${HOSTILE_RATE}/s, one at a time`);
    console.table(rows);
    console.log('hostile answers:', Object.fromEntries(hostile));
    console.log(`p99 ratio (hostile / alone): ${(p(loaded, 99) / Math.max(0.1, p(idle, 99))).toFixed(2)}x (target <= 2x)`);
  } finally {
    await stopServer(server);
  }
}

void main();
