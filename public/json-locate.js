// Finds where a JSON pointer's value sits in JSON text, so a poster error can point at its line.

/** The [start, end) character range of the value at `pointer` (RFC 6901) in `text`, or null. */
export function locate(text, pointer) {
  const path = pointer === '' || pointer === '/' ? [] : pointer.replace(/^\//, '').split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let i = 0;
  const ws = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  const string = () => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i));
  };
  // Skips one value; returns its range, descending into the next path segment when it matches.
  const value = (depth) => {
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      for (;;) {
        ws();
        if (text[i] === '}') { i++; break; }
        if (text[i] !== '"') throw new Error('bad JSON');
        const key = string();
        ws(); i++; // :
        const found = value(depth + 1);
        if (depth < path.length && key === path[depth]) return depth + 1 === path.length ? { ...found, hit: true } : found;
        ws();
        if (text[i] === ',') i++;
      }
    } else if (c === '[') {
      i++;
      for (let n = 0; ; n++) {
        ws();
        if (text[i] === ']') { i++; break; }
        const found = value(depth + 1);
        if (depth < path.length && String(n) === path[depth]) return depth + 1 === path.length ? { ...found, hit: true } : found;
        ws();
        if (text[i] === ',') i++;
      }
    } else if (c === '"') string();
    else while (i < text.length && !/[\s,\]}]/.test(text[i])) i++;
    return { start, end: i, hit: depth === path.length && path.length === 0 };
  };
  try {
    const r = value(0);
    return r.hit ? { start: r.start, end: r.end } : null;
  } catch {
    return null;
  }
}

/** Like locate, but falls back to the nearest ancestor that exists (a missing field points at its parent). */
export function locateNearest(text, pointer) {
  for (let p = pointer; ; p = p.replace(/\/[^/]*$/, '')) {
    const r = locate(text, p);
    if (r || p === '') return r;
  }
}

/** The 1-based line of character offset `at` in `text`. */
export function lineOf(text, at) {
  return text.slice(0, at).split('\n').length;
}
