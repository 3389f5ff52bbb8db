/**
 * Redis faults, in real processes, against a redis-server this test owns (so it can be stopped
 * and killed): unreachable at start, stalled (SIGSTOP), killed and restarted empty on the same
 * port (no persistence). The API must answer 503 `jobs_unavailable` with Retry-After quickly
 * while Redis is away (REDIS_TIMEOUT_MS bounds a stall), /readyz must say so, everything must come
 * back by itself, errors must be rate-limited JSON log lines (no stack traces), and the results
 * of a job Redis forgot must be swept after the grace period.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startApp, waitFor } from './helpers.js';
import { PrivateRedis, startServer, stackTraceLines, waitStatus } from './process-helpers.js';

const children: ChildProcess[] = [];
const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
let redis: PrivateRedis | null = null;
afterAll(() => {
  redis?.stop();
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Fetches and measures how long the answer took. */
async function timed(url: string, init?: RequestInit): Promise<{ status: number; ms: number; retryAfter: string | null; body: { error?: { code: string }; reason?: string; state?: string } }> {
  const t0 = Date.now();
  const res = await fetch(url, init);
  const body = (await res.json()) as { error?: { code: string }; reason?: string; state?: string };
  return { status: res.status, ms: Date.now() - t0, retryAfter: res.headers.get('retry-after'), body };
}

