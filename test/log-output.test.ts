/**
 * Log output: pretty on a terminal and JSON otherwise (LOG_FORMAT), the start banner, and a log
 * destination that never blocks the process: with stdout a pipe nobody reads, the server keeps
 * answering, drops and counts lines (letterpress_log_lines_dropped_total), says so once the
 * reader is back, and SIGTERM still exits within SHUTDOWN_TIMEOUT_MS.
 */
import type { ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { LogSink, logFormat } from '../src/logging.js';
import { serveChild, waitFor } from './helpers.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** A writable that holds everything written until `release()`, like a pipe whose reader stalled. */
class StalledOutput extends Writable {
  readonly chunks: string[] = [];
  private held: (() => void)[] = [];
  private open = false;
  constructor() {
    super({ highWaterMark: 1024, decodeStrings: false });
  }
  override _write(chunk: string | Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(String(chunk));
    if (this.open) cb();
    else this.held.push(cb);
  }
  release(): void {
    this.open = true;
    for (const cb of this.held.splice(0)) cb();
  }
}

describe('log format', () => {
  it('auto is pretty on a terminal and JSON on a pipe; NODE_ENV=production and LOG_FORMAT=json force JSON', () => {
    expect(logFormat(loadConfig({}), { isTTY: true } as never)).toBe('pretty');
    expect(logFormat(loadConfig({}), { isTTY: false } as never)).toBe('json');
    expect(logFormat(loadConfig({ NODE_ENV: 'production', ALLOW_UNSIGNED: '1' }), { isTTY: true } as never)).toBe('json');
    expect(logFormat(loadConfig({ LOG_FORMAT: 'json' }), { isTTY: true } as never)).toBe('json');
    expect(logFormat(loadConfig({ LOG_FORMAT: 'pretty' }), { isTTY: false } as never)).toBe('pretty');
    expect(() => loadConfig({ LOG_FORMAT: 'yaml' })).toThrow(/LOG_FORMAT="yaml": expected pretty\|json\|auto/);
  });

  it('pretty mode prints plain lines and a banner with the listening, playground, docs and example URLs', async () => {
    const { base, stdout } = await serveChild({ POOL_SIZE: '1', LOG_FORMAT: 'pretty' }, children);
    const port = new URL(base).port;
    const text = await waitFor(async () => (/Example/.test(stdout()) ? stdout() : null), 10_000, 'banner');
    expect(text).toContain(`listening on ${base}`);
    expect(text).toMatch(new RegExp(`Playground +http://localhost:${port}/\\n`));
    expect(text).toMatch(new RegExp(`API docs +http://localhost:${port}/docs(/json)?\\n`));
    expect(text).toMatch(new RegExp(`Example +http://localhost:${port}/render\\.png\\?text=`));
    expect(text).toMatch(/INFO: worker pool warm/);
    expect(text.split('\n').some((l) => l.startsWith('{'))).toBe(false);
  }, 60_000);

  it('JSON mode puts the same URLs on one structured line', async () => {
    const { base, stdout } = await serveChild({ POOL_SIZE: '1', LOG_FORMAT: 'json' }, children);
    const port = new URL(base).port;
    const line = await waitFor(async () => stdout().split('\n').find((l) => l.includes('"letterpress ready"')), 10_000, 'ready line');
    const ready = JSON.parse(line) as Record<string, string>;
    expect(ready).toMatchObject({ listening: base, playground: `http://localhost:${port}/` });
    expect(ready.docs).toMatch(new RegExp(`^http://localhost:${port}/docs(/json)?$`));
    expect(ready.example).toMatch(new RegExp(`^http://localhost:${port}/render\\.png\\?text=`));
    // Every URL the banner shows works.
    for (const url of [ready.playground, ready.docs, ready.example]) expect((await fetch(url.replace('localhost', '127.0.0.1'))).status, url).toBe(200);
  }, 60_000);
});

describe('a stalled log reader', () => {
  it('the sink keeps at most maxBytes waiting, drops and counts the rest, and says so when the reader is back', async () => {
    const out = new StalledOutput();
    const sink = new LogSink(out, { pretty: false, maxBytes: 4096 });
    const line = `${JSON.stringify({ level: 30, msg: 'x'.repeat(200) })}\n`;
    for (let i = 0; i < 100; i++) sink.write(line);
    expect(sink.pending).toBeLessThanOrEqual(4096);
    expect(sink.dropped).toBeGreaterThan(70);
    const dropped = sink.dropped;
    out.release();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(out.chunks.length).toBe(100 - dropped + 1);
    const warning = out.chunks.find((c) => c.includes('log lines dropped'));
    expect(warning).toBeDefined();
    expect(JSON.parse(warning!)).toMatchObject({ level: 40, dropped, droppedTotal: dropped });
  });

  it('never blocks the server: it answers, counts dropped lines in /metrics, and SIGTERM exits within SHUTDOWN_TIMEOUT_MS', async () => {
    const timeoutMs = 3000;
    const { proc, base } = await serveChild({ POOL_SIZE: '1', SHUTDOWN_TIMEOUT_MS: String(timeoutMs) }, children);
    proc.stdout!.pause(); // from here on nobody reads the pipe
    proc.stdout!.removeAllListeners('data');
    // Each request logs its x-request-id: 300 requests of 8 KB ids are ~2.4 MB of log lines,
    // far more than the pipe, the reader's buffer and the sink's bound hold.
    const flood = async (tag: string): Promise<void> => {
      for (let k = 0; k < 30; k++) {
        await Promise.all(Array.from({ length: 10 }, async (_, i) => {
          const r = await fetch(`${base}/healthz`, { headers: { 'x-request-id': `${tag}-${k}-${i}-${'r'.repeat(8192)}` }, signal: AbortSignal.timeout(5000) });
          expect(r.status).toBe(200);
          await r.arrayBuffer();
        }));
      }
    };
    await flood('a');
    const metrics = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const dropped = Number(/^letterpress_log_lines_dropped_total (\d+)/m.exec(metrics)?.[1]);
    expect(dropped).toBeGreaterThan(0);

    // The reader comes back: one warning line says how many lines were lost.
    let seen = '';
    proc.stdout!.on('data', (d: Buffer) => (seen += d.toString()));
    proc.stdout!.resume();
    const warning = await waitFor(async () => seen.split('\n').find((l) => l.includes('log lines dropped')), 10_000, 'the dropped-lines warning');
    expect(JSON.parse(warning)).toMatchObject({ level: 40 });
    expect((JSON.parse(warning) as { dropped: number }).dropped).toBeGreaterThanOrEqual(dropped);

    // Stalled again, with lines waiting: SIGTERM still exits, and within the deadline.
    proc.stdout!.pause();
    proc.stdout!.removeAllListeners('data');
    await flood('b');
    const t0 = Date.now();
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGTERM');
    const code = await exited;
    expect(Date.now() - t0).toBeLessThan(timeoutMs + 2000);
    expect(code).toBe(0);
  }, 90_000);
});
