/**
 * `Content-Disposition` values for any file name (RFC 6266 + RFC 8187): an ASCII `filename="…"`
 * fallback for old clients and `filename*=UTF-8''…` with the exact name. Never throws, whatever the
 * name holds (lone surrogates become U+FFFD, quotes and controls never reach the header).
 */

/** RFC 8187 value-chars: percent-encodes everything but attr-char. */
function encodeExt(name: string): string {
  return encodeURIComponent(name.toWellFormed()).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The ASCII fallback: non-ASCII, controls, quotes, backslashes and `%` become `_`. */
export function asciiFallback(name: string): string {
  return name.replace(/[^\x20-\x7e]|["\\%]/gu, '_');
}

/** A header value `type; filename="ascii"; filename*=UTF-8''exact`. */
export function contentDisposition(type: 'inline' | 'attachment', name: string): string {
  const ascii = asciiFallback(name);
  return ascii === name ? `${type}; filename="${name}"` : `${type}; filename="${ascii}"; filename*=UTF-8''${encodeExt(name)}`;
}
