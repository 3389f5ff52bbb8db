/**
 * Crash safety of the embedded engine, in real processes: a server is killed with SIGKILL while a
 * job runs; a new server on the same data folder resumes it and the job ends with every item
 * rendered exactly once (each row one image, no row rendered again after it was done). The batch
 * CLI resumes the same way when re-run on its output folder.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';
import { serveChild, waitFor } from './helpers.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

interface LogLine { n: number; state: string; attempts: number }
const logOf = (dir: string, id: string): LogLine[] =>
  fs.readFileSync(path.join(dir, 'jobs', id, 'items.log'), 'utf8').split('\n').filter(Boolean).flatMap((l) => {
    try {
      return [JSON.parse(l) as LogLine];
    } catch {
      return []; // a line torn by the kill
    }
  });

describe('a job survives its process being killed', () => {
  it('SIGKILL mid-job, restart on the same DATA_DIR: the job finishes, every row rendered once', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-crash-'));
    const env = { DATA_DIR: dataDir, POOL_SIZE: '2', JOB_CONCURRENCY: '2' };
    const first = await serveChild(env, children);
    const rows = Array.from({ length: 60 }, (_, i) => ({ event: `Crash test ${i + 1}`, filename: `row-${i + 1}` }));
    const res = await fetch(`${first.base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ template: 'event-poster', rows }) });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await waitFor(async () => ((await (await fetch(`${first.base}/jobs/${id}`)).json()) as { counts: { done: number } }).counts.done >= 10, 60_000, '10 items done');
    first.proc.kill('SIGKILL');
    await new Promise((r) => first.proc.once('exit', r));
    const beforeRestart = logOf(dataDir, id);
    const doneBefore = new Set(beforeRestart.filter((l) => l.state === 'done').map((l) => l.n));
    expect(doneBefore.size).toBeGreaterThanOrEqual(10);
    expect(doneBefore.size).toBeLessThan(60);

    const second = await serveChild(env, children);
    const final = await waitFor(async () => {
      const s = (await (await fetch(`${second.base}/jobs/${id}`)).json()) as { state: string; counts: Record<string, number> };
      return s.state === 'succeeded' ? s : null;
    }, 120_000, 'job to finish after restart');
    expect(final.counts).toMatchObject({ done: 60, failed: 0, pending: 0 });
    const results = fs.readdirSync(path.join(dataDir, 'jobs', id, 'results'));
    expect(results.filter((f) => f.endsWith('.jpg')).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `${i + 1}.jpg`).sort());
    expect(results.some((f) => f.endsWith('.tmp'))).toBe(false);
    const after = logOf(dataDir, id).slice(beforeRestart.length);
    // Nothing finished before the crash is rendered again, and every row is done exactly once overall.
    for (const l of after) if (l.state === 'rendering') expect(doneBefore.has(l.n), `row ${l.n} re-rendered`).toBe(false);
    const doneCount = new Map<number, number>();
    for (const l of logOf(dataDir, id)) if (l.state === 'done') doneCount.set(l.n, (doneCount.get(l.n) ?? 0) + 1);
    expect(doneCount.size).toBe(60);
    expect([...doneCount.values()].every((c) => c === 1)).toBe(true);
    const zip = await fetch(`${second.base}/jobs/${id}/results.zip`);
    expect(zip.status).toBe(200);
    expect((await zip.arrayBuffer()).byteLength).toBeGreaterThan(60 * 10_000);
  }, 240_000);
});

describe('one engine per data folder', () => {
  it('a second server on a DATA_DIR in use is not ready and refuses jobs instead of rendering them twice', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-lock-'));
    await serveChild({ DATA_DIR: dataDir, POOL_SIZE: '1' }, children);
    const second = await serveChild({ DATA_DIR: dataDir, POOL_SIZE: '1' }, children);
    const ready = await waitFor(async () => {
      const r = await fetch(`${second.base}/readyz`);
      const body = r.status === 503 ? ((await r.json()) as { reason: string }) : null;
      return body && /in use/.test(body.reason) ? body : null; // after "job engine starting" while it waits for the lock
    }, 20_000, 'readyz 503');
    expect(ready.reason).toMatch(/DATA_DIR .* is in use by process/);
    const res = await fetch(`${second.base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ template: 'status-badge', rows: [{}] }) });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('jobs_unavailable');
  }, 60_000);
});

describe('letterpress batch', () => {
  const cli = (args: string[]) => spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'dist/src/cli.js'), ...args], { encoding: 'utf8', env: { ...process.env, POOL_SIZE: '2', LOG_LEVEL: 'warn' }, timeout: 120_000 });

  it('renders a CSV with a progress bar and summary, exits 1 when rows failed, and resumes without re-rendering', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-batch-'));
    const csv = path.join(dir, 'rows.csv');
    fs.writeFileSync(csv, 'event,date,accent,filename\nOpening night,Fri 1 May,#f472b6,opening\n"Workshop, day 2",Sat 2 May,,workshop\nBroken row,Sun 3 May,not-a-colour,broken\n');
    const out = path.join(dir, 'posters');
    const run1 = cli(['batch', csv, '--template', 'event-poster', '--out', out]);
    expect(run1.status, run1.stderr).toBe(1);
    expect(run1.stderr).toMatch(/\] 3\/3 {2}100%/);
    expect(run1.stderr).toMatch(/2 of 3 images written/);
    expect(run1.stderr).toMatch(/row 3: invalid_color \(accent\)/);
    expect(fs.readdirSync(out).filter((f) => !f.startsWith('.')).sort()).toEqual(['manifest.json', 'opening.jpg', 'workshop.jpg']);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { items: { status: string }[] };
    expect(manifest.items.map((m) => m.status)).toEqual(['done', 'done', 'failed']);
    const jobDir = fs.readdirSync(path.join(out, '.letterpress', 'jobs'))[0];
    const logBefore = fs.readFileSync(path.join(out, '.letterpress', 'jobs', jobDir, 'items.log'), 'utf8');
    const run2 = cli(['batch', csv, '--template', 'event-poster', '--out', out]);
    expect(run2.stderr).toMatch(/resuming job/);
    expect(run2.status).toBe(1);
    expect(fs.readFileSync(path.join(out, '.letterpress', 'jobs', jobDir, 'items.log'), 'utf8')).toBe(logBefore); // nothing rendered again
  });
  it('a batch killed mid-run resumes on re-run: every row ends up rendered once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-batch-kill-'));
    const csv = path.join(dir, 'rows.csv');
    fs.writeFileSync(csv, `event,filename\n${Array.from({ length: 40 }, (_, i) => `Row ${i + 1},row-${i + 1}`).join('\n')}\n`);
    const out = path.join(dir, 'out');
    const proc = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/src/cli.js'), 'batch', csv, '--template', 'event-poster', '--out', out, '--concurrency', '1'], {
      env: { ...process.env, POOL_SIZE: '1', LOG_LEVEL: 'warn' }, stdio: 'ignore',
    });
    children.push(proc);
    const jobsDir = path.join(out, '.letterpress', 'jobs');
    const log = () => {
      const id = fs.existsSync(jobsDir) ? fs.readdirSync(jobsDir)[0] : undefined;
      return id && fs.existsSync(path.join(jobsDir, id, 'items.log')) ? logOf(path.join(out, '.letterpress'), id) : [];
    };
    await waitFor(async () => log().filter((l) => l.state === 'done').length >= 5, 60_000, 'five rows done');
    proc.kill('SIGKILL');
    await new Promise((r) => proc.once('exit', r));
    const before = log().filter((l) => l.state === 'done').length;
    expect(before).toBeLessThan(40);
    const rerun = cli(['batch', csv, '--template', 'event-poster', '--out', out]);
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(rerun.stderr).toMatch(/resuming job/);
    expect(rerun.stderr).toMatch(/40 of 40 images written/);
    const done = new Map<number, number>();
    for (const l of log()) if (l.state === 'done') done.set(l.n, (done.get(l.n) ?? 0) + 1);
    expect(done.size).toBe(40);
    expect([...done.values()].every((c) => c === 1)).toBe(true);
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.jpg'))).toHaveLength(40);
  }, 120_000);
  it('letterpress render writes one image from a document, a path or a query string', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-render-'));
    const doc = JSON.stringify({ width: 200, height: 100, layers: [{ type: 'text', text: '你好' }] });
    for (const [arg, file] of [[doc, 'doc.png'], ['/t/status-badge.png?message=ok', 'badge.png'], ['text=Hi&w=120&h=60&padding=8', 'query.jpg']]) {
      const r = cli(['render', arg, '-o', path.join(dir, file)]);
      expect(r.status, r.stderr).toBe(0);
      expect(fs.statSync(path.join(dir, file)).size).toBeGreaterThan(100);
    }
    const bad = cli(['render', '{"layers":[{"type":"text"}]}', '-o', path.join(dir, 'bad.png')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/400 .*invalid_parameter/);
  });
});
