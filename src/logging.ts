/**
 * Log output. `LogSink` is the destination pino writes to: lines go to stdout without ever
 * blocking the main thread or growing without bound. When the reader stalls (a full pipe, a stuck
 * log shipper) at most `maxBytes` wait in memory; further lines are dropped and counted, and once
 * the reader catches up one warning line says how many were lost. Pretty-printed (pino-pretty) on
 * a terminal, one JSON line per entry otherwise (CI, Docker, pipes). Also prints the start banner.
 */
import os from 'node:os';
import pinoPretty from 'pino-pretty';
import type { Config } from './config.js';

/** The stream a sink writes to: process.stdout, or any writable (tests). */
export type LogOutput = NodeJS.WritableStream & { readonly writableLength?: number; readonly isTTY?: boolean };

/** Sink options. */
export interface LogSinkOptions {
  /** Pretty-print (pino-pretty) instead of writing the JSON lines as they come. */
  readonly pretty: boolean;
  /** Most bytes waiting for the reader before lines are dropped. */
  readonly maxBytes?: number;
  /** Whether the "lines dropped" warning is at or above the configured level. */
  readonly warn?: boolean;
}

/** Bytes of log lines kept waiting for a stalled reader before dropping (1 MiB). */
export const LOG_BUFFER_BYTES = 1024 * 1024;

/** `pretty` or `json` for this configuration and output: `auto` is pretty on a terminal. */
export function logFormat(config: Pick<Config, 'logFormat'>, out: LogOutput = process.stdout): 'pretty' | 'json' {
  if (config.logFormat !== 'auto') return config.logFormat;
  return out.isTTY ? 'pretty' : 'json';
}

/** A bounded, non-blocking log destination (pino calls `write` with one JSON line). */
export class LogSink {
  /** Lines dropped since start because the reader stalled. */
  dropped = 0;
  private droppedSinceWarn = 0;
  private broken = false;
  private readonly prettify: ((line: string) => string) | null;
  private readonly maxBytes: number;

  constructor(private readonly out: LogOutput, private readonly opts: LogSinkOptions) {
    this.maxBytes = opts.maxBytes ?? LOG_BUFFER_BYTES;
    this.prettify = opts.pretty
      ? pinoPretty.prettyFactory({ colorize: Boolean(out.isTTY), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true })
      : null;
    // EPIPE and the like: the reader is gone; count the lines instead of crashing on them.
    out.on('error', () => {
      this.broken = true;
    });
    out.on('drain', () => this.recovered());
  }

  /** Whether the output is pretty-printed. */
  get pretty(): boolean {
    return this.prettify !== null;
  }

  /** Bytes waiting for the reader. */
  get pending(): number {
    return this.out.writableLength ?? 0;
  }

  /** Writes one pino line (formatted when pretty); drops it when the reader is too far behind. */
  write(line: string): boolean {
    let text = line;
    if (this.prettify) {
      try {
        text = this.prettify(line);
      } catch {
        text = line;
      }
    }
    return this.writeRaw(text);
  }

  /** Writes text as it is (the banner), with the same bound. */
  writeRaw(text: string): boolean {
    if (this.broken || this.pending + text.length > this.maxBytes) {
      this.dropped++;
      this.droppedSinceWarn++;
      return false;
    }
    this.out.write(text);
    return true;
  }

  /** Resolves true once everything written reached the reader, or false at the deadline. */
  async flush(deadlineMs: number): Promise<boolean> {
    const until = Date.now() + deadlineMs;
    while (this.pending > 0 && !this.broken) {
      if (Date.now() >= until) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return !this.broken;
  }

  private recovered(): void {
    if (this.droppedSinceWarn === 0) return;
    const n = this.droppedSinceWarn;
    this.droppedSinceWarn = 0;
    if (this.opts.warn === false) return;
    this.write(`${JSON.stringify({
      level: 40, time: Date.now(), pid: process.pid, hostname: os.hostname(), dropped: n, droppedTotal: this.dropped,
      msg: `log output stalled: ${n} log lines dropped (the reader of stdout did not keep up)`,
    })}\n`);
  }
}

/** Creates the sink for this configuration on stdout. */
export function createLogSink(config: Pick<Config, 'logFormat' | 'logLevel'>, out: LogOutput = process.stdout, maxBytes?: number): LogSink {
  return new LogSink(out, { pretty: logFormat(config, out) === 'pretty', maxBytes, warn: ['trace', 'debug', 'info', 'warn'].includes(config.logLevel) });
}

/** What the start banner shows. */
export interface BannerInfo {
  /** The address the server listens on, as Fastify reports it. */
  readonly listening: string;
  readonly port: number;
  /** Path of the API docs: `/docs`, or `/docs/json` where no docs page is served. */
  readonly docsPath?: string;
}

/** The banner's URLs: playground, API docs and one example render. */
export function bannerUrls(port: number, docsPath = '/docs'): { playground: string; docs: string; example: string } {
  const base = `http://localhost:${port}`;
  return {
    playground: `${base}/`,
    docs: `${base}${docsPath}`,
    example: `${base}/render.png?text=${encodeURIComponent('Hello 世界 👋')}&w=1200&h=630`,
  };
}

/**
 * Prints the start banner: plain lines when pretty, else one structured `ready` line through the
 * logger. Nothing when the level is above info.
 */
export function printBanner(sink: LogSink, log: { info(obj: object, msg: string): void; isLevelEnabled(level: string): boolean }, info: BannerInfo): void {
  const urls = bannerUrls(info.port, info.docsPath);
  if (!log.isLevelEnabled('info')) return;
  if (!sink.pretty) {
    log.info({ listening: info.listening, ...urls }, 'letterpress ready');
    return;
  }
  sink.writeRaw([
    '',
    `  Letterpress is ready, listening on ${info.listening}`,
    '',
    `  Playground   ${urls.playground}`,
    `  API docs     ${urls.docs}`,
    `  Example      ${urls.example}`,
    '',
    '',
  ].join('\n'));
}
