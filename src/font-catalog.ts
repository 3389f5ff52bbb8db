/**
 * Loading the font catalog, on the main thread at start: which font files exist, what
 * family/weight each belongs to and which code points it covers. Built once from the configured
 * font folders only (`fonts/` plus FONT_DIRS) — never from a request — so a URL cannot make the
 * service read arbitrary files. Pure file-system work (no canvas): the HTTP side uses the catalog
 * for `/fonts`, validation and the font-set version that goes into every ETag, and hands it to
 * every render worker (WorkerData), which registers the same faces with Skia. The catalog's types
 * are in workers/protocol.ts, which both threads import.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { FaceCoverage } from '../workers/font-coverage.js';
import { readFontFile } from '../workers/font-tables.js';
import type { FaceInfo, FamilyInfo, FontCatalog, RangeSet } from '../workers/protocol.js';
import { deepFreeze } from '../workers/shared.js';
import { parseUnicodeRange } from '../workers/unicode-ranges.js';

/** Options for building the catalog. */
export interface CatalogOptions {
  /** Folders to scan, in order; the first is normally the repo's `fonts/`. */
  readonly dirs: readonly string[];
  /** Where npm packages named in a `fonts.json` manifest are looked up (walks up for node_modules). */
  readonly packageRoot: string;
  /** Overrides the manifest's fallback chain when non-empty. */
  readonly fallback?: readonly string[];
}

interface Manifest {
  css?: string[];
  generic?: Record<string, string>;
  fallback?: string[];
  emoji?: string;
  notdef?: string;
  scripts?: Record<string, string>;
}

interface RawFace { family: string; weight: number; file: string; ranges: RangeSet | null; exact: boolean }

/** A family supports a script when it covers every probe code point of it. */
export const SCRIPT_PROBES: Readonly<Record<string, readonly number[]>> = {
  Latn: span(0x41, 0x5a, 0x61, 0x7a),
  Cyrl: span(0x410, 0x44f),
  Grek: span(0x391, 0x3a1, 0x3a3, 0x3a9),
  Hans: [...span(0x4e00, 0x4e0f), 0x4e2d, 0x56fd, 0x5b57, 0x6c49, 0x8bed, 0x4e66],
  // Common characters only: the Traditional Chinese subsets leave rare ones (U+4E02) out.
  Hant: [...'一七三上下不中人大國字漢語書說'].map((c) => c.codePointAt(0)!),
  'Hant-HK': [...'一七三上下不中人大國字漢語書說'].map((c) => c.codePointAt(0)!),
  Jpan: span(0x3041, 0x3093, 0x30a1, 0x30f3),
  Kore: [...span(0xac00, 0xac1f), 0xd55c, 0xad6d, 0xc5b4],
  Arab: span(0x621, 0x63a, 0x641, 0x64a),
  Hebr: span(0x5d0, 0x5ea),
  Deva: span(0x905, 0x914, 0x915, 0x939),
  Beng: span(0x985, 0x98c, 0x995, 0x9a8),
  Guru: span(0xa05, 0xa0a, 0xa15, 0xa28),
  Gujr: span(0xa85, 0xa8b, 0xa95, 0xaa8),
  Taml: [0xb85, 0xb86, 0xb87, 0xb95, 0xb99, 0xb9a, 0xbae, 0xbaf, 0xbb0],
  Telu: span(0xc05, 0xc0c, 0xc15, 0xc28),
  Knda: span(0xc85, 0xc8c, 0xc95, 0xca8),
  Mlym: span(0xd05, 0xd0c, 0xd15, 0xd28),
  Sinh: span(0xd85, 0xd96, 0xd9a, 0xdb1),
  Thai: span(0xe01, 0xe2e),
  Laoo: [0xe81, 0xe82, 0xe84, 0xe87, 0xe88, 0xe8a, 0xe8d, 0xe94, 0xe95, 0xe96, 0xe97],
  Khmr: span(0x1780, 0x17a2),
  Mymr: span(0x1000, 0x1020),
  Tibt: span(0xf40, 0xf47, 0xf49, 0xf6a),
  Ethi: span(0x1200, 0x1248),
  Armn: span(0x531, 0x556, 0x561, 0x586),
  Geor: span(0x10d0, 0x10fa),
  Zsye: [0x1f600, 0x1f680, 0x1f389],
};

