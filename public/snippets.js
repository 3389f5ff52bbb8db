// Copyable snippets: absolute URLs, an <img> tag with a dpr=2 srcset, and curl commands that work as pasted.

/** Quotes a string for a POSIX shell (single quotes; a ' becomes '\''). */
export function shellQuote(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}

/** Escapes text for an HTML attribute value in double quotes. */
export function escapeAttr(s) {
  return String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A path plus query from a path and ordered [name, value] pairs. */
export function buildPath(path, pairs) {
  const q = new URLSearchParams(pairs).toString();
  return q ? `${path}?${q}` : path;
}

/** The same pairs with dpr set to `dpr` (replacing any given). */
export function withDpr(pairs, dpr) {
  return [...pairs.filter(([k]) => k !== 'dpr'), ['dpr', String(dpr)]];
}

/** `<img src srcset="… 2x" width height alt>` for CSS size `w`×`h` (each left out when not a number, e.g. w=auto). */
export function imgTag(src, src2x, w, h, alt) {
  const size = [['width', w], ['height', h]].filter(([, v]) => Number.isFinite(v)).map(([k, v]) => ` ${k}="${v}"`).join('');
  return `<img src="${escapeAttr(src)}" srcset="${escapeAttr(src2x)} 2x"${size} alt="${escapeAttr(alt)}">`;
}

/** `curl -G --data-urlencode 'k=v' … URL -o out.ext`: each value URL-encoded by curl. */
export function curlGet(origin, path, pairs, ext) {
  const lines = [`curl -G`, ...pairs.map(([k, v]) => `--data-urlencode ${shellQuote(`${k}=${v}`)}`), `${shellQuote(origin + path)} -o out.${ext}`];
  return lines.join(' \\\n  ');
}

/** `curl` POSTing a JSON document; the key comes from $LETTERPRESS_KEY, never pasted into the snippet. */
export function curlPost(origin, path, json, ext, needsKey) {
  const lines = [`curl ${shellQuote(origin + path)}`, `-H 'content-type: application/json'`];
  if (needsKey) lines.push(`-H "Authorization: Bearer $LETTERPRESS_KEY"`);
  lines.push(`--data-binary ${shellQuote(json)}`, `-o out.${ext}`);
  return lines.join(' \\\n  ');
}
