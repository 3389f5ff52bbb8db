/**
 * The font catalog: which font files exist, what family/weight each belongs to and which code
 * points it covers. Built once at start-up from the configured font folders only (`fonts/` plus
 * FONT_DIRS) — never from a request — so a URL cannot make the service read arbitrary files.
 * Pure file-system work (no canvas), so the HTTP side can use it for `/fonts`, validation and the
 * font-set version that goes into every ETag; workers register the same faces with Skia.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import opentype from 'opentype.js';
import { parseUnicodeRange, rangesFromCodePoints, rangesHas, type RangeSet } from './unicode-ranges.js';

/** One font file: a single weight of a family, covering `ranges`. */
export interface FaceInfo {
  /** Stable alias the face is registered under in Skia (unique per face). */
  readonly alias: string;
  readonly family: string;
  readonly weight: number;
  readonly file: string;
  readonly bytes: number;
  readonly ranges: RangeSet;
}

/** A family as listed by `GET /fonts`. */
export interface FamilyInfo {
  readonly name: string;
  readonly weights: readonly number[];
  readonly scripts: readonly string[];
  /** Generic names (`sans`, `serif`, `mono`) that point at this family. */
  readonly generic: readonly string[];
}

/** Everything the renderer needs to know about fonts; plain data, safe to post to workers. */
export interface FontCatalog {
  readonly faces: readonly FaceInfo[];
  readonly families: readonly FamilyInfo[];
  readonly generic: Readonly<Record<string, string>>;
  /** Fallback families tried after the requested one, in order. */
  readonly fallback: readonly string[];
  /** Colour emoji family, tried first for emoji-presentation graphemes. */
  readonly emoji: string;
  /** Preferred family per script (Hans, Jpan, Kore, Arab, Hebr), ahead of the fallback chain. */
  readonly scripts: Readonly<Record<string, string>>;
  /** Hash of the face list: part of every ETag, so new fonts change URLs' validators. */
  readonly version: string;
  /** Files that could not be used, with the reason (logged at start). */
  readonly skipped: readonly { readonly file: string; readonly reason: string }[];
}

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
  scripts?: Record<string, string>;
}

interface RawFace { family: string; weight: number; file: string; ranges: RangeSet | null }

/** A family supports a script when it covers every probe code point of it. */
export const SCRIPT_PROBES: Readonly<Record<string, readonly number[]>> = {
  Latn: span(0x41, 0x5a, 0x61, 0x7a),
  Cyrl: span(0x410, 0x44f),
  Grek: span(0x391, 0x3a1, 0x3a3, 0x3a9),
  Hans: [...span(0x4e00, 0x4e0f), 0x4e2d, 0x56fd, 0x5b57, 0x6c49, 0x8bed, 0x4e66],
  Jpan: span(0x3041, 0x3093, 0x30a1, 0x30f3),
  Kore: [...span(0xac00, 0xac1f), 0xd55c, 0xad6d, 0xc5b4],
  Arab: span(0x621, 0x63a, 0x641, 0x64a),
  Hebr: span(0x5d0, 0x5ea),
  Zsye: [0x1f600, 0x1f680, 0x1f389],
};

function span(...bounds: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < bounds.length; i += 2) for (let cp = bounds[i]; cp <= bounds[i + 1]; cp++) out.push(cp);
  return out;
}

/** Scripts a set of faces fully supports, by the probes above. */
export function scriptsOf(faces: readonly FaceInfo[]): string[] {
  return Object.keys(SCRIPT_PROBES).filter((s) =>
    SCRIPT_PROBES[s].every((cp) => faces.some((f) => rangesHas(f.ranges, cp))),
  );
}
const FONT_FILE = /\.(ttf|otf|woff)$/i;