describe.runIf(hasRedis || process.env.CI)('Redis outages', () => {
  it('answers 503 fast while Redis is unreachable, stalled or restarting, recovers by itself, logs no stack traces, sweeps orphaned results', async () => {
    if (!hasRedis) throw new Error('CI=true but redis-server is not installed (.ci/run installs it)');
    redis = await PrivateRedis.create(); // port reserved, not started: unreachable at start
    const results = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-outage-'));
    const server = await startServer({
      REDIS_URL: redis.url, RESULTS_DIR: results, DATA_DIR: results, POOL_SIZE: '1', JOB_CONCURRENCY: '1',
      REDIS_TIMEOUT_MS: '500', JOB_ORPHAN_GRACE_S: '2', JOB_LOCK_MS: '2000',
    }, children);
    const jobs = `${server.base}/jobs`;
    const submit = (rows: unknown[]) => timed(jobs, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ template: 'status-badge', rows }) });

    // 1. Unreachable at start: alive, not ready, and job calls refused at once.
    await waitStatus(server.base, '/healthz', 200, 60_000);
    const notReady = await waitFor(async () => {
      const r = await timed(`${server.base}/readyz`);
      return r.status === 503 && /Redis/.test(r.body.reason ?? '') ? r : null;
    }, 5000, 'readyz 503 naming Redis');
    expect(notReady.body.reason).toMatch(/Redis unavailable|connecting to Redis/);
    const refused = await submit([{ message: 'early' }]);
    expect(refused).toMatchObject({ status: 503, body: { error: { code: 'jobs_unavailable' } } });
    expect(refused.retryAfter).toMatch(/^\d+$/);
    expect(refused.ms).toBeLessThan(1000);

    // 2. Redis comes: ready by itself, jobs run.
    await redis.start();
    await waitStatus(server.base, '/readyz', 200, 15_000);
    const accepted = await submit(Array.from({ length: 4 }, (_, i) => ({ message: `row ${i + 1}` })));
    expect(accepted.status).toBe(202);
    const id = (accepted.body as { id?: string }).id!;
    await waitFor(async () => (await timed(`${jobs}/${id}`)).body.state === 'succeeded', 60_000, 'the job to finish');

    // A job in progress when Redis stalls: it must still finish, every row done, once Redis is back.
    const busy = await timed(jobs, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ template: 'event-poster', rows: Array.from({ length: 10 }, (_, i) => ({ event: `Stall ${i + 1}` })) }) });
    expect(busy.status).toBe(202);
    const busyId = (busy.body as { id?: string }).id!;
    await waitFor(async () => ((await (await fetch(`${jobs}/${busyId}`)).json()) as { counts: { done: number } }).counts.done >= 1, 60_000, 'the busy job to start');

    // 3. Redis stalls (SIGSTOP): the first call is cut off at REDIS_TIMEOUT_MS, then calls are refused at once.
    await redis.signal('SIGSTOP');
    const stalled = await timed(`${jobs}/${id}`);
    expect(stalled).toMatchObject({ status: 503, body: { error: { code: 'jobs_unavailable' } } });
    expect(stalled.ms).toBeLessThan(1500);
    await waitStatus(server.base, '/readyz', 503, 5000);
    expect((await timed(`${server.base}/readyz`)).body.reason).toMatch(/Redis/);
    const fast = await timed(`${jobs}/${id}`);
    expect(fast.status).toBe(503);
    expect(fast.ms).toBeLessThan(400);
    expect((await fetch(`${server.base}/healthz`)).status).toBe(200); // liveness: restarting would not help
    await new Promise((r) => setTimeout(r, 2000)); // a while stalled: errors pile up, logs must not

    // 4. Redis resumes: back by itself.
    await redis.signal('SIGCONT');
    await waitStatus(server.base, '/readyz', 200, 15_000);
    expect((await timed(`${jobs}/${id}`)).body.state).toBe('succeeded');
    const resumed = await waitFor(async () => {
      const st = (await (await fetch(`${jobs}/${busyId}`)).json()) as { state: string; counts: Record<string, number> };
      return st.state === 'succeeded' ? st : null;
    }, 90_000, 'the job caught by the stall to finish');
    expect(resumed.counts).toMatchObject({ done: 10, failed: 0 });
    expect(fs.readdirSync(path.join(results, 'jobs', busyId, 'results')).filter((f) => f.endsWith('.jpg'))).toHaveLength(10);

    // 5. Redis dies: refused quickly.
    await redis.signal('SIGKILL');
    const down = await timed(`${jobs}/${id}`);
    expect(down.status).toBe(503);
    expect(down.ms).toBeLessThan(1500);
    await waitStatus(server.base, '/readyz', 503, 5000);

    // 6. Redis restarts empty on the same port: the job is gone, and so (after the grace period) are its images.
    expect(fs.readdirSync(path.join(results, 'jobs', id, 'results'))).toHaveLength(4);
    await redis.start();
    await waitStatus(server.base, '/readyz', 200, 15_000);
    expect((await timed(`${jobs}/${id}`)).status).toBe(404);
    await waitFor(async () => !fs.existsSync(path.join(results, 'jobs', id)), 20_000, 'the orphaned results folder to be swept');
    expect((await submit([{ message: 'after' }])).status).toBe(202);

    // Logs: JSON lines, rate-limited, never a stack trace.
    const all = [...server.out, ...server.err];
    expect(stackTraceLines(all)).toEqual([]);
    expect(server.err).toEqual([]);
    for (const l of server.out) expect(() => JSON.parse(l), l).not.toThrow();
    const redisErrors = server.out.filter((l) => /"msg":"redis error"/.test(l));
    expect(redisErrors.length).toBeGreaterThan(0);
    expect(redisErrors.length).toBeLessThan(40);
    expect(server.out.some((l) => /"msg":"orphaned results folder removed/.test(l))).toBe(true);
  }, 240_000);

  it('a full results disk in Redis mode fails rows with insufficient_storage, the rest of each chunk unrendered', async () => {
    if (!hasRedis) throw new Error('CI=true but redis-server is not installed (.ci/run installs it)');
    const own = await PrivateRedis.create();
    await own.start();
    try {
      const results = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-redis-full-'));
      // The kernel refuses files over 24 KiB (ulimit -f): every event-poster JPEG; see test/disk-full.test.ts.
      const server = await startServer({ REDIS_URL: own.url, RESULTS_DIR: results, DATA_DIR: results, POOL_SIZE: '1', JOB_CHUNK_SIZE: '4' }, children, 'ulimit -f 24 && exec node "$SERVER"');
      await waitStatus(server.base, '/readyz', 200, 60_000);
      const res = await timed(`${server.base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ template: 'event-poster', rows: Array.from({ length: 8 }, (_, i) => ({ event: `Full ${i}` })) }) });
      expect(res.status).toBe(202);
      const id = (res.body as { id?: string }).id!;
      const final = await waitFor(async () => {
        const s = (await (await fetch(`${server.base}/jobs/${id}`)).json()) as { state: string; counts: Record<string, number>; errors: { error: { code: string } }[] };
        return s.state === 'failed' ? s : null;
      }, 60_000, 'the job to fail');
      expect(final.counts).toMatchObject({ done: 0, failed: 8, rendering: 0 });
      expect(new Set(final.errors.map((e) => e.error.code))).toEqual(new Set(['insufficient_storage']));
      expect(server.out.filter((l) => /disk full: row failed/.test(l))).toHaveLength(2); // one rendered in vain per chunk
      expect(server.out.some((l) => /Redis has no persistence/.test(l))).toBe(true);
      expect(stackTraceLines([...server.out, ...server.err])).toEqual([]);
    } finally {
      own.stop();
    }
  }, 120_000);

  it('a submit cut off between storing the job and queueing its chunks is finished by a retry with the same Idempotency-Key, or swept after the grace period', async () => {
    if (!hasRedis) throw new Error('CI=true but redis-server is not installed (.ci/run installs it)');
    const own = await PrivateRedis.create();
    await own.start();
    const lp = await startApp({ REDIS_URL: own.url, RESULTS_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'lp-half-')), JOB_WORKER: '0', JOB_ORPHAN_GRACE_S: '60' });
    const redisClient = new Redis(own.url);
    const queue = new Queue('letterpress-chunks', { connection: { url: own.url } });
    try {
      const cutOff = async (key: string): Promise<string> => {
        const res = await lp.app.inject({ method: 'POST', url: '/jobs', payload: { template: 'status-badge', rows: [{ message: key }] }, headers: { 'idempotency-key': key } });
        expect(res.statusCode).toBe(202);
        const id = JSON.parse(res.body).id as string;
        // As if Redis had stalled right after the MULTI: no chunk on the queue, no marker.
        await queue.remove(`${id}-1`);
        await redisClient.del(`lp:job:${id}:queued`);
        return id;
      };
      const retried = await cutOff('half-1');
      const again = await lp.app.inject({ method: 'POST', url: '/jobs', payload: { template: 'status-badge', rows: [{ message: 'half-1' }] }, headers: { 'idempotency-key': 'half-1' } });
      expect(again.statusCode).toBe(202);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(JSON.parse(again.body).id).toBe(retried);
      expect(await queue.getJob(`${retried}-1`)).toBeTruthy();

      const abandoned = await cutOff('half-2');
      const engine = lp.engine as unknown as { sweep(at?: number): Promise<number> };
      await engine.sweep(); // within the grace period: kept
      expect((await lp.app.inject(`/jobs/${abandoned}`)).statusCode).toBe(200);
      await engine.sweep(Date.now() + 61_000);
      expect((await lp.app.inject(`/jobs/${abandoned}`)).statusCode).toBe(404);
      expect((await lp.app.inject(`/jobs/${retried}`)).statusCode).toBe(200); // its chunk is queued: not abandoned
    } finally {
      await queue.close();
      redisClient.disconnect();
      await lp.app.close();
      own.stop();
    }
  }, 60_000);
});
