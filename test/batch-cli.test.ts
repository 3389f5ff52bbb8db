/**
 * The batch CLI in real processes: images land in --out as they finish (stored once, no copy under
 * .letterpress); Ctrl-C (SIGINT) stops cleanly, says how many images are written and the command
 * that resumes, and exits 130; the re-run's rate counts only its own time and rows; colliding,
 * long and emoji `filename`s give one distinct file per row, counted as written; manifest.json has
 * the shape of results.zip's; rows whose columns do not fit the template stop it before it starts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
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

describe('letterpress batch: one --out folder holds one job; nothing in it is overwritten', () => {
  const digest = (dir: string): Record<string, string> =>
    Object.fromEntries(images(dir).map((f) => [f, createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex')]));

  it('another input into a folder with an interrupted job is refused (exit 2, naming the folder, the other input and how to go on); its images and manifest stay', async () => {
    const dir = tmp('lp-cli-two-');
    const a = path.join(dir, 'a.csv');
    fs.writeFileSync(a, `event\n${Array.from({ length: 40 }, (_, i) => `A ${i + 1}`).join('\n')}\n`);
    const b = path.join(dir, 'b.csv');
    fs.writeFileSync(b, 'message\nb1\nb2\nb3\n');
    const out = path.join(dir, 'out');
    const argsA = ['batch', a, '--template', 'event-poster', '--format', 'png', '--out', out, '--concurrency', '1'];
    const argsB = ['batch', b, '--template', 'status-badge', '--out', out];
    const proc = spawn(process.execPath, [CLI, ...argsA], { env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(proc);
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    await waitFor(async () => images(out).length >= 3, 60_000, 'three of A\'s images');
    proc.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    const before = digest(out);
    const manifest = fs.readFileSync(path.join(out, 'manifest.json'), 'utf8');
    expect(Object.keys(before)).toContain('0001.png'); // B's first image would have the same name

    const refused = cli(argsB);
    expect(refused.status, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(out);
    expect(refused.stderr).toContain(`unfinished job from ${a}`);
    expect(refused.stderr).toContain('--out OTHER_DIR');
    expect(refused.stderr).toContain(`letterpress batch ${argsA.slice(1).join(' ')}`); // how to finish A
    expect(digest(out)).toEqual(before); // A's images untouched, nothing of B's added
    expect(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')).toBe(manifest);

    const finishA = cli(argsA);
    expect(finishA.status, finishA.stderr).toBe(0);
    expect(finishA.stderr).toContain(`40 of 40 images written to ${out}`);
    const doneA = digest(out);
    for (const [f, h] of Object.entries(before)) expect(doneA[f]).toBe(h);

    const stillRefused = cli(argsB); // A is finished, but its images are there
    expect(stillRefused.status, stillRefused.stderr).toBe(2);
    expect(stillRefused.stderr).toMatch(/already holds 40 images of a different job from .*a\.csv/);
    expect(digest(out)).toEqual(doneA);
    expect(manifestOf(out).total).toBe(40);

    const elsewhere = cli([...argsB.slice(0, -1), path.join(dir, 'out-b')]);
    expect(elsewhere.status, elsewhere.stderr).toBe(0);
    expect(images(path.join(dir, 'out-b')).sort()).toEqual(['0001.png', '0002.png', '0003.png']);
  }, 240_000);

  it('a file already in --out under a row\'s name is never replaced: that row fails loudly (exit 1), the others are written; moved away, a re-run delivers it', () => {
    const dir = tmp('lp-cli-clobber-');
    const csv = path.join(dir, 'rows.csv');
    fs.writeFileSync(csv, 'message,filename\nm1,\nm2,keep.png\nm3,\n');
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'keep.png'), 'not this job\'s image');
    const args = ['batch', csv, '--template', 'status-badge', '--out', out];
    const r = cli(args);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/row 2: could not write keep\.png \(keep\.png already exists and is not this row's image/);
    expect(fs.readFileSync(path.join(out, 'keep.png'), 'utf8')).toBe('not this job\'s image');
    expect(images(out).sort()).toEqual(['0001.png', '0003.png', 'keep.png']);
    const m = manifestOf(out);
    expect(m.items.map((it) => it.file)).toEqual(['0001.png', null, '0003.png']);
    expect(m.items[1].error).toMatchObject({ code: 'not_written' });

    const again = cli(args); // still there: still refused, still not replaced
    expect(again.status, again.stderr).toBe(1);
    expect(fs.readFileSync(path.join(out, 'keep.png'), 'utf8')).toBe('not this job\'s image');

    fs.renameSync(path.join(out, 'keep.png'), path.join(dir, 'mine.png'));
    const delivered = cli(args);
    expect(delivered.status, delivered.stderr).toBe(0);
    expect(fs.readFileSync(path.join(out, 'keep.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(manifestOf(out).items.map((it) => it.file)).toEqual(['0001.png', 'keep.png', '0003.png']);
    expect(walk(path.join(out, '.letterpress')).filter((f) => /\.(png|jpg|webp|tmp)$/.test(f))).toEqual([]);
  }, 120_000);
});
