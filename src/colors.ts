/**
 * Colour names: the 148 CSS named colours plus `transparent`, and shields.io's badge palette.
 * Every accepted spelling (hex `RGB`, `RGBA`, `RRGGBB`, `RRGGBBAA` with optional `#`, or a name,
 * case-insensitive) canonicalises to lowercase `rrggbbaa`, so `red` and `ff0000` share an ETag.
 * Where shields and CSS share a name (red, green, blue, yellow, orange, grey…) badges use the
 * shields palette and every other route uses CSS.
 */

/** The CSS Color Module 4 named colours (148), as `rrggbb`. */
export const CSS_COLORS: Readonly<Record<string, string>> = Object.freeze({
  aliceblue: 'f0f8ff', antiquewhite: 'faebd7', aqua: '00ffff', aquamarine: '7fffd4', azure: 'f0ffff',
  beige: 'f5f5dc', bisque: 'ffe4c4', black: '000000', blanchedalmond: 'ffebcd', blue: '0000ff',
  blueviolet: '8a2be2', brown: 'a52a2a', burlywood: 'deb887', cadetblue: '5f9ea0', chartreuse: '7fff00',
  chocolate: 'd2691e', coral: 'ff7f50', cornflowerblue: '6495ed', cornsilk: 'fff8dc', crimson: 'dc143c',
  cyan: '00ffff', darkblue: '00008b', darkcyan: '008b8b', darkgoldenrod: 'b8860b', darkgray: 'a9a9a9',
  darkgreen: '006400', darkgrey: 'a9a9a9', darkkhaki: 'bdb76b', darkmagenta: '8b008b', darkolivegreen: '556b2f',
  darkorange: 'ff8c00', darkorchid: '9932cc', darkred: '8b0000', darksalmon: 'e9967a', darkseagreen: '8fbc8f',
  darkslateblue: '483d8b', darkslategray: '2f4f4f', darkslategrey: '2f4f4f', darkturquoise: '00ced1', darkviolet: '9400d3',
  deeppink: 'ff1493', deepskyblue: '00bfff', dimgray: '696969', dimgrey: '696969', dodgerblue: '1e90ff',
  firebrick: 'b22222', floralwhite: 'fffaf0', forestgreen: '228b22', fuchsia: 'ff00ff', gainsboro: 'dcdcdc',
  ghostwhite: 'f8f8ff', gold: 'ffd700', goldenrod: 'daa520', gray: '808080', green: '008000',
  greenyellow: 'adff2f', grey: '808080', honeydew: 'f0fff0', hotpink: 'ff69b4', indianred: 'cd5c5c',
  indigo: '4b0082', ivory: 'fffff0', khaki: 'f0e68c', lavender: 'e6e6fa', lavenderblush: 'fff0f5',
  lawngreen: '7cfc00', lemonchiffon: 'fffacd', lightblue: 'add8e6', lightcoral: 'f08080', lightcyan: 'e0ffff',
  lightgoldenrodyellow: 'fafad2', lightgray: 'd3d3d3', lightgreen: '90ee90', lightgrey: 'd3d3d3', lightpink: 'ffb6c1',
  lightsalmon: 'ffa07a', lightseagreen: '20b2aa', lightskyblue: '87cefa', lightslategray: '778899', lightslategrey: '778899',
  lightsteelblue: 'b0c4de', lightyellow: 'ffffe0', lime: '00ff00', limegreen: '32cd32', linen: 'faf0e6',
  magenta: 'ff00ff', maroon: '800000', mediumaquamarine: '66cdaa', mediumblue: '0000cd', mediumorchid: 'ba55d3',
  mediumpurple: '9370db', mediumseagreen: '3cb371', mediumslateblue: '7b68ee', mediumspringgreen: '00fa9a', mediumturquoise: '48d1cc',
  mediumvioletred: 'c71585', midnightblue: '191970', mintcream: 'f5fffa', mistyrose: 'ffe4e1', moccasin: 'ffe4b5',
  navajowhite: 'ffdead', navy: '000080', oldlace: 'fdf5e6', olive: '808000', olivedrab: '6b8e23',
  orange: 'ffa500', orangered: 'ff4500', orchid: 'da70d6', palegoldenrod: 'eee8aa', palegreen: '98fb98',
  paleturquoise: 'afeeee', palevioletred: 'db7093', papayawhip: 'ffefd5', peachpuff: 'ffdab9', peru: 'cd853f',
  pink: 'ffc0cb', plum: 'dda0dd', powderblue: 'b0e0e6', purple: '800080', rebeccapurple: '663399',
  red: 'ff0000', rosybrown: 'bc8f8f', royalblue: '4169e1', saddlebrown: '8b4513', salmon: 'fa8072',
  sandybrown: 'f4a460', seagreen: '2e8b57', seashell: 'fff5ee', sienna: 'a0522d', silver: 'c0c0c0',
  skyblue: '87ceeb', slateblue: '6a5acd', slategray: '708090', slategrey: '708090', snow: 'fffafa',
  springgreen: '00ff7f', steelblue: '4682b4', tan: 'd2b48c', teal: '008080', thistle: 'd8bfd8',
  tomato: 'ff6347', turquoise: '40e0d0', violet: 'ee82ee', wheat: 'f5deb3', white: 'ffffff',
  whitesmoke: 'f5f5f5', yellow: 'ffff00', yellowgreen: '9acd32',
});

