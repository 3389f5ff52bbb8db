/**
 * Shutdown in real child processes (`node dist/src/server.js`): with a job running and its event
 * stream open, SIGTERM stops the engine (rows finish or stay pending), sends the stream a final
 * `shutdown` event, drains and exits 0 at once; SIGTERM during start-up exits 0 cleanly; and the
 * shutdown deadline holds even when the main thread is stuck (the watchdog thread).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { PROJECT_ROOT } from '../src/config.js';
import { EmbeddedEngine } from '../src/jobs/embedded-engine.js';
import type { RetryHooks } from '../src/jobs/item-renderer.js';
import { moveItem, type ItemRecord } from '../src/jobs/job-model.js';
import { FileJobStore } from '../src/jobs/job-store.js';
import { serveChild, waitFor } from './helpers.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

const exitOf = (proc: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  new Promise((r) => proc.once('exit', (code, signal) => r({ code, signal })));

/** Starts the server and resolves once its stdout matches `until`, with the output so far. */
async function startUntil(env: Record<string, string>, until: RegExp, args = ['dist/src/server.js']): Promise<{ proc: ChildProcess; out: () => string }> {
  const proc = spawn(process.execPath, args.map((a, i) => (i === 0 ? path.join(PROJECT_ROOT, a) : a)), {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', LOG_FORMAT: 'json', DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'lp-stop-')), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  let buf = '';
  proc.stderr!.resume();
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (until.test(buf)) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`server exited with ${code} before ${until}`)));
  });
  return { proc, out: () => buf };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

interface LogLine { n: number; state: string }

