/**
 * The web-platform-tests CSS line-break cases for Japanese and Chinese
 * (css/css-text/i18n/{ja,zh}/css-text-line-break-*-{normal,strict}.html), translated into
 * test/fixtures/wpt-line-break.json and run through the service's own `lineBreak` option: each
 * case wraps 文文文文文文 + the character + 字字 in a box one character too narrow and checks which
 * side of the character the line breaks on.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { wrappedLines } from './layout-helpers.js';
import type { LineBreak } from '../workers/protocol.js';

interface WptCase { file: string; lang: 'ja' | 'zh'; lineBreak: LineBreak; codePoint: string; name: string; mayStartLine: boolean }
const fixture = JSON.parse(fs.readFileSync(new URL('./fixtures/wpt-line-break.json', import.meta.url), 'utf8')) as {
  prefix: string; suffix: string; fontSize: number; width: number; cases: WptCase[];
};

/** The second line the case expects, and the one we produce. */
function run(c: WptCase): { expected: string; actual: string } {
  const ch = String.fromCodePoint(parseInt(c.codePoint, 16));
  const text = fixture.prefix + ch + fixture.suffix;
  const lines = wrappedLines(text, fixture.width, fixture.fontSize, { lang: c.lang === 'ja' ? 'ja' : 'zh-Hans', lineBreak: c.lineBreak });
  const expected = (c.mayStartLine ? '' : fixture.prefix.at(-1)!) + ch + fixture.suffix;
  return { expected, actual: lines.slice(1).join('|') };
}

const results = fixture.cases.map((c) => ({ c, ...run(c) }));

describe('WPT css-text line-break (ja, zh) through lineBreak', () => {
  it('holds all 246 cases of the 22 normal and strict files', () => {
    expect(fixture.cases.length).toBe(246);
    expect(new Set(fixture.cases.map((c) => c.file)).size).toBe(22);
  });

  it('passes every case (pass counts per file printed)', () => {
    const byFile = new Map<string, { pass: number; total: number }>();
    for (const r of results) {
      const f = byFile.get(r.c.file) ?? { pass: 0, total: 0 };
      f.total++;
      if (r.actual === r.expected) f.pass++;
      byFile.set(r.c.file, f);
    }
    const summary = [...byFile].map(([file, f]) => `${file.split('/').pop()}: ${f.pass}/${f.total}`).join('\n');
    const failed = results.filter((r) => r.actual !== r.expected).map((r) => `${r.c.file.split('/').pop()} U+${r.c.codePoint} ${r.c.name}: got "${r.actual}", want "${r.expected}"`);
    console.log(`WPT line-break: ${results.length - failed.length}/${results.length}\n${summary}`);
    expect(failed).toEqual([]);
  });

  it('small kana follow the same rules in Chinese (what later WPT revisions test in zh-cj-{normal,strict})', () => {
    const cases = fixture.cases.filter((x) => x.file.includes('-ja-cj-'));
    expect(cases.length).toBeGreaterThan(50);
    for (const c of cases) {
      const r = run({ ...c, lang: 'zh' });
      expect(r.actual, `${c.lineBreak} U+${c.codePoint}`).toBe(r.expected);
    }
  });

  for (const lb of ['normal', 'strict'] as const) {
    it(`small kana: ${lb === 'normal' ? 'may start a line under normal' : 'never start a line under strict'}`, () => {
      const r = results.find((x) => x.c.lineBreak === lb && x.c.codePoint === '3063' && x.c.lang === 'ja')!;
      expect(r.c.mayStartLine).toBe(lb === 'normal'); // the fixture says what the name says
      expect(r.actual.startsWith('\u3063')).toBe(lb === 'normal');
      expect(r.actual).toBe(r.expected);
    });
  }
});
