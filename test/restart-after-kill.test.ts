/**
 * Restarting right after `kill -9`, in real processes. The data-folder lock must not keep the new
 * server from its jobs because the old pid is still visible: a server killed while its parent has
 * not reaped it yet (a zombie — here the parent is a shell that exec'd `sleep`, so it never
 * reaps), a pid now used by another program, or a holder that goes away while we wait. The job
 * engine's start is retried, /readyz says why meanwhile, and /healthz (liveness) stays 200.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './helpers.js';
import { startServer, waitStatus } from './process-helpers.js';

const children: ChildProcess[] = [];
/** The state letter of a process (R, S, Z...) from /proc, or null when there is none. */
const procState = (pid: number): string | null => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return null;
  }
};
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

interface Status { state: string; counts: Record<string, number> }
const post = (base: string, rows: unknown[]) =>
  fetch(`${base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ template: 'event-poster', rows }) });

describe('restart right after kill -9', () => {
  it('a server killed with SIGKILL and not yet reaped (zombie) does not keep the next one from the data folder: the job resumes at once', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-zombie-'));
    const env = { DATA_DIR: dataDir, POOL_SIZE: '2', JOB_CONCURRENCY: '2' };
    // The shell starts the server, prints its pid, then becomes `sleep`, which never reaps it.
    const first = await startServer(env, children, 'node "$SERVER" & echo "server-pid $!"; exec sleep 600');
    await waitStatus(first.base, '/readyz', 200, 60_000);
    const res = await post(first.base, Array.from({ length: 24 }, (_, i) => ({ event: `Zombie ${i + 1}` })));
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await waitFor(async () => ((await (await fetch(`${first.base}/jobs/${id}`)).json()) as Status).counts.done >= 3, 60_000, 'some rows done');

    process.kill(first.pid, 'SIGKILL');
    await waitFor(async () => procState(first.pid) === 'Z', 10_000, 'the killed server to be a zombie');
    const second = await startServer(env, children);
    await waitStatus(second.base, '/readyz', 200, 60_000);
    expect(procState(first.pid)).toBe('Z'); // still there: the lock was taken over, not waited out
    const final = await waitFor(async () => {
      const s = (await (await fetch(`${second.base}/jobs/${id}`)).json()) as Status;
      return s.state === 'succeeded' ? s : null;
    }, 120_000, 'the job to finish on the new server');
    expect(final.counts).toMatchObject({ done: 24, failed: 0 });
    expect(second.out.some((l) => /job resumed/.test(l))).toBe(true);
  }, 240_000);

  it('kill -9 then an immediate restart (no waiting for the exit): the new server gets the folder', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-fast-'));
    const env = { DATA_DIR: dataDir, POOL_SIZE: '1' };
    const first = await startServer(env, children);
    await waitStatus(first.base, '/readyz', 200, 60_000);
    first.proc.kill('SIGKILL');
    const second = await startServer(env, children);
    await waitStatus(second.base, '/readyz', 200, 30_000);
    expect((await post(second.base, [{ event: 'after the restart' }])).status).toBe(202);
  }, 120_000);

  it('a lock naming a pid now used by another program is taken over', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-reused-'));
    const other = spawn('sleep', ['600'], { stdio: 'ignore' });
    children.push(other);
    // As written by a Letterpress that had this pid before (its start time differs), and in the old format (a bare pid).
    for (const lock of [JSON.stringify({ pid: other.pid, start: '1', host: os.hostname(), token: 'earlier' }), String(other.pid)]) {
      fs.writeFileSync(path.join(dataDir, '.lock'), lock);
      const server = await startServer({ DATA_DIR: dataDir, POOL_SIZE: '1' }, children);
      await waitStatus(server.base, '/readyz', 200, 30_000);
      expect(JSON.parse(fs.readFileSync(path.join(dataDir, '.lock'), 'utf8')).pid).toBe(server.pid);
      server.proc.kill('SIGKILL');
      await new Promise((r) => server.proc.once('exit', r));
    }
    expect(other.exitCode).toBe(null); // the other program was left alone
  }, 120_000);

  it('a live holder keeps the folder; the waiting server retries by itself and is ready once the holder stops (healthz 200 throughout)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-wait-'));
    const holder = await startServer({ DATA_DIR: dataDir, POOL_SIZE: '1' }, children);
    await waitStatus(holder.base, '/readyz', 200, 60_000);
    const waiting = await startServer({ DATA_DIR: dataDir, POOL_SIZE: '1' }, children);
    const r = await waitFor(async () => {
      const res = await fetch(`${waiting.base}/readyz`);
      const body = (await res.json()) as { reason?: string };
      return res.status === 503 && /in use by process/.test(body.reason ?? '') ? body : null;
    }, 60_000, 'readyz 503 naming the holder');
    expect(r.reason).toContain(String(holder.pid));
    expect((await fetch(`${waiting.base}/healthz`)).status).toBe(200);
    expect((await post(waiting.base, [{ event: 'x' }])).status).toBe(503);
    holder.proc.kill('SIGTERM');
    await new Promise((res) => holder.proc.once('exit', res));
    await waitStatus(waiting.base, '/readyz', 200, 60_000);
    expect((await post(waiting.base, [{ event: 'now' }])).status).toBe(202);
  }, 180_000);
});