function span(...bounds: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < bounds.length; i += 2) for (let cp = bounds[i]; cp <= bounds[i + 1]; cp++) out.push(cp);
  return out;
}

/** Scripts a set of faces fully supports (by their cmaps), by the probes above. */
export function scriptsOf(faces: readonly FaceInfo[], coverage: FaceCoverage = new FaceCoverage()): string[] {
  return Object.keys(SCRIPT_PROBES).filter((s) =>
    SCRIPT_PROBES[s].every((cp) => faces.some((f) => coverage.has(f, cp))),
  );
}
const FONT_FILE = /\.(ttf|otf|woff2?)$/i;

/** Builds the catalog from the font folders; unreadable files are skipped and reported. */
export function loadFontCatalog(opts: CatalogOptions): FontCatalog {
  const raw: RawFace[] = [];
  const skipped: { file: string; reason: string }[] = [];
  let generic: Record<string, string> = {};
  let fallback: string[] = [];
  let emoji = '';
  let notdef = '';
  let scripts: Record<string, string> = {};
  let artwork = '';
  for (const dir of opts.dirs) {
    let entries: string[];
    try {
      entries = fs.readdirSync(dir).sort();
    } catch (err) {
      skipped.push({ file: dir, reason: `font folder unreadable: ${(err as Error).message}` });
      continue;
    }
    for (const name of entries) {
      const file = path.join(dir, name);
      if (name === 'fonts.json') {
        const m = readManifest(file, skipped);
        for (const css of m.css ?? []) {
          const cssFile = resolvePackageFile(css, opts.packageRoot);
          if (!cssFile) skipped.push({ file: css, reason: 'package file not found (is it installed?)' });
          else raw.push(...facesFromCss(cssFile, skipped));
        }
        generic = { ...generic, ...(m.generic ?? {}) };
        if (m.fallback) fallback = m.fallback;
        if (m.emoji) emoji = m.emoji;
        if (m.notdef) notdef = m.notdef;
        scripts = { ...scripts, ...(m.scripts ?? {}) };
      } else if (name === 'emoji-sequences.json.br' && !artwork) {
        // Emoji-sequence artwork (emoji-art.ts) is drawn like a font: its content is part of the version.
        try {
          artwork = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
        } catch (err) {
          skipped.push({ file, reason: (err as Error).message });
        }
      } else if (name.endsWith('.css')) {
        raw.push(...facesFromCss(file, skipped));
      } else if (FONT_FILE.test(name)) {
        const face = faceFromFontFile(file, skipped);
        if (face) raw.push(face);
      }
    }
  }
  if (opts.fallback && opts.fallback.length > 0) fallback = [...opts.fallback];
  return buildCatalog(raw, skipped, { generic, fallback, emoji, notdef, scripts, artwork });
}

function buildCatalog(
  raw: RawFace[],
  skipped: { file: string; reason: string }[],
  roles: { generic: Record<string, string>; fallback: string[]; emoji: string; notdef: string; scripts: Record<string, string>; artwork?: string },
): FontCatalog {
  const { generic, fallback, emoji, notdef } = roles;
  const faces: FaceInfo[] = [];
  const coverage = new FaceCoverage();
  for (const r of raw) {
    const bytes = checkFontFile(r.file, skipped);
    if (bytes === null || r.ranges === null) continue;
    const woff = r.file.replace(/\.woff2$/i, '.woff');
    const cmapFile = !r.exact && woff !== r.file && fs.existsSync(woff) ? woff : r.file;
    const i = faces.length;
    faces.push({ index: i, alias: `lp-face-${i}`, family: r.family, weight: r.weight, file: r.file, bytes, ranges: r.ranges, exact: r.exact, cmapFile });
  }
  const names = [...new Set(faces.map((f) => f.family))];
  const families = names.map((name): FamilyInfo => {
    const own = faces.filter((f) => f.family === name);
    const weights = [...new Set(own.map((f) => f.weight))].sort((a, b) => a - b);
    // Weights of a family cover the same scripts: probing one (nearest 400) reads a few cmaps, not all.
    const probeWeight = weights.reduce((best, w) => (Math.abs(w - 400) < Math.abs(best - 400) ? w : best), weights[0]);
    return {
      name,
      weights,
      scripts: scriptsOf(own.filter((f) => f.weight === probeWeight), coverage),
      generic: Object.keys(generic).filter((g) => generic[g] === name).sort(),
    };
  });
  const known = new Set(names);
  for (const [g, fam] of Object.entries(generic)) {
    if (!known.has(fam)) {
      skipped.push({ file: `generic:${g}`, reason: `family "${fam}" is not loaded` });
      delete generic[g];
    }
  }
  const hash = createHash('sha256');
  for (const f of faces) hash.update(`${f.family}\0${f.weight}\0${path.basename(f.file)}\0${f.bytes}\n`);
  const scripts = Object.fromEntries(Object.entries(roles.scripts).filter(([, fam]) => known.has(fam)));
  hash.update(JSON.stringify({ generic, fallback, emoji, notdef, scripts }));
  if (roles.artwork) hash.update(`\nemoji-sequences ${roles.artwork}`);
  return deepFreeze({
    faces,
    families,
    generic,
    fallback: fallback.filter((f) => known.has(f)),
    emoji: known.has(emoji) ? emoji : '',
    notdef: known.has(notdef) ? notdef : '',
    scripts,
    version: hash.digest('hex').slice(0, 16),
    skipped,
  });
}

