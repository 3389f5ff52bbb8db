/**
 * A minimal, fast reader of the few OpenType tables the catalog needs — `cmap` (which code
 * points have a glyph), `name` (family) and `OS/2` (weight) — from TTF/OTF, WOFF (zlib per table)
 * and WOFF2 (one brotli stream) files. Only the tables asked for are read and decompressed, so
 * finding what a 20 KB font subset covers costs well under a millisecond; no glyph outlines are
 * parsed (opentype.js would parse the whole font).
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { RangeSet } from './protocol.js';
import { mergeRanges } from './unicode-ranges.js';

/** What the catalog reads from a standalone font file. */
export interface FontFileInfo {
  readonly family: string;
  readonly weight: number;
  /** Code points the cmap maps to a real glyph (never glyph 0, .notdef). */
  readonly coverage: RangeSet;
}

// WOFF2 known-table index -> tag (WOFF2 spec, table 5.2).
const WOFF2_TAGS = ('cmap head hhea hmtx maxp name OS/2 post cvt  fpgm glyf loca prep CFF  VORG EBDT EBLC gasp hdmx kern LTSH PCLT VDMX vhea vmtx BASE GDEF GPOS GSUB EBSC JSTF MATH CBDT CBLC COLR CPAL SVG  sbix acnt avar bdat bloc bsln cvar fdsc feat fmtx fvar gvar hsty just lcar mort morx opbd prop trak Zapf Silf Glat Gloc Feat Sill')
  .match(/.{4}(?: |$)/g)!.map((t) => t.slice(0, 4));

/** Reads the named tables of a font file (first font of a collection); missing tables are absent. */
export function readTables(file: string, want: readonly string[]): Map<string, Buffer> {
  const fd = fs.openSync(file, 'r');
  try {
    // TTF/OTF and WOFF keep a table directory up front: read it, then only the wanted tables.
    const read = (pos: number, len: number): Buffer => {
      const b = Buffer.alloc(len);
      const got = fs.readSync(fd, b, 0, len, pos);
      if (got < len) throw new Error('truncated font file');
      return b;
    };
    const head = read(0, 12);
    const sig = head.toString('latin1', 0, 4);
    if (sig === 'wOF2') return woff2Tables(fs.readFileSync(fd), want);
    if (sig === 'wOFF') return woffTables(read, read(0, 44).readUInt16BE(12), want);
    const at = sig === 'ttcf' ? read(12, 4).readUInt32BE(0) : 0;
    return sfntTables(read, at, want);
  } finally {
    fs.closeSync(fd);
  }
}

type Reader = (pos: number, len: number) => Buffer;

