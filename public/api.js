// Talking to the service: fetch an image (GET or POST), decode it, and turn error bodies into ApiError.

/** An error answered by the service: its HTTP status and the JSON body's code, param and message. */
export class ApiError extends Error {
  constructor(status, code, message, param) {
    super(message);
    this.status = status;
    this.code = code;
    this.param = param;
  }
}

/** Reads `{"error":{code,message,param}}` from a failed response (or describes the failure). */
async function toApiError(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    // not JSON
  }
  const e = body && body.error ? body.error : {};
  return new ApiError(res.status, e.code || `http_${res.status}`, e.message || res.statusText || 'request failed', e.param);
}

/**
 * Fetches and decodes an image. `req` is `{ url }` for GET, or `{ url, body, key }` for a POST
 * of a JSON body. Resolves with the decoded image, its object URL, bytes and timings; rejects
 * with ApiError, or with an AbortError when `signal` fires.
 */
export async function fetchImage(req, signal) {
  const t0 = performance.now();
  const init = { signal, cache: 'no-store' };
  if (req.body !== undefined) {
    init.method = 'POST';
    init.headers = { 'content-type': 'application/json' };
    if (req.key) init.headers.authorization = `Bearer ${req.key}`;
    init.body = req.body;
  }
  const res = await fetch(req.url, init);
  if (!res.ok) throw await toApiError(res);
  const blob = await res.blob();
  const ms = performance.now() - t0;
  const objectUrl = URL.createObjectURL(blob);
  const img = new Image();
  img.src = objectUrl;
  try {
    await img.decode();
  } catch {
    URL.revokeObjectURL(objectUrl);
    throw new ApiError(res.status, 'undecodable', 'the browser could not decode the image');
  }
  if (signal.aborted) {
    URL.revokeObjectURL(objectUrl);
    throw new DOMException('aborted', 'AbortError');
  }
  return { objectUrl, width: img.naturalWidth, height: img.naturalHeight, bytes: blob.size, type: blob.type, ms, etag: res.headers.get('etag'), ...serverTiming(res.headers.get('server-timing')) };
}

/** The render time the service reports in Server-Timing (`render;dur=…`), or that it came from its cache. */
export function serverTiming(header) {
  const h = header ?? '';
  if (/(^|,)\s*cache\b/.test(h)) return { cached: true, renderMs: null };
  const m = /(?:^|,)\s*render;dur=([\d.]+)/.exec(h);
  return { cached: false, renderMs: m ? Number(m[1]) : null };
}

/** Asks the service to sign a render or template URL path with the caller's key (POST /sign). */
export async function signUrl(path, key, signal) {
  const res = await fetch('/sign', {
    method: 'POST', signal, cache: 'no-store',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ url: path }),
  });
  if (!res.ok) throw await toApiError(res);
  return (await res.json()).url;
}

/** GETs JSON from the service. */
export async function getJson(path) {
  const res = await fetch(path, { cache: 'no-store' });
  if (!res.ok) throw await toApiError(res);
  return res.json();
}
