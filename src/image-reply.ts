/**
 * How every image route answers (`/render.*`, `/t/…`, `POST /render`, placeholders, badges): the
 * ETag with immutable caching, 304 from `If-None-Match` without rendering, else the image rendered
 * through the image cache (identical renders coalesced, a client that leaves cancels its share)
 * with its Content-Type, Content-Length and `Server-Timing`, and what the request log records.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ImageFormat, RenderOk } from '../workers/protocol.js';
import { matchesIfNoneMatch } from './etag.js';
import type { ImageCache } from './image-cache.js';
import type { Metrics } from './metrics.js';

/** The Content-Type of each output format. */
export const CONTENT_TYPES: Readonly<Record<ImageFormat, string>> = Object.freeze({ png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' });

/** Cache-Control of successful image answers (and their 304s): the URL fully determines the bytes. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** What the request log records about an image request. */
export interface RenderLogInfo {
  format: string;
  px: string;
  /** `etag` (answered 304, or failed before an image), else where the image came from (image-cache.ts Source). */
  outcome: string;
  textLength: number;
  /** Size the text was set at, line count and whether an ellipsis cut it (when an image was sent). */
  fontSize?: number;
  lines?: number;
  truncated?: boolean;
}

/** What answering one image needs besides the request: the image cache and the metrics its renders feed. */
export interface ImageReplyDeps {
  readonly cache: ImageCache;
  readonly metrics: Metrics;
}

/** One image to answer: its ETag, what the log records, and how to render it on a cache miss. */
export interface ImageAnswer {
  readonly etag: string;
  readonly info: { readonly format: ImageFormat; readonly px: string; readonly textLength: number };
  readonly render: (signal: AbortSignal) => Promise<RenderOk>;
}

/**
 * Answers an image by its ETag: sets the ETag and immutable caching, answers 304 without rendering
 * when `If-None-Match` holds it, else renders through the image cache and sends the image.
 */
export async function replyImage(req: FastifyRequest, reply: FastifyReply, a: ImageAnswer, deps: ImageReplyDeps): Promise<FastifyReply> {
  req.renderInfo = { ...a.info, outcome: 'etag' };
  reply.header('ETag', a.etag).header('Cache-Control', IMMUTABLE);
  if (matchesIfNoneMatch(req.headers['if-none-match'], a.etag)) return reply.status(304).send();
  return sendImage(req, reply, { etag: a.etag, format: a.info.format, cache: deps.cache, metrics: deps.metrics, render: a.render });
}

/**
 * Renders through the image cache (coalescing identical renders; a client that leaves cancels its
 * share), records each stage's time and the outcome, and sends the image with `Server-Timing`.
 */
export async function sendImage(req: FastifyRequest, reply: FastifyReply, o: { etag: string; format: ImageFormat; cache: ImageCache; metrics: Metrics; render: (signal: AbortSignal) => Promise<RenderOk> }): Promise<FastifyReply> {
  const hit = o.cache.peek(o.etag);
  if (hit) return send(req, reply, o.format, hit, 'cache');
  const client = new AbortController();
  if (req.raw.socket?.destroyed) client.abort(); // gone before we got here
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) client.abort();
  });
  const { image, source } = await o.cache.get(o.etag, async (signal) => {
    const rendered = await o.render(signal);
    for (const [stage, ms] of Object.entries(rendered.timings)) o.metrics.stageSeconds.observe({ stage }, ms / 1000);
    return rendered;
  }, client.signal);
  return send(req, reply, o.format, image, source);
}

/** Sends an image with its type, length and `Server-Timing`, and records where it came from. */
function send(req: FastifyRequest, reply: FastifyReply, format: ImageFormat, image: RenderOk, source: string): FastifyReply {
  if (req.renderInfo) Object.assign(req.renderInfo, { outcome: source, fontSize: image.fontSize, lines: image.lines, truncated: image.truncated });
  reply.header('Server-Timing', serverTiming(source, image.timings));
  return reply.type(CONTENT_TYPES[format]).header('Content-Length', image.body.byteLength).send(image.body);
}

/** `Server-Timing` of an image answer: the render's stages and total, or `cache` when it was served from memory. */
export function serverTiming(source: string, timings: Record<string, number>): string {
  if (source === 'cache') return 'cache;desc="image cache hit"';
  const total = Object.values(timings).reduce((a, b) => a + b, 0);
  const stages = Object.entries(timings).filter(([k]) => /^[a-zA-Z][\w-]*$/.test(k)).map(([k, ms]) => `${k};dur=${ms.toFixed(1)}`);
  return [`render;dur=${total.toFixed(1)};desc="${source}"`, ...stages].join(', ');
}

declare module 'fastify' {
  interface FastifyRequest {
    /** What the request log records about an image request (set by replyImage). */
    renderInfo?: RenderLogInfo;
  }
}
