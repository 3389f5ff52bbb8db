/**
 * Output names of job rows (results.zip, manifest.json, the batch CLI's folder, single items):
 * unique after every rewrite (case- and normalisation-insensitively), at most 200 UTF-8 bytes,
 * never cut inside a grapheme, no lone surrogates; and Content-Disposition for any name.
 */
import { describe, expect, it } from 'vitest';
import { contentDisposition } from '../src/content-disposition.js';
import { cutToBytes, MAX_NAME_BYTES, outputName, rowNames, uniqueNames } from '../src/jobs/output-names.js';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const wellFormed = (s: string): boolean => s.isWellFormed();
const graphemes = (s: string): string[] => [...new Intl.Segmenter('und', { granularity: 'grapheme' }).segment(s)].map((g) => g.segment);

describe('output names', () => {
  it('names that collide after the -<row> suffix stay distinct (a, a-3, a)', () => {
    const names = rowNames([{ filename: 'a' }, { filename: 'a-3' }, { filename: 'a' }], () => 'jpg');
    expect(new Set(names.values()).size).toBe(3);
    expect(names.get(1)).toBe('a.jpg');
    expect(names.get(2)).toBe('a-3.jpg');
    expect(names.get(3)).not.toBe('a-3.jpg');
  });
  it('names differing only in case or normalisation are distinct files on macOS/Windows: they get suffixes', () => {
    const names = [...rowNames([{ filename: 'Poster' }, { filename: 'poster' }, { filename: 'POSTER' }, { filename: 'Cafe\u0301' }, { filename: 'café' }, { filename: 'STRASSE' }, { filename: 'straße' }], () => 'png').values()];
    const keys = names.map((n) => n.normalize('NFC').toLowerCase().replace('ß', 'ss'));
    expect(new Set(keys).size).toBe(names.length);
  });
  it('a filename equal to another row\'s zero-padded default does not take its file', () => {
    const names = rowNames([{}, { filename: '0001' }], () => 'png');
    expect(new Set(names.values()).size).toBe(2);
  });
  it('names are at most 200 UTF-8 bytes with the extension, even with the suffix, and cut between graphemes', () => {
    const family = '👨‍👩‍👧‍👦';
    const cases = ['海'.repeat(100), '😀'.repeat(119) + 'x', family.repeat(20), 'é'.repeat(150), 'a'.repeat(300), '🇳🇱'.repeat(40)];
    for (const f of cases) {
      const rows = [{ filename: f }, { filename: f }, { filename: f }];
      const names = [...rowNames(rows, () => 'webp').values()];
      expect(new Set(names).size).toBe(3);
      for (const n of names) {
        expect(bytes(n), n).toBeLessThanOrEqual(MAX_NAME_BYTES);
        expect(wellFormed(n)).toBe(true);
        const base = n.replace(/(-\d+)*\.webp$/, '');
        const unit = graphemes(f)[0];
        expect(graphemes(base).every((g) => g === unit), n).toBe(true); // only whole graphemes of the original
      }
    }
    expect(cutToBytes(family + family, bytes(family) + 5)).toBe(family);
  });
  it('lone surrogates, controls, separators, bidi overrides and device names never reach a file name', () => {
    expect(outputName(1, 3, 'png', 'ok\uD83Dbad')).toBe('ok-bad.png');
    expect(outputName(1, 3, 'png', '\uDE00')).toBe('0001.png');
    expect(outputName(1, 3, 'png', 'a/b\\c:d\u0000e\u202Egnp.exe')).toBe('a-b-c-d-e-gnp.exe.png');
    expect(outputName(1, 3, 'png', '...')).toBe('0001.png');
    expect(outputName(1, 3, 'png', 'CON')).toBe('_CON.png');
  });
  it('a device name that appears only after the name is cut to 200 bytes is still refused', () => {
    expect(outputName(1, 3, 'png', `con${' '.repeat(300)}x`)).toBe('_con.png');
    expect(outputName(1, 3, 'png', `LPT1${'.'.repeat(300)}x`)).toBe('_LPT1.png');
    expect(outputName(1, 3, 'png', `nul .png`)).toBe('_nul.png');
    expect(outputName(1, 3, 'jpg', `aux.${' '.repeat(300)}x`)).toBe('_aux.jpg');
    expect([...uniqueNames([[1, outputName(1, 2, 'png', 'con')], [2, outputName(2, 2, 'png', `con${' '.repeat(300)}x`)]]).values()]).toEqual(['_con.png', '_con-2.png']);
  });
  it('a filename ending in the job\'s own extension is not doubled (x.png, not x.png.png; jpg ≡ jpeg, any case)', () => {
    expect(outputName(1, 3, 'png', 'x.png')).toBe('x.png');
    expect(outputName(1, 3, 'png', 'x.PNG')).toBe('x.png');
    expect(outputName(1, 3, 'jpg', 'x.jpeg')).toBe('x.jpg');
    expect(outputName(1, 3, 'jpg', 'x.JPG')).toBe('x.jpg');
    expect(outputName(1, 3, 'webp', 'x.png')).toBe('x.png.webp'); // another format's extension stays part of the name
    expect(outputName(1, 3, 'png', '.png')).toBe('png.png'); // leading dots go first; nothing is left to strip
    expect(outputName(1, 3, 'png', 'report.v2')).toBe('report.v2.png');
    expect(outputName(7, 10, 'png', '../../etc/passwd')).toBe('etc-passwd.png');
    expect(outputName(7, 10, 'png', 'Ünïcödé 海报')).toBe('Ünïcödé 海报.png');
  });
  it('uniqueNames keeps the first row its name and suffixes later ones with their row', () => {
    expect([...uniqueNames([[1, 'x.png'], [2, 'x.png'], [4, 'x-2.png']]).values()]).toEqual(['x.png', 'x-2.png', 'x-2-4.png']);
  });
});

describe('Content-Disposition', () => {
  it('ASCII names are quoted as they are; others get an ASCII fallback and filename*=UTF-8\'\'', () => {
    expect(contentDisposition('inline', 'poster.png')).toBe('inline; filename="poster.png"');
    const cd = contentDisposition('inline', '海报 "1" 😀.png');
    expect(cd).toBe(`inline; filename="__ _1_ _.png"; filename*=UTF-8''${encodeURIComponent('海报 "1" 😀.png')}`);
    expect(contentDisposition('attachment', 'x\uD83D.png')).toBe("attachment; filename=\"x_.png\"; filename*=UTF-8''x%EF%BF%BD.png");
    expect(contentDisposition('attachment', "it's (1).png")).toBe(`attachment; filename="it's (1).png"`);
    expect(contentDisposition('attachment', "é's (1)*.png")).toContain("filename*=UTF-8''%C3%A9%27s%20%281%29%2A.png");
  });
});
