import fs from 'node:fs';
import path from 'node:path';
import opentype from 'opentype.js';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';
import { cmapCoverage, readCoverage, readFontFile, readTables } from '../workers/font-tables.js';
import { rangesFromCodePoints } from '../workers/unicode-ranges.js';
import { inProcessFonts } from './helpers.js';
import { paragraphs } from './layout-helpers.js';
import { registryStats } from '../workers/font-registry.js';

const files = (pkg: string, re: RegExp): string[] => {
  const dir = path.join(PROJECT_ROOT, 'node_modules', pkg, 'files');
  return fs.readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => path.join(dir, f));
};

/** The code points opentype.js maps to a glyph other than 0 (the slow, complete parser). */
function reference(file: string): readonly number[] {
  const buf = fs.readFileSync(file);
  const font = opentype.parse(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const map = (font.tables.cmap as { glyphIndexMap: Record<string, number> }).glyphIndexMap;
  return rangesFromCodePoints(Object.entries(map).filter(([, g]) => g !== 0).map(([cp]) => Number(cp)));
}

describe('minimal font table reader', () => {
  it('reads the same cmap coverage as opentype.js from WOFF files (format 4 and 12 subtables)', () => {
    const sample = [
      ...files('@fontsource/inter', /^inter-(latin|cyrillic|greek)-400-normal\.woff$/),
      ...files('@fontsource/noto-sans-sc', /^noto-sans-sc-(0|50|119)-400-normal\.woff$/),
      ...files('@fontsource/noto-sans-symbols-2', /-400-normal\.woff$/).slice(0, 3),
      ...files('@fontsource/noto-serif-tibetan', /-400-normal\.woff$/),
    ];
    expect(sample.length).toBeGreaterThan(8);
    for (const f of sample) expect(readCoverage(f), path.basename(f)).toEqual(reference(f));
  });

  it('reads WOFF2 (one brotli stream) to the same coverage as the WOFF of the same subset', () => {
    for (const f of files('@fontsource/noto-sans-bengali', /-400-normal\.woff$/)) expect(readCoverage(f + '2')).toEqual(readCoverage(f));
  });

  it('reads an OpenType file: family, weight and cmap (glyph 0 is not coverage)', () => {
    const info = readFontFile(path.join(PROJECT_ROOT, 'fonts', 'letterpress-notdef.otf'));
    expect(info).toEqual({ family: 'Letterpress NotDef', weight: 400, coverage: [0xe000, 0xe000] });
    const t = readTables(path.join(PROJECT_ROOT, 'fonts', 'letterpress-notdef.otf'), ['cmap']);
    expect(cmapCoverage(t.get('cmap')!)).toEqual([0xe000, 0xe000]);
  });
});

describe('lazy faces', () => {
  it('catalogues every face but registers with Skia only those a render needs', () => {
    const { catalog } = inProcessFonts();
    expect(catalog.faces.length).toBeGreaterThan(1000);
    const before = registryStats().loaded;
    paragraphs('Hello, world');
    const afterLatin = registryStats().loaded;
    expect(afterLatin - before).toBeLessThanOrEqual(2);
    paragraphs('বাংলা ภาษาไทย');
    expect(registryStats().loaded).toBeLessThan(afterLatin + 6);
    expect(registryStats().loaded).toBeLessThan(20);
  });
});
