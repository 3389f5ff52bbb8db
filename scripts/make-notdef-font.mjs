/**
 * Generates fonts/letterpress-notdef.otf: one glyph, a hollow box at U+E000, which the renderer
 * draws for a grapheme no bundled font has (instead of letting Skia look for one on the host).
 * Deterministic output (fixed dates), so the committed file only changes when this script does.
 *
 *   node scripts/make-notdef-font.mjs
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import opentype from 'opentype.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const box = new opentype.Path();
// Outer contour clockwise, inner counter-clockwise: a 60-unit outline of a 500 x 700 box.
box.moveTo(50, 0); box.lineTo(50, 700); box.lineTo(550, 700); box.lineTo(550, 0); box.close();
box.moveTo(110, 60); box.lineTo(490, 60); box.lineTo(490, 640); box.lineTo(110, 640); box.close();
const glyphs = [
  new opentype.Glyph({ name: '.notdef', unicode: undefined, advanceWidth: 600, path: new opentype.Path() }),
  new opentype.Glyph({ name: 'uniE000', unicode: 0xe000, advanceWidth: 600, path: box }),
];
const font = new opentype.Font({
  familyName: 'Letterpress NotDef', styleName: 'Regular', unitsPerEm: 1000, ascender: 900, descender: -250,
  designer: 'Letterpress', version: '1.0', createdTimestamp: 0, weightClass: 400, glyphs,
});
const out = path.join(root, 'fonts', 'letterpress-notdef.otf');
fs.writeFileSync(out, Buffer.from(font.toArrayBuffer()));
console.log(`wrote ${out}`);