function readManifest(file: string, skipped: { file: string; reason: string }[]): Manifest {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch (err) {
    skipped.push({ file, reason: `bad manifest: ${(err as Error).message}` });
    return {};
  }
}

/** Finds `@scope/pkg/file` under the nearest node_modules walking up from `root`. */
function resolvePackageFile(spec: string, root: string): string | null {
  for (let dir = path.resolve(root); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', spec);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

/** Reads @font-face blocks (family, weight, first local woff2/woff/ttf url, unicode-range). */
export function facesFromCss(cssFile: string, skipped: { file: string; reason: string }[]): RawFace[] {
  let css: string;
  try {
    css = fs.readFileSync(cssFile, 'utf8');
  } catch (err) {
    skipped.push({ file: cssFile, reason: (err as Error).message });
    return [];
  }
  const out: RawFace[] = [];
  for (const block of css.match(/@font-face\s*{[^}]*}/g) ?? []) {
    const family = /font-family:\s*['"]?([^;'"]+)['"]?\s*;/.exec(block)?.[1]?.trim();
    const style = /font-style:\s*([a-z]+)/.exec(block)?.[1] ?? 'normal';
    const weight = Number(/font-weight:\s*(\d+)/.exec(block)?.[1] ?? 400);
    const url = /url\(\s*['"]?([^'")]+\.(?:woff2|woff|ttf|otf))['"]?\s*\)/.exec(block)?.[1];
    if (!family || !url || style !== 'normal') continue;
    if (/^[a-z]+:/i.test(url)) {
      skipped.push({ file: url, reason: 'remote font URLs are never fetched' });
      continue;
    }
    const range = /unicode-range:\s*([^;]+);/.exec(block)?.[1];
    const file = path.resolve(path.dirname(cssFile), url);
    const face = range ? null : faceFromFontFile(file, skipped);
    out.push({ family, weight, file, ranges: range ? parseUnicodeRange(range) : face?.ranges ?? null, exact: !range });
  }
  return out;
}

/** Reads a TTF/OTF/WOFF/WOFF2 file's family, weight and cmap coverage (no outlines parsed). */
function faceFromFontFile(file: string, skipped: { file: string; reason: string }[]): RawFace | null {
  try {
    const info = readFontFile(file);
    if (info.coverage.length === 0) throw new Error('font maps no characters');
    return { family: info.family, weight: info.weight, file, ranges: info.coverage, exact: true };
  } catch (err) {
    skipped.push({ file, reason: `unreadable font: ${(err as Error).message}` });
    return null;
  }
}

const MAGICS = ['wOF2', 'wOFF', 'OTTO', 'true', '\0\x01\0\0'];

/** Size of a usable font file, or null (and a skip reason) when it is missing or not a font. */
function checkFontFile(file: string, skipped: { file: string; reason: string }[]): number | null {
  try {
    const fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(4);
    fs.readSync(fd, head, 0, 4, 0);
    const { size } = fs.fstatSync(fd);
    fs.closeSync(fd);
    if (!MAGICS.includes(head.toString('latin1'))) throw new Error('not a font file');
    return size;
  } catch (err) {
    skipped.push({ file, reason: (err as Error).message });
    return null;
  }
}
