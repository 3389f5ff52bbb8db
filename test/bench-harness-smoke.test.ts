import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';

const run = promisify(execFile);

describe('benchmark harness (smoke)', () => {
  it('starts our server and both peers, runs every scenario and writes a result row and a target for each', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lp-bench-')), 'smoke.json');
    await run(process.execPath, [path.join(PROJECT_ROOT, 'dist/bench/run.js'), '--smoke', '--out', out], { cwd: PROJECT_ROOT, timeout: 110_000 });
    type Answer = { status: number; contentType: string; kind: string; bytes: number };
    const result = JSON.parse(fs.readFileSync(out, 'utf8')) as {
      rows: { scenario: string; 'req/s': number; errors: number; 'bad status': number; 'bytes/image': number; 'RSS MB': number; met: string }[];
      checks: { target: string; measured: string; met: boolean | null }[];
      summary: Record<string, number>;
      answers: Record<string, Answer>;
    };
    const names = result.rows.map((r) => r.scenario);
    const takumi = ['peer og-cold (Takumi)', 'peer og-gradient-cold (Takumi)'];
    for (const s of ['og-cold', 'og-cold @ half peak', 'og-gradient-cold', 'badge-cold', 'poster-cjk-cold', 'og-blog', 'hot', 'revalidate (304)', ...takumi, 'peer og-cold (satori+resvg)', 'peer og-gradient-cold (satori+resvg)']) {
      expect(names).toContain(s);
    }
    for (const r of result.rows) {
      expect(r['req/s'], r.scenario).toBeGreaterThan(0);
      expect(r.errors, r.scenario).toBe(0);
      expect(r['bad status'], r.scenario).toBe(0);
      expect(r['RSS MB'], r.scenario).toBeGreaterThan(0);
    }
    // The Takumi peer answered successful PNGs of a plausible size for a 1200x630 card.
    for (const s of takumi) {
      const a = result.answers[s];
      expect(a, s).toMatchObject({ status: 200, contentType: 'image/png', kind: 'png' });
      expect(a.bytes, s).toBeGreaterThan(5000);
      expect(result.rows.find((r) => r.scenario === s)!['bytes/image']).toBe(a.bytes);
    }
    expect(result.answers['og-blog']).toMatchObject({ status: 200, contentType: 'image/png', kind: 'png' });
    expect(result.rows.find((r) => r.scenario === 'og-cold')!['bytes/image']).toBeGreaterThan(1000);
    for (const r of result.rows.filter((r) => !r.scenario.startsWith('peer '))) expect(['yes', 'NO', '?'], r.scenario).toContain(r.met);
    expect(result.checks.length).toBeGreaterThanOrEqual(12);
    expect(result.summary['og-cold vs Takumi']).toBeGreaterThan(0);
    expect(result.summary['og-gradient-cold vs satori']).toBeGreaterThan(0);
    expect(result.summary['peak RSS MB']).toBeGreaterThan(0);
    expect(result.summary['RSS samples']).toBeGreaterThan(result.rows.length);
    expect(result.summary['start to first render ms']).toBeGreaterThan(0);
  }, 120_000);
});

describe('overload and soak scripts (smoke)', () => {
  const lastJson = (out: string): Record<string, number> => JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, number>;

  it('overload offers 3x capacity and reports served and refused requests', async () => {
    const { stdout } = await run(process.execPath, [path.join(PROJECT_ROOT, 'dist/bench/overload.js'), '--smoke', '--json'], { cwd: PROJECT_ROOT, timeout: 60_000 });
    const row = lastJson(stdout);
    expect(row['served/s']).toBeGreaterThan(0);
    expect(row['offered req/s']).toBeGreaterThan(row['served/s']);
    expect(row.other).toBe(0);
    expect(row['crowd served/s']).toBeGreaterThan(0);
  }, 70_000);

  it('soak runs at a fixed rate and samples RSS and heap', async () => {
    const { stdout } = await run(process.execPath, [path.join(PROJECT_ROOT, 'dist/bench/soak.js'), '--minutes', '0.2', '--rate', '10', '--json'], { cwd: PROJECT_ROOT, timeout: 60_000 });
    const row = lastJson(stdout);
    expect(row.served).toBeGreaterThan(50);
    expect(row['not 200']).toBe(0);
    expect(row['RSS MB first min']).toBeGreaterThan(0);
    expect(row['heap MB first min']).toBeGreaterThan(0);
  }, 70_000);
});
