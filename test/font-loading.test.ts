import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';
import { loadFontCatalog } from '../src/font-catalog.js';
import { rangesHas } from '../workers/unicode-ranges.js';
import { startApp } from './helpers.js';

const extra = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-fonts-'));
afterAll(() => fs.rmSync(extra, { recursive: true, force: true }));
const bundled = path.join(PROJECT_ROOT, 'fonts');

describe('font loading', () => {
  it('loads fonts only from the configured folders, skipping (and reporting) files that are not fonts', () => {
    fs.writeFileSync(path.join(extra, 'broken.ttf'), 'this is not a font');
    fs.copyFileSync(path.join(PROJECT_ROOT, 'node_modules/@fontsource/noto-sans-mono/files/noto-sans-mono-latin-400-normal.woff'), path.join(extra, 'MyMono.woff'));
    const base = loadFontCatalog({ dirs: [bundled], packageRoot: PROJECT_ROOT });
    const withExtra = loadFontCatalog({ dirs: [bundled, extra], packageRoot: PROJECT_ROOT });
    expect(withExtra.skipped.map((s) => path.basename(s.file))).toContain('broken.ttf');
    const added = withExtra.faces.find((f) => f.file.endsWith('MyMono.woff'))!;
    expect(added.family).toBe('Noto Sans Mono');
    expect(rangesHas(added.ranges, 0x41)).toBe(true);
    expect(withExtra.version).not.toBe(base.version);
  });

  it('a bad font file does not stop the service', async () => {
    const lp = await startApp({ FONT_DIRS: extra });
    try {
      expect((await lp.app.inject('/healthz')).statusCode).toBe(200);
      expect((await lp.app.inject('/render.png?text=still%20fine')).statusCode).toBe(200);
    } finally {
      await lp.app.close();
    }
  });

  it('bundles every required family from npm packages', () => {
    const c = loadFontCatalog({ dirs: [bundled], packageRoot: PROJECT_ROOT });
    expect(c.skipped).toEqual([]);
    const fam = (name: string) => c.families.find((f) => f.name === name);
    expect(fam('Inter')?.weights).toEqual(expect.arrayContaining([400, 700]));
    expect(fam('Noto Sans SC')?.weights).toEqual(expect.arrayContaining([400, 700]));
    for (const name of ['Noto Serif', 'Noto Sans Mono', 'Noto Sans JP', 'Noto Sans KR', 'Noto Sans Arabic', 'Noto Sans Hebrew', 'Noto Color Emoji',
      'Noto Sans TC', 'Noto Sans HK', 'Noto Sans Bengali', 'Noto Sans Thai', 'Noto Serif Tibetan', 'Noto Sans Symbols', 'Noto Sans Symbols 2', 'Noto Sans Math']) expect(fam(name)).toBeDefined();
    // Every face comes from an npm package, except the notdef box, which is ours.
    for (const f of c.faces) {
      const root = f.family === c.notdef ? path.join(PROJECT_ROOT, 'fonts') : path.join(PROJECT_ROOT, 'node_modules');
      expect(f.file.startsWith(root), f.file).toBe(true);
    }
  });
});
