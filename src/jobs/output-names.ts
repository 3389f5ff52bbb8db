/**
 * Output file names of job rows, the same in `results.zip`, its `manifest.json`, the batch CLI's
 * output folder and `GET /jobs/{id}/items/{row}`:
 *   - from the row's `filename` (sanitised: no path separators, control, bidi-override or reserved
 *     characters, no lone surrogates, no leading dots, no trailing dots or spaces, no Windows device
 *     names, checked again after cutting), without a trailing extension equal to the image's own
 *     (`x.png` stays `x.png`, not `x.png.png`; jpg ≡ jpeg), or the zero-padded row number;
 *   - at most MAX_NAME_BYTES UTF-8 bytes including the extension, cut between graphemes (an emoji,
 *     a flag or a letter with its accents is never split);
 *   - unique over the whole job, compared case- and normalisation-insensitively (as macOS and
 *     Windows file systems compare): a name taken by an earlier row gets `-<row>` (then
 *     `-<row>-2`, …) before its extension, cut again to fit.
 * Names depend only on the accepted rows, so a row's name is known before it renders and never changes.
 */

/** The longest output name, in UTF-8 bytes, extension included. */
export const MAX_NAME_BYTES = 200;

const segmenter = new Intl.Segmenter('und', { granularity: 'grapheme' });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// Controls, path and shell-hostile characters, bidi overrides/isolates and BOM: each run becomes one '-'.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f/\\:*?"<>|\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]+/g;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** The longest prefix of `s` that fits in `max` UTF-8 bytes without splitting a grapheme. */
export function cutToBytes(s: string, max: number): string {
  if (bytes(s) <= max) return s;
  let out = '';
  let used = 0;
  for (const { segment } of segmenter.segment(s)) {
    const b = bytes(segment);
    if (used + b > max) break;
    out += segment;
    used += b;
  }
  return out;
}

const trimEnds = (s: string): string => s.replace(/^[.\s-]+|[.\s]+$/g, '');

/**
 * `base` + `suffix` + `.ext`, the base cut (between graphemes) so the whole fits MAX_NAME_BYTES.
 * The device-name check runs again on the result: cutting and trimming can turn `con` + spaces +
 * `x` into `con`.
 */
function fit(base: string, suffix: string, ext: string): string {
  const room = MAX_NAME_BYTES - bytes(suffix) - bytes(ext) - 1;
  let stem = trimEnds(cutToBytes(base, room));
  if (stem !== '' && WINDOWS_DEVICE.test(`${stem}${suffix}.${ext}`)) stem = trimEnds(cutToBytes(`_${stem}`, room));
  return `${stem}${suffix}.${ext}`;
}

/** `base` without a trailing `.ext` that repeats the image's own extension (case-insensitive; jpg ≡ jpeg). */
export function withoutOwnExt(base: string, ext: string): string {
  const own = ext === 'jpg' || ext === 'jpeg' ? ['jpg', 'jpeg'] : [ext];
  const dot = base.lastIndexOf('.');
  return dot > 0 && own.includes(base.slice(dot + 1).toLowerCase()) ? trimEnds(base.slice(0, dot)) : base;
}

/** The sanitised base of a `filename` value ('' when nothing usable is left). */
export function safeBase(filename: unknown): string {
  if (typeof filename !== 'string' && typeof filename !== 'number') return '';
  let s = String(filename).replace(LONE_SURROGATE, '-').normalize('NFC').replace(UNSAFE, '-');
  s = trimEnds(s);
  if (WINDOWS_DEVICE.test(s)) s = `_${s}`;
  return s;
}

/** A safe output file name for one row: the `filename` value (sanitised, bounded) or the zero-padded row number. */
export function outputName(row: number, total: number, ext: string, filename?: unknown): string {
  const pad = String(row).padStart(Math.max(4, String(total).length), '0');
  const name = fit(withoutOwnExt(safeBase(filename), ext), '', ext);
  return name === `.${ext}` ? `${pad}.${ext}` : name;
}

/** The key two names collide under on case-insensitive, normalisation-insensitive file systems. */
export function nameKey(name: string): string {
  return name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

/** Makes names unique (see the module comment); `names` in row order, as [row, name]. */
export function uniqueNames(names: Iterable<readonly [number, string]>): Map<number, string> {
  const used = new Set<string>();
  const out = new Map<number, string>();
  for (const [n, name] of names) {
    const dot = name.lastIndexOf('.');
    const base = name.slice(0, dot);
    const ext = name.slice(dot + 1);
    let candidate = name;
    for (let k = 1; used.has(nameKey(candidate)); k++) candidate = fit(base, k === 1 ? `-${n}` : `-${n}-${k}`, ext);
    used.add(nameKey(candidate));
    out.set(n, candidate);
  }
  return out;
}

/** Every row's unique output name (row number → name); `extOf` gives a row's image extension. */
export function rowNames(rows: readonly Record<string, unknown>[], extOf: (row: Record<string, unknown>) => string): Map<number, string> {
  return uniqueNames(rows.map((row, i) => [i + 1, outputName(i + 1, rows.length, extOf(row), row.filename)] as const));
}