function sfntTables(read: Reader, at: number, want: readonly string[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const n = read(at + 4, 2).readUInt16BE(0);
  const dir = read(at + 12, n * 16);
  for (let i = 0; i < n; i++) {
    const rec = i * 16;
    const tag = dir.toString('latin1', rec, rec + 4);
    if (want.includes(tag)) out.set(tag, read(dir.readUInt32BE(rec + 8), dir.readUInt32BE(rec + 12)));
  }
  return out;
}

function woffTables(read: Reader, n: number, want: readonly string[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const dir = read(44, n * 20);
  for (let i = 0; i < n; i++) {
    const rec = i * 20;
    const tag = dir.toString('latin1', rec, rec + 4);
    if (!want.includes(tag)) continue;
    const comp = dir.readUInt32BE(rec + 8), orig = dir.readUInt32BE(rec + 12);
    const data = read(dir.readUInt32BE(rec + 4), comp);
    out.set(tag, comp < orig ? zlib.inflateSync(data) : data);
  }
  return out;
}

function woff2Tables(buf: Buffer, want: readonly string[]): Map<string, Buffer> {
  const n = buf.readUInt16BE(12);
  const compressed = buf.readUInt32BE(20);
  let p = 48;
  const base128 = (): number => {
    let v = 0;
    for (let i = 0; i < 5; i++) {
      const b = buf[p++];
      v = v * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) return v;
    }
    throw new Error('bad WOFF2 UIntBase128');
  };
  const dir: { tag: string; length: number }[] = [];
  for (let i = 0; i < n; i++) {
    const flags = buf[p++];
    let tag: string;
    if ((flags & 0x3f) === 63) {
      tag = buf.toString('latin1', p, p + 4);
      p += 4;
    } else tag = WOFF2_TAGS[flags & 0x3f];
    const orig = base128();
    const version = flags >> 6;
    // glyf/loca are transformed unless version 3; other tables are transformed unless version 0.
    const transformed = tag === 'glyf' || tag === 'loca' ? version !== 3 : version !== 0;
    dir.push({ tag, length: transformed ? base128() : orig });
  }
  if (buf.toString('latin1', 4, 8) === 'ttcf') throw new Error('WOFF2 font collections are not supported');
  const stream = zlib.brotliDecompressSync(buf.subarray(p, p + compressed));
  const out = new Map<string, Buffer>();
  let off = 0;
  for (const t of dir) {
    if (want.includes(t.tag)) out.set(t.tag, stream.subarray(off, off + t.length));
    off += t.length;
  }
  return out;
}

/** Code points a `cmap` table maps to a glyph other than 0, from its best Unicode subtable. */
export function cmapCoverage(cmap: Buffer): RangeSet {
  const n = cmap.readUInt16BE(2);
  let best = -1, bestRank = 0;
  for (let i = 0; i < n; i++) {
    const rec = 4 + i * 8;
    const platform = cmap.readUInt16BE(rec), encoding = cmap.readUInt16BE(rec + 2), off = cmap.readUInt32BE(rec + 4);
    const format = cmap.readUInt16BE(off);
    const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10 || encoding === 0));
    if (!unicode) continue;
    const rank = format === 12 ? 3 : format === 4 ? 2 : format === 13 ? 1 : 0;
    if (rank > bestRank) [best, bestRank] = [off, rank];
  }
  if (best < 0) return [];
  const pairs: [number, number][] = [];
  const format = cmap.readUInt16BE(best);
  if (format === 12 || format === 13) {
    const groups = cmap.readUInt32BE(best + 12);
    for (let g = 0; g < groups; g++) {
      const o = best + 16 + g * 12;
      const start = cmap.readUInt32BE(o), end = cmap.readUInt32BE(o + 4), glyph = cmap.readUInt32BE(o + 8);
      if (format === 13 && glyph === 0) continue;
      pairs.push([format === 12 && glyph === 0 ? start + 1 : start, end]);
    }
  } else {
    const segX2 = cmap.readUInt16BE(best + 6);
    const ends = best + 14, starts = ends + segX2 + 2, deltas = starts + segX2, rangeOffs = deltas + segX2;
    for (let s = 0; s < segX2; s += 2) {
      const end = cmap.readUInt16BE(ends + s), start = cmap.readUInt16BE(starts + s);
      const delta = cmap.readUInt16BE(deltas + s), ro = cmap.readUInt16BE(rangeOffs + s);
      if (start === 0xffff) continue;
      let runStart = -1;
      for (let c = start; c <= end + 1; c++) {
        let has = false;
        if (c <= end) {
          if (ro === 0) has = ((c + delta) & 0xffff) !== 0;
          else {
            const at = rangeOffs + s + ro + (c - start) * 2;
            has = at + 2 <= cmap.length && cmap.readUInt16BE(at) !== 0;
          }
        }
        if (has && runStart < 0) runStart = c;
        else if (!has && runStart >= 0) {
          pairs.push([runStart, c - 1]);
          runStart = -1;
        }
      }
    }
  }
  return mergeRanges(pairs);
}

/** The family name from a `name` table (typographic family, else family; Windows or Mac Roman). */
export function nameFamily(name: Buffer): string | undefined {
  const count = name.readUInt16BE(2), strings = name.readUInt16BE(4);
  const found = new Map<number, string>();
  for (let i = 0; i < count; i++) {
    const rec = 6 + i * 12;
    const platform = name.readUInt16BE(rec), lang = name.readUInt16BE(rec + 4), id = name.readUInt16BE(rec + 6);
    if ((id !== 1 && id !== 16) || found.has(id)) continue;
    const len = name.readUInt16BE(rec + 8), off = strings + name.readUInt16BE(rec + 10);
    const raw = name.subarray(off, off + len);
    if (platform === 3 && lang === 0x409) found.set(id, Buffer.from(raw).swap16().toString('utf16le'));
    else if (platform === 1 && lang === 0) found.set(id, raw.toString('latin1'));
  }
  return found.get(16) ?? found.get(1);
}

/** Family, weight and cmap coverage of a standalone font file. */
export function readFontFile(file: string): FontFileInfo {
  const t = readTables(file, ['cmap', 'name', 'OS/2']);
  const cmap = t.get('cmap'), name = t.get('name'), os2 = t.get('OS/2');
  if (!cmap) throw new Error('font has no cmap table');
  const family = name ? nameFamily(name) : undefined;
  if (!family) throw new Error('font has no family name');
  return { family, weight: os2 && os2.length >= 6 ? os2.readUInt16BE(4) : 400, coverage: cmapCoverage(cmap) };
}

/** Code points that have a glyph in a font file (its cmap). */
export function readCoverage(file: string): RangeSet {
  const cmap = readTables(file, ['cmap']).get('cmap');
  if (!cmap) throw new Error('font has no cmap table');
  return cmapCoverage(cmap);
}
