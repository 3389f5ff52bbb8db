/**
 * Vertical presentation forms for vertical writing: brackets, quotes and the ellipsis become the
 * glyphs the CJK fonts draw for vertical text (Unicode U+FE10–FE19, U+FE30–FE4F, which Noto Sans
 * SC/JP map in their cmap), set upright in their cell, instead of the horizontal glyph rotated.
 * Curly quotes take the corner-bracket forms (﹁﹂﹃﹄), as Chinese vertical text sets them. Dashes
 * stay rotated: the fonts' ︱ (U+FE31) has side bearings, so —— would show a gap, while a rotated
 * em dash is the same stroke and joins its neighbour. A character whose form no bundled face
 * covers keeps the rotated horizontal glyph.
 */
import type { FontSelector } from './font-select.js';
import type { CjkLang, FaceInfo } from './protocol.js';

/** Horizontal character → its vertical presentation form. */
export const VERTICAL_FORMS: ReadonlyMap<string, string> = new Map([
  ['（', '︵'], ['）', '︶'], ['｛', '︷'], ['｝', '︸'], ['〔', '︹'], ['〕', '︺'], ['【', '︻'], ['】', '︼'],
  ['《', '︽'], ['》', '︾'], ['〈', '︿'], ['〉', '﹀'], ['「', '﹁'], ['」', '﹂'], ['『', '﹃'], ['』', '﹄'],
  ['［', '﹇'], ['］', '﹈'], ['〖', '︗'], ['〗', '︘'],
  ['“', '﹁'], ['”', '﹂'], ['‘', '﹃'], ['’', '﹄'],
  ['…', '︙'], ['‥', '︰'],
]);

/** The vertical form of `text` and a face whose cmap covers it (the text's own family first), or null. */
export function verticalForm(text: string, face: FaceInfo, fonts: FontSelector, lang: Exclude<CjkLang, 'auto'> = 'zh-Hans'): { text: string; face: FaceInfo } | null {
  const form = VERTICAL_FORMS.get(text);
  if (!form) return null;
  const cp = form.codePointAt(0)!;
  const own = fonts.faceFor(face.family, face.weight, [cp]);
  if (own) return { text: form, face: own };
  const picked = fonts.pick(form, face.family, face.weight, 'Han', lang);
  return fonts.coverage.has(picked, cp) && !fonts.isNotdef(picked) ? { text: form, face: picked } : null;
}
