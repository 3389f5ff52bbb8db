/**
 * Scale-out mode against a real Redis: an API-only instance (JOB_WORKER=0) takes the job, two
 * `letterpress worker` processes share its chunks through BullMQ, and the job ends with every item
 * rendered exactly once in the shared results folder. Redis comes from REDIS_TEST_URL (.ci/run
 * starts one) or a `redis-server` this test starts; under CI=true a missing Redis fails the test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LetterpressApp } from '../src/app.js';
import { PROJECT_ROOT } from '../src/config.js';
import { readZip, startApp, waitFor } from './helpers.js';
import { PrivateRedis } from './process-helpers.js';

const children: ChildProcess[] = [];
const hasRedisBinary = spawnSync('redis-server', ['--version']).status === 0;
const available = Boolean(process.env.REDIS_TEST_URL) || hasRedisBinary;

async function redisUrl(): Promise<string> {
  if (process.env.REDIS_TEST_URL) return process.env.REDIS_TEST_URL;
  const redis = await PrivateRedis.create();
  await redis.start();
  children.push(redis.proc!);
  return redis.url;
}

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/src/cli.js'), 'worker'], {
    env: { ...process.env, LOG_LEVEL: 'info', POOL_SIZE: '1', JOB_CONCURRENCY: '1', ...env }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(proc);
  return new Promise((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('letterpress worker ready')) resolve(proc);
    });
    proc.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${buf.slice(-500)}`)));
  });
}

describe.runIf(available || process.env.CI)('Redis mode: two worker processes finish one job together', () => {
  let url: string;
  let lp: LetterpressApp;
  let results: string;
  let workers: ChildProcess[] = [];
  beforeAll(async () => {
    if (!available) throw new Error('CI=true but no Redis: set REDIS_TEST_URL or install redis-server (.ci/run does)');
    url = await redisUrl();
    const r = new Redis(url);
    await r.flushdb();
    r.disconnect();
    results = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-shared-'));
    // A short chunk lock so a killed worker's chunk is handed on within seconds (default 30 s).
    const env = { REDIS_URL: url, RESULTS_DIR: results, JOB_CHUNK_SIZE: '4', JOB_LOCK_MS: '1500', JOB_ITEM_TIMEOUT_MS: '3000' };
    workers = await Promise.all([startWorker(env), startWorker(env)]);
    lp = await startApp({ ...env, JOB_WORKER: '0' });
    // The pool is warm; the job engine may still be connecting to Redis (a busy machine): wait for /readyz.
    await waitFor(async () => (await lp.app.inject('/readyz')).statusCode === 200, 30_000, 'the job engine to connect to Redis');
  }, 60_000);
  afterAll(async () => {
    await lp?.app.close();
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  });

  it('every item is rendered exactly once, by both workers, into the shared results folder', async () => {
    const rows = Array.from({ length: 48 }, (_, i) => ({ event: `Redis row ${i + 1}`, filename: `r${i + 1}` }));
    rows[9] = { event: 'bad', accent: 'nope' } as never;
    const res = await lp.app.inject({ method: 'POST', url: '/jobs', payload: { template: 'event-poster', rows }, headers: { 'idempotency-key': 'redis-1' } });
    expect(res.statusCode, res.body).toBe(202);
    const id = JSON.parse(res.body).id as string;
    const again = await lp.app.inject({ method: 'POST', url: '/jobs', payload: { template: 'event-poster', rows }, headers: { 'idempotency-key': 'redis-1' } });
    expect(JSON.parse(again.body).id).toBe(id);
    const events = await lp.app.inject(`/jobs/${id}/events`); // pub/sub carries the workers' progress to this instance
    expect(events.body).toMatch(/event: end\ndata: \{"state":"succeeded"\}/);
    const s = JSON.parse((await lp.app.inject(`/jobs/${id}`)).body);
    expect(s.counts).toMatchObject({ done: 47, failed: 1, pending: 0 });
    expect(s.errors[0]).toMatchObject({ row: 10, error: { code: 'invalid_color', param: 'accent' } });
    const files = fs.readdirSync(path.join(results, 'jobs', id, 'results')).sort();
    expect(files).toEqual(Array.from({ length: 48 }, (_, i) => `${i + 1}.jpg`).filter((f) => f !== '10.jpg').sort());
    const by = await (lp.engine as unknown as { renderedBy(id: string): Promise<Record<string, number>> }).renderedBy(id);
    expect(Object.keys(by)).toHaveLength(2);
    expect(Object.values(by).reduce((a, b) => a + b, 0)).toBe(47);
    for (const n of Object.values(by)) expect(n).toBeGreaterThan(0);
    const zip = readZip((await lp.app.inject(`/jobs/${id}/results.zip`)).rawPayload);
    expect(zip.size).toBe(48); // 47 images + manifest.json
    expect(zip.has('r1.jpg')).toBe(true);
  }, 120_000);

  it('a cancelled job stops: its remaining chunks render nothing', async () => {
    const rows = Array.from({ length: 80 }, (_, i) => ({ event: `Cancel ${i + 1}` }));
    const id = JSON.parse((await lp.app.inject({ method: 'POST', url: '/jobs', payload: { template: 'event-poster', rows } })).body).id as string;
    await waitFor(async () => JSON.parse((await lp.app.inject(`/jobs/${id}`)).body).counts.done >= 4, 60_000, 'some done');
    expect(JSON.parse((await lp.app.inject({ method: 'DELETE', url: `/jobs/${id}` })).body).state).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 2000));
    const s = JSON.parse((await lp.app.inject(`/jobs/${id}`)).body);
    expect(s.state).toBe('cancelled');
    expect(s.counts.pending).toBeGreaterThan(40);
    const later = JSON.parse((await lp.app.inject(`/jobs/${id}`)).body);
    expect(later.counts.done).toBe(s.counts.done);
  }, 120_000);

  it('a worker killed mid-job loses nothing: the other takes over its chunk and every row is rendered once', async () => {
    const rows = Array.from({ length: 48 }, (_, i) => ({ event: `Survivor ${i + 1}` }));
    const id = JSON.parse((await lp.app.inject({ method: 'POST', url: '/jobs', payload: { template: 'event-poster', rows } })).body).id as string;
    const engine = lp.engine as unknown as { renderedBy(id: string): Promise<Record<string, number>> };
    // Wait until both workers have rendered something, then kill one in the middle of its chunk.
    await waitFor(async () => Object.keys(await engine.renderedBy(id)).length === 2, 60_000, 'both workers busy');
    const victim = workers[0];
    victim.kill('SIGKILL');
    await new Promise((r) => victim.once('exit', r));
    const s = await waitFor(async () => {
      const st = JSON.parse((await lp.app.inject(`/jobs/${id}`)).body);
      return st.state === 'succeeded' ? st : null;
    }, 90_000, 'job to finish on the surviving worker');
    expect(s.counts).toMatchObject({ done: 48, failed: 0 });
    const files = fs.readdirSync(path.join(results, 'jobs', id, 'results'));
    expect(files.filter((f) => f.endsWith('.jpg'))).toHaveLength(48);
    const by = await engine.renderedBy(id);
    // No row rendered twice (47 when the victim died between writing an image and counting it).
    const rendered = Object.values(by).reduce((a, b) => a + b, 0);
    expect(rendered).toBeLessThanOrEqual(48);
    expect(rendered).toBeGreaterThanOrEqual(47);
  }, 150_000);
});
