/**
 * The batch CLI in real processes: images land in --out as they finish (stored once, no copy under
 * .letterpress); Ctrl-C (SIGINT) stops cleanly, says how many images are written and the command
 * that resumes, and exits 130; the re-run's rate counts only its own time and rows; colliding,
 * long and emoji `filename`s give one distinct file per row, counted as written; manifest.json has
 * the shape of results.zip's; rows whose columns do not fit the template stop it before it starts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runPace, shellQuote } from '../src/batch-cli.js';
import { PROJECT_ROOT } from '../src/config.js';
import { waitFor } from './helpers.js';

const CLI = path.join(PROJECT_ROOT, 'dist/src/cli.js');
const ENV = { ...process.env, POOL_SIZE: '1', LOG_LEVEL: 'warn' };
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: ENV, timeout: 120_000 });
const images = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.(png|jpg|webp)$/.test(f)) : []);
const walk = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) : []);
const tmp = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Manifest { job: string; state: string; total: number; items: { row: number; file: string | null; status: string; bytes: number; attempts: number; error: unknown }[] }
const manifestOf = (out: string): Manifest => JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;

describe('letterpress batch: progress, Ctrl-C and resume', () => {
  it('rate and ETA after a resume count only this run: its rows over its time', () => {
    const counts = { pending: 40, rendering: 0, done: 55, failed: 5, timeout: 0 };
    // 50 rows finished by an earlier run (an hour ago); 10 more in the 5 s of this one.
    expect(runPace({ counts, total: 100, state: 'running' }, { finished: 50, at: 1_000 }, 6_000)).toEqual({ rate: 2, etaSeconds: 20 });
    expect(runPace({ counts, total: 100, state: 'running' }, { finished: 60, at: 1_000 }, 6_000)).toEqual({ rate: 0, etaSeconds: null });
    expect(shellQuote('/tmp/my rows.csv')).toBe("'/tmp/my rows.csv'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('--out')).toBe('--out');
  });
  it('images land in --out as they finish; Ctrl-C exits 130 saying what is written and how to resume; the re-run rate is its own', async () => {
    const dir = tmp('lp-cli-int-');
    const csv = path.join(dir, 'rows.csv');
    fs.writeFileSync(csv, `event,filename\n${Array.from({ length: 40 }, (_, i) => `Row ${i + 1},row-${i + 1}`).join('\n')}\n`);
    const out = path.join(dir, 'out');
    const args = ['batch', csv, '--template', 'event-poster', '--out', out, '--concurrency', '1'];
    const proc = spawn(process.execPath, [CLI, ...args], { env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(proc);
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    await waitFor(async () => images(out).length >= 5, 60_000, 'five images in --out while the batch runs');
    expect(proc.exitCode).toBe(null); // still running: the images did not wait for the end
    proc.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    const written = images(out);
    expect(written.length).toBeGreaterThanOrEqual(5);
    expect(written.length).toBeLessThan(40);
    expect(stderr).toContain(`${written.length} of 40 images written to ${out}`);
    expect(stderr).toContain(`resume with: letterpress batch ${args.slice(1).join(' ')}`);
    expect(walk(path.join(out, '.letterpress')).filter((f) => /\.(png|jpg|webp|tmp)$/.test(f))).toEqual([]); // stored once
    const partial = manifestOf(out);
    expect(partial.items.filter((m) => m.status === 'done').map((m) => m.file).sort()).toEqual([...written].sort());

    await sleep(3000); // time between runs must not count
    const t0 = Date.now();
    const rerun = cli(args);
    const wall = (Date.now() - t0) / 1000;
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(rerun.stderr).toMatch(/resuming job/);
    const m = /40 of 40 images written to .* in ([\d.]+) s \(([\d.]+)\/s\)/.exec(rerun.stderr);
    expect(m, rerun.stderr).not.toBeNull();
    const [seconds, rate] = [Number(m![1]), Number(m![2])];
    expect(seconds).toBeLessThan(wall);
    const rows = 40 - written.length; // this run's rows over this run's time
    expect(rate).toBeGreaterThanOrEqual(rows / (seconds + 0.05) - 0.1);
    expect(rate).toBeLessThanOrEqual(rows / Math.max(0.01, seconds - 0.05) + 0.1);
    expect(images(out)).toHaveLength(40);
  }, 180_000);
});

describe('letterpress batch: output names and manifest', () => {
  it('colliding, long and emoji filenames: one distinct file per row, counted as written, on every re-run', () => {
    const dir = tmp('lp-cli-names-');
    const csv = path.join(dir, 'rows.csv');
    const filenames = ['a', 'a-3', 'a', 'A', '海'.repeat(100), `x${'😀'.repeat(100)}`, ''];
    fs.writeFileSync(csv, `message,filename\n${filenames.map((f, i) => `${i},${f}`).join('\n')}\n`);
    const out = path.join(dir, 'out');
    for (const run of [1, 2]) {
      const r = cli(['batch', csv, '--template', 'status-badge', '--out', out]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain(`7 of 7 images written to ${out}`);
      if (run === 2) expect(r.stderr).toMatch(/resuming job/);
      const files = images(out);
      expect(files).toHaveLength(7);
      expect(new Set(files.map((f) => f.toLowerCase())).size).toBe(7);
      for (const f of files) expect(Buffer.byteLength(f)).toBeLessThanOrEqual(200);
      const manifest = manifestOf(out);
      expect(Object.keys(manifest)).toEqual(['job', 'state', 'total', 'items']); // the shape of results.zip's manifest.json
      expect(Object.keys(manifest.items[0])).toEqual(['row', 'file', 'status', 'bytes', 'attempts', 'error']);
      expect(manifest).toMatchObject({ state: 'succeeded', total: 7 });
      expect(manifest.items.map((m) => m.file).sort()).toEqual([...files].sort());
      expect(manifest.items.map((m) => m.file).slice(0, 2)).toEqual(['a.png', 'a-3.png']);
    }
  }, 120_000);
  it('a column the template does not have, or a required one missing, stops before anything renders', () => {
    const dir = tmp('lp-cli-cols-');
    for (const [template, header, pattern] of [['status-badge', 'label,colour', /unknown_parameter \(colour\): .*colour/], ['certificate', 'course,date', /missing_parameter \(name\)/]] as const) {
      const csv = path.join(dir, `${template}.csv`);
      fs.writeFileSync(csv, `${header}\nx,y\nz,w\n`);
      const out = path.join(dir, template);
      const r = cli(['batch', csv, '--template', template, '--out', out]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(images(out)).toEqual([]);
      expect(walk(path.join(out, '.letterpress', 'jobs'))).toEqual([]); // no job was made
    }
  }, 120_000);
});
