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
