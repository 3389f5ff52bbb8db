/** Ambient types for small untyped dependencies. */
declare module 'linebreak' {
  /** A break opportunity: `position` is a UTF-16 offset; `required` for hard breaks. */
  interface Break { position: number; required: boolean }
  /** UAX #14 line breaker over one string. */
  class LineBreaker {
    constructor(text: string);
    nextBreak(): Break | null;
  }
  export default LineBreaker;
}

declare module 'bidi-js' {
  /** Result of the Unicode Bidirectional Algorithm over a string. */
  interface EmbeddingLevels {
    levels: Uint8Array;
    paragraphs: { start: number; end: number; level: number }[];
  }
  /** The bidi-js API object. */
  interface Bidi {
    getEmbeddingLevels(text: string, direction?: 'ltr' | 'rtl'): EmbeddingLevels;
    getReorderSegments(text: string, levels: EmbeddingLevels, start?: number, end?: number): [number, number][];
  }
  export default function bidiFactory(): Bidi;
}

declare module 'opentype.js' {
  /** The parts of an opentype.js Font this project reads. */
  interface Font {
    names: unknown;
    tables: Record<string, unknown>;
  }
  /** The opentype.js module object. */
  const opentype: { parse(buffer: ArrayBuffer): Font };
  export default opentype;
}

declare module 'autocannon' {
  /** The parts of autocannon's options this project uses. */
  export interface Options {
    url: string;
    connections?: number;
    duration?: number;
    overallRate?: number;
    headers?: Record<string, string>;
    requests?: { setupRequest?: (req: { path: string }) => { path: string } }[];
  }
  /** A latency or rate histogram summary. */
  export interface Histogram { average: number; mean: number; p50: number; p97_5: number; p99: number; total: number; max: number }
  /** The parts of autocannon's result this project reads. */
  export interface Result {
    requests: Histogram;
    latency: Histogram;
    throughput: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    duration: number;
  }
  function autocannon(opts: Options): Promise<Result>;
  export default autocannon;
}