/** Builds the catalog from the font folders; unreadable files are skipped and reported. */
export function loadFontCatalog(opts: CatalogOptions): FontCatalog {
  const raw: RawFace[] = [];
  const skipped: { file: string; reason: string }[] = [];
  let generic: Record<string, string> = {};
  let fallback: string[] = [];
  let emoji = '';
  let scripts: Record<string, string> = {};
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
        scripts = { ...scripts, ...(m.scripts ?? {}) };
      } else if (name.endsWith('.css')) {
        raw.push(...facesFromCss(file, skipped));
      } else if (FONT_FILE.test(name)) {
        const face = faceFromFontFile(file, skipped);
        if (face) raw.push(face);
      }
    }
  }
  if (opts.fallback && opts.fallback.length > 0) fallback = [...opts.fallback];
  return buildCatalog(raw, skipped, { generic, fallback, emoji, scripts });
}

function buildCatalog(
  raw: RawFace[],
  skipped: { file: string; reason: string }[],
  roles: { generic: Record<string, string>; fallback: string[]; emoji: string; scripts: Record<string, string> },
): FontCatalog {
  const { generic, fallback, emoji } = roles;
  const faces: FaceInfo[] = [];
  for (const r of raw) {
    const bytes = checkFontFile(r.file, skipped);
    if (bytes === null || r.ranges === null) continue;
    faces.push({ alias: `lp-face-${faces.length}`, family: r.family, weight: r.weight, file: r.file, bytes, ranges: r.ranges });
  }
  const names = [...new Set(faces.map((f) => f.family))];
  const families = names.map((name): FamilyInfo => {
    const own = faces.filter((f) => f.family === name);
    return {
      name,
      weights: [...new Set(own.map((f) => f.weight))].sort((a, b) => a - b),
      scripts: scriptsOf(own),
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
  hash.update(JSON.stringify({ generic, fallback, emoji, scripts }));
  return deepFreeze({
    faces,
    families,
    generic,
    fallback: fallback.filter((f) => known.has(f)),
    emoji: known.has(emoji) ? emoji : '',
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
    out.push({ family, weight, file, ranges: range ? parseUnicodeRange(range) : fullRange(file, skipped) });
  }
  return out;
}

function fullRange(file: string, skipped: { file: string; reason: string }[]): RangeSet | null {
  if (file.endsWith('.woff2')) {
    skipped.push({ file, reason: 'WOFF2 without unicode-range: give it a unicode-range or use TTF/OTF/WOFF' });
    return null;
  }
  return faceFromFontFile(file, skipped)?.ranges ?? null;
}

/** Parses a TTF/OTF/WOFF file with opentype.js for its family, weight and cmap coverage. */
function faceFromFontFile(file: string, skipped: { file: string; reason: string }[]): RawFace | null {
  try {
    const buf = fs.readFileSync(file);
    const font = opentype.parse(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const family = familyName(font.names);
    if (!family) throw new Error('font has no family name');
    const os2 = font.tables.os2 as { usWeightClass?: number } | undefined;
    const cmap = font.tables.cmap as { glyphIndexMap?: Record<string, number> } | undefined;
    const cps = Object.keys(cmap?.glyphIndexMap ?? {}).map(Number);
    if (cps.length === 0) throw new Error('font maps no characters');
    return { family, weight: os2?.usWeightClass ?? 400, file, ranges: rangesFromCodePoints(cps) };
  } catch (err) {
    skipped.push({ file, reason: `unreadable font: ${(err as Error).message}` });
    return null;
  }
}

type NameTable = Record<string, Record<string, string> | undefined>;

/** Family name from an opentype.js name table (flat in 1.x, grouped by platform in 2.x). */
function familyName(names: unknown): string | undefined {
  const all = names as Record<string, unknown>;
  const tables = [all, all.windows, all.macintosh, all.unicode].filter(Boolean) as NameTable[];
  for (const key of ['typographicFamily', 'fontFamily']) {
    for (const t of tables) {
      const entry = t[key];
      if (entry) return entry.en ?? Object.values(entry)[0];
    }
  }
  return undefined;
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

/** Freezes an object graph (catalogs and configs are read-only after start-up). */
export function deepFreeze<T>(value: T): T {
  // Typed arrays (image bytes) cannot be frozen; they are left as they are.
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
