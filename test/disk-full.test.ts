/**
 * A full disk, in a real server process. The fault is real: the server runs under `ulimit -f`
 * (RLIMIT_FSIZE), so the kernel refuses every write that would make a file larger than the limit
 * (EFBIG; Node ignores SIGXFSZ) — the same syscalls, the same code path and the same partial
 * writes as ENOSPC on a full volume, for the files that outgrow the limit (images, large inputs),
 * while small files (job.json, items.log) still fit. No root, tmpfs or loop device needed.
 *
 * Checked: rows whose image cannot be written fail with `insufficient_storage` (none stays
 * `rendering`), the rows not started fail with it without being rendered, the job ends `failed`;
 * a submit that cannot be stored answers 507 with Retry-After and leaves nothing behind; no
 * temporary file is left, and the ones a crash left are deleted at start.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';
import { waitFor } from './helpers.js';
import { startServer, waitStatus } from './process-helpers.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Every file under a folder, relative. */
function walk(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

interface Status { id: string; state: string; counts: Record<string, number>; errors: { row: number; error: { code: string; message: string } }[] }

describe('a full disk', () => {
  it('fails rows with insufficient_storage instead of leaving them rendering, answers 507 to submits, tears nothing, cleans temp files at start', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-full-'));
    const env = { DATA_DIR: dataDir, POOL_SIZE: '2', JOB_CONCURRENCY: '2' };
    // 24 KiB per file: every event-poster JPEG (1080x1350 over a photo) is larger.
    const server = await startServer(env, children, 'ulimit -f 24 && exec node "$SERVER"');
    await waitStatus(server.base, '/readyz', 200, 60_000);

    const rows = Array.from({ length: 30 }, (_, i) => ({ event: `Full disk ${i + 1}` }));
    const res = await fetch(`${server.base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ template: 'event-poster', rows }) });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as Status;
    const final = await waitFor(async () => {
      const s = (await (await fetch(`${server.base}/jobs/${id}`)).json()) as Status;
      return s.state !== 'queued' && s.state !== 'running' ? s : null;
    }, 60_000, 'the job to end');
    expect(final.state).toBe('failed');
    expect(final.counts).toMatchObject({ done: 0, failed: 30, rendering: 0, pending: 0 });
    expect(new Set(final.errors.map((e) => e.error.code))).toEqual(new Set(['insufficient_storage']));
    expect(final.errors[0].error.message).toMatch(/disk is full/);
    // Only the rows already in flight when the disk filled were rendered; the rest were not.
    const log = fs.readFileSync(path.join(dataDir, 'jobs', id, 'items.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { n: number; state: string });
    expect(log.filter((l) => l.state === 'rendering').length).toBeLessThanOrEqual(4);
    expect(log.filter((l) => l.state === 'failed')).toHaveLength(30);

    // A submit whose rows cannot be stored: 507, Retry-After, and no trace on disk.
    const big = Array.from({ length: 400 }, (_, i) => ({ event: `Row ${i} ${'x'.repeat(100)}` }));
    const refused = await fetch(`${server.base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ template: 'event-poster', rows: big }) });
    expect(refused.status).toBe(507);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('insufficient_storage');
    expect(fs.readdirSync(path.join(dataDir, 'jobs'))).toEqual([id]);
    expect(walk(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(server.err.filter((l) => /EFBIG/.test(l) && !l.startsWith('{'))).toEqual([]); // no raw traces

    // Temporary files a crash left (here: made by hand) are deleted when the next server starts.
    server.proc.kill('SIGKILL');
    await new Promise((r) => server.proc.once('exit', r));
    fs.writeFileSync(path.join(dataDir, 'jobs', id, 'results', '7.jpg.123.abc.tmp'), 'half an image');
    fs.writeFileSync(path.join(dataDir, 'jobs', id, 'job.json.123.def.tmp'), '{"id":');
    const again = await startServer(env, children);
    await waitStatus(again.base, '/readyz', 200, 60_000);
    expect(walk(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const s = (await (await fetch(`${again.base}/jobs/${id}`)).json()) as Status;
    expect(s.state).toBe('failed');
  }, 180_000);

  it('an items.log append the disk refuses is cut back to its last whole line (never torn), in order, under concurrent appends', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-log-'));
    const script = `
      import { FileJobStore } from './dist/src/jobs/job-store.js';
      const store = new FileJobStore(process.argv[1]);
      await store.open();
      const job = { id: 'abcdefgh12345678', state: 'queued', source: { kind: 'documents' }, total: 400, createdAt: new Date().toISOString(), startedAt: null, finishedAt: null, expiresAt: null, idempotencyKey: null, bodyHash: 'x', webhook: null, webhookDelivered: false };
      await store.create(job, [{}]);
      const results = await Promise.allSettled(Array.from({ length: 400 }, (_, i) => store.setItem(job.id, { n: i + 1, state: 'rendering', attempts: 1, file: null, bytes: 0, error: { code: 'x', message: 'y'.repeat(i % 37) } })));
      const failed = results.filter((r) => r.status === 'rejected');
      console.log(JSON.stringify({ ok: results.length - failed.length, failed: failed.length, codes: [...new Set(failed.map((r) => r.reason.code))] }));
    `;
    // 8 KiB per file: items.log fills up after about 70 lines.
    const r = spawnSync('bash', ['-c', 'ulimit -f 8 && exec node --input-type=module -e "$SCRIPT" "$DIR"'], { cwd: PROJECT_ROOT, env: { ...process.env, SCRIPT: script, DIR: dir }, encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: number; failed: number; codes: string[] };
    expect(out.failed).toBeGreaterThan(0);
    expect(out.codes).toEqual(['EFBIG']);
    const text = fs.readFileSync(path.join(dir, 'jobs', 'abcdefgh12345678', 'items.log'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { n: number });
    expect(lines).toHaveLength(out.ok);
    for (let i = 1; i < lines.length; i++) expect(lines[i].n).toBeGreaterThan(lines[i - 1].n); // appended in order, none lost in the middle
    expect(walk(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