describe('shutdown with a job running and its event stream open', () => {
  it('ends the stream with a final shutdown event, stops the engine (rows done or pending), exits 0 promptly', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-sse-'));
    const timeoutMs = 30_000;
    const { proc, base } = await serveChild({ DATA_DIR: dataDir, POOL_SIZE: '1', JOB_CONCURRENCY: '1', SHUTDOWN_TIMEOUT_MS: String(timeoutMs) }, children);
    const rows = Array.from({ length: 40 }, (_, i) => ({ event: `Shutdown test ${i + 1}` }));
    const res = await fetch(`${base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ template: 'event-poster', rows }) });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };

    const events = await fetch(`${base}/jobs/${id}/events`);
    expect(events.status).toBe(200);
    const reader = events.body!.getReader();
    let sse = '';
    const streamEnded = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        sse += Buffer.from(value).toString();
      }
    })();
    await waitFor(async () => /"done":[1-9]/.test(sse), 60_000, 'a row done on the event stream');

    const t0 = Date.now();
    const exited = exitOf(proc);
    proc.kill('SIGTERM');
    await streamEnded;
    const { code } = await exited;
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(8000);
    const last = sse.trim().split('\n\n').at(-1)!;
    expect(last).toMatch(/^event: shutdown\ndata: /);
    expect(JSON.parse(last.split('data: ')[1])).toMatchObject({ state: 'running' });

    // Nothing lost: each row is done (with its image) or pending for the next start; the job resumes.
    const finalState = new Map<number, string>();
    for (const l of fs.readFileSync(path.join(dataDir, 'jobs', id, 'items.log'), 'utf8').split('\n').filter(Boolean)) {
      const it = JSON.parse(l) as LogLine;
      finalState.set(it.n, it.state);
    }
    const states = [...finalState.values()];
    expect(states.every((s) => s === 'done' || s === 'pending')).toBe(true);
    const done = [...finalState].filter(([, s]) => s === 'done').map(([n]) => n);
    expect(done.length).toBeGreaterThan(0);
    expect(done.length).toBeLessThan(40);
    const results = fs.readdirSync(path.join(dataDir, 'jobs', id, 'results'));
    for (const n of done) expect(results).toContain(`${n}.jpg`);
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'jobs', id, 'job.json'), 'utf8'))).toMatchObject({ state: 'running' });
  }, 120_000);
});

describe('the embedded engine stopping', () => {
  it('hands a row that timed out and waits for its retry back as pending, on disk', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-engine-stop-'));
    let timedOut!: () => void;
    const reachedTimeout = new Promise<void>((r) => (timedOut = r));
    let retry!: () => void;
    const retryGate = new Promise<void>((r) => (retry = r));
    // A renderer whose first attempt times out; the retry waits until the engine is closing.
    const renderer = {
      async renderWithRetries(item: ItemRecord, _source: unknown, _row: unknown, _retries: number, hooks: RetryHooks) {
        item = moveItem(item, 'rendering', { attempts: 1 });
        await hooks.save(item);
        await hooks.save(moveItem(item, 'timeout', { error: { code: 'render_timeout', message: 'slow' } }));
        timedOut();
        await retryGate;
        if (hooks.keepGoing && !(await hooks.keepGoing())) return null;
        throw new Error('the engine should have stopped this row');
      },
    };
    const engine = new EmbeddedEngine(new FileJobStore(dir), renderer as never, { concurrency: 1, maxActive: 1, maxPending: 10, retries: 2, ttlMs: 60_000 }, pino({ level: 'silent' }));
    await engine.start();
    const { job } = await engine.submit({ source: { kind: 'template', template: 'status-badge', format: 'png' }, rows: [{}], webhook: null }, null, 'hash');
    await reachedTimeout;
    const closed = engine.close();
    retry();
    await closed;
    const reopened = new FileJobStore(dir);
    await reopened.open();
    const items = await reopened.items(job.id);
    reopened.close();
    expect(items.map((it) => it.state)).toEqual(['pending']);
  });
});

describe('SIGTERM during start-up', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['while the app is being built', {}, /"fonts catalogued"/],
    ['while the pool warms', { POOL_SIZE: '2' }, /Server listening at/],
  ];
  for (const [when, env, until] of cases) {
    it(`${when}: exits 0 after a clean shutdown`, async () => {
      const { proc, out } = await startUntil(env, until);
      const exited = exitOf(proc);
      proc.kill('SIGTERM');
      const { code, signal } = await exited;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(out()).toMatch(/"shut down"/);
      expect(out()).not.toMatch(/letterpress ready/);
    }, 60_000);
  }

  it('while Redis is unreachable: exits 0 after a clean shutdown', async () => {
    const port = await closedPort();
    const { proc, out } = await startUntil({ POOL_SIZE: '1', REDIS_URL: `redis://127.0.0.1:${port}` }, /"worker pool warm"/);
    const t0 = Date.now();
    const exited = exitOf(proc);
    proc.kill('SIGTERM');
    const { code, signal } = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(out()).toMatch(/"shut down"/);
  }, 60_000);

  it('a letterpress worker while Redis is unreachable: exits 0 after a clean shutdown', async () => {
    const port = await closedPort();
    const { proc, out } = await startUntil({ POOL_SIZE: '1', REDIS_URL: `redis://127.0.0.1:${port}` }, /"letterpress worker starting"/, ['dist/src/cli.js', 'worker']);
    await new Promise((r) => setTimeout(r, 1500)); // the pool warms, the engine waits for Redis
    const exited = exitOf(proc);
    proc.kill('SIGTERM');
    const { code, signal } = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(out()).toMatch(/"shut down"/);
  }, 60_000);
});

describe('the shutdown deadline', () => {
  it('holds when the main thread is stuck: the watchdog thread kills the process', async () => {
    const script = `import { startWatchdog } from ${JSON.stringify(path.join(PROJECT_ROOT, 'dist/src/shutdown.js'))};
startWatchdog(300);
setTimeout(() => { for (;;) {} }, 0); // the main thread never returns to its event loop`;
    const proc = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(proc);
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const t0 = Date.now();
    const { signal } = await exitOf(proc);
    expect(signal).toBe('SIGKILL');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(err).toMatch(/main thread is stuck/);
  }, 30_000);
});
