/**
 * Accept-header negotiation for error answers: does the client rank an image above JSON? An
 * `<img>` request does (Chromium sends `image/avif,image/webp,image/apng,image/svg+xml,image/*,*\/*;q=0.8`);
 * curl's `*\/*`, `application/json` and a missing header do not, so API clients keep the JSON.
 */

interface MediaRange { readonly type: string; readonly subtype: string; readonly q: number }

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.slice(0, 2000).split(',')) {
    const [media, ...params] = part.split(';');
    const [type, subtype] = media.trim().toLowerCase().split('/');
    if (!type || !subtype) continue;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=');
      if (k.trim().toLowerCase() === 'q') q = Number(v);
    }
    if (Number.isFinite(q)) ranges.push({ type, subtype, q: Math.min(1, Math.max(0, q)) });
  }
  return ranges;
}

/** The q the header gives `type/subtype`: from its most specific matching range (0 when none matches). */
function qualityOf(ranges: readonly MediaRange[], type: string, subtype: string): number {
  let best = -1, q = 0;
  for (const r of ranges) {
    const specificity = r.type === type && r.subtype === subtype ? 2 : r.type === type && r.subtype === '*' ? 1 : r.type === '*' && r.subtype === '*' ? 0 : -1;
    if (specificity > best) {
      best = specificity;
      q = r.q;
    }
  }
  return q;
}

/** True when `accept` ranks image/png strictly above application/json (a tie keeps JSON). */
export function prefersImage(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = parseAccept(accept);
  return qualityOf(ranges, 'image', 'png') > qualityOf(ranges, 'application', 'json');
}
