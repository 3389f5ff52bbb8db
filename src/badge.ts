/**
 * shields.io static badges: `/badge/{label}-{message}-{color}[.{png|jpg|webp}]` or
 * `/badge/{message}-{color}`, with shields' escapes (`--` → `-`, `__` → `_`, `_` → space) and
 * query `labelColor`, `color`, `style`, `dpr`. Colours take shields' palette first (red is
 * `#e05d44`), then CSS names and hex. The result is one frozen BadgeSpec, the source of the ETag.
 */
import { deepFreeze } from '../workers/shared.js';
import type { BadgeSpec, BadgeStyle, FontCatalog, ImageFormat } from '../workers/protocol.js';
import { normalizeText } from '../workers/text-normalize.js';
import { badParam } from './errors.js';
import { canonicalColor, outputFormat, resolveFamily } from './params.js';
import { DECIMAL, decimalMessage } from './query-string.js';

/** Defaults: shields' grey label, PNG when the path has no extension, flat style, 1x. */
export const BADGE_DEFAULTS = Object.freeze({ labelColor: 'grey', format: 'png', style: 'flat', dpr: 1, q: 90, font: 'sans' });
/** Longest label or message, in characters (a badge stays well inside MAX_WIDTH). */
export const BADGE_MAX_TEXT = 128;

/** Query string of a badge URL after schema validation. */
export interface BadgeQuery { labelColor?: string; color?: string; style?: string; dpr?: number | string; sig?: string }

/** Splits on single `-`; `--` is a literal `-`. */
function splitDashes(s: string): string[] {
  const parts = [''];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '-' && s[i + 1] === '-') {
      parts[parts.length - 1] += '-';
      i++;
    } else if (s[i] === '-') {
      parts.push('');
    } else {
      parts[parts.length - 1] += s[i];
    }
  }
  return parts;
}

/** shields' text escapes: `__` is `_`, a single `_` is a space. */
export function unescapeBadgeText(s: string): string {
  return s.replace(/__|_/g, (m) => (m === '__' ? '_' : ' '));
}

function badgeText(raw: string, param: string, required: boolean): string {
  const text = normalizeText(unescapeBadgeText(raw)).replace(/\n/g, ' ');
  if (required && text.trim().length === 0) throw badParam('invalid_parameter', param, `${param} must contain something to draw`);
  if ([...text].length > BADGE_MAX_TEXT) throw badParam('text_too_long', param, `${param} is longer than ${BADGE_MAX_TEXT} characters`);
  return text;
}

/** Parses the badge path (after `/badge/`, URL-decoded) and query into the canonical BadgeSpec. */
export function canonicalizeBadge(content: string, query: BadgeQuery, catalog: FontCatalog): BadgeSpec {
  let format: ImageFormat = BADGE_DEFAULTS.format as ImageFormat;
  let body = content;
  // Colours never hold a dot (nor a dash), so a final `.ext` is the format.
  const ext = /\.([A-Za-z0-9]+)$/.exec(body);
  if (ext) {
    format = outputFormat(ext[1]);
    body = body.slice(0, -ext[0].length);
  }
  const parts = splitDashes(body);
  if (parts.length < 2 || parts.length > 3) {
    throw badParam('invalid_parameter', 'badge', 'a badge path is /badge/{label}-{message}-{color} or /badge/{message}-{color}; write a literal - as -- and _ as __');
  }
  const [labelRaw, messageRaw, colorRaw] = parts.length === 3 ? parts : ['', parts[0], parts[1]];
  // The route checks the spelling before its schema coerces; the signer passes raw strings.
  if (typeof query.dpr === 'string' && !DECIMAL.test(query.dpr)) throw badParam('invalid_parameter', 'dpr', decimalMessage('dpr'));
  const fam = resolveFamily(catalog, BADGE_DEFAULTS.font)!;
  const spec: BadgeSpec = {
    kind: 'badge',
    format,
    label: badgeText(labelRaw, 'label', false),
    message: badgeText(messageRaw, 'message', true),
    labelColor: canonicalColor(query.labelColor ?? BADGE_DEFAULTS.labelColor, 'labelColor', 'shields'),
    color: canonicalColor(query.color ?? colorRaw, 'color', 'shields'),
    style: (query.style ?? BADGE_DEFAULTS.style) as BadgeStyle,
    font: fam,
    dpr: Math.round(Number(query.dpr ?? BADGE_DEFAULTS.dpr) * 100) / 100,
    q: format === 'png' ? 0 : BADGE_DEFAULTS.q,
  };
  return deepFreeze(spec);
}

/** The canonical string of a badge (its ETag and signature source; `kind` keeps it apart from render specs). */
export function badgeCanonicalString(spec: BadgeSpec): string {
  return JSON.stringify(spec);
}