/** shields.io's named badge colours and their aliases (badge-maker), as `rrggbb`. */
export const SHIELDS_COLORS: Readonly<Record<string, string>> = Object.freeze({
  brightgreen: '44cc11', green: '97ca00', yellow: 'dfb317', yellowgreen: 'a4a61d', orange: 'fe7d37',
  red: 'e05d44', blue: '007ec6', grey: '555555', gray: '555555', lightgrey: '9f9f9f', lightgray: '9f9f9f',
  critical: 'e05d44', important: 'fe7d37', success: '44cc11', informational: '007ec6', inactive: '9f9f9f',
});

/** Which names a route accepts: CSS everywhere, shields' palette first (then CSS) on badges. */
export type Palette = 'css' | 'shields';

const HEX_RE = /^#?([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;
const NAME_RE = /^[a-z]{3,24}$/i;

/** The forms a colour may take, for error messages. */
export const COLOR_FORMS = 'a hex colour (RGB, RGBA, RRGGBB or RRGGBBAA, optional #) or a CSS colour name (red, rebeccapurple, transparent…)';

/** A colour in any accepted spelling as lowercase `rrggbbaa`, or null when it is none. */
export function parseColor(input: string, palette: Palette = 'css'): string | null {
  const hex = HEX_RE.exec(input);
  if (hex) {
    let h = hex[1].toLowerCase();
    if (h.length <= 4) h = [...h].map((c) => c + c).join('');
    return h.length === 6 ? `${h}ff` : h;
  }
  if (!NAME_RE.test(input)) return null;
  const name = input.toLowerCase();
  if (name === 'transparent') return '00000000';
  const named = (palette === 'shields' ? SHIELDS_COLORS[name] : undefined) ?? CSS_COLORS[name];
  return named ? `${named}ff` : null;
}

/** True for any colour parseColor accepts in the CSS palette (the JSON-schema `color` format). */
export function isColor(input: string): boolean {
  return parseColor(input) !== null;
}

/** True for 1-3 comma-separated colours (the JSON-schema `color-list` format: a background or gradient). */
export function isColorList(input: string): boolean {
  const parts = input.split(',');
  return parts.length <= 3 && parts.every(isColor);
}

/** True for a badge colour: shields' palette first, then CSS names and hex (the JSON-schema `badge-color` format). */
export function isBadgeColor(input: string): boolean {
  return parseColor(input, 'shields') !== null;
}

/** Adds the `color`, `color-list` and `badge-color` string formats to an Ajv instance (Fastify's and the poster schema's). */
export function addColorFormats<A extends { addFormat(name: string, format: { type: 'string'; validate: (s: string) => boolean }): unknown }>(ajv: A): A {
  ajv.addFormat('color', { type: 'string', validate: isColor });
  ajv.addFormat('color-list', { type: 'string', validate: isColorList });
  ajv.addFormat('badge-color', { type: 'string', validate: isBadgeColor });
  return ajv;
}
