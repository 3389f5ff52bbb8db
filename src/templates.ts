/**
 * Templates: named poster documents with `{{variables}}` (in text, colours, asset names and
 * numbers), loaded at start from `templates/` and TEMPLATE_DIRS. Each variable is declared with
 * a type, bounds and a default (or `required`). A template is checked when it loads (variables
 * well formed, every placeholder declared, its example renders as a valid document); a broken
 * template is logged and skipped, never half-served.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PosterSpec } from '../workers/protocol.js';
import { AppError, badParam } from './errors.js';
import { canonicalColor } from './params.js';
import { DECIMAL, decimalMessage } from './query-string.js';
import { canonicalizePoster, type PosterContext } from './poster.js';

/** A declared template variable. */
export interface TemplateVariable {
  readonly type: 'string' | 'color' | 'number' | 'asset';
  readonly description?: string;
  readonly default?: string | number;
  /** Required variables have no default; `example` fills them for previews and the gallery. */
  readonly required?: boolean;
  readonly example?: string | number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
}

/** A loaded template. */
export interface Template {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly variables: Readonly<Record<string, TemplateVariable>>;
  readonly document: Readonly<Record<string, unknown>>;
  readonly file: string;
}

/** Query parameters of GET /t/{name}.{format} that are not template variables. */
export const RESERVED = Object.freeze(['dpr', 'q', 'sig']);
const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const VAR = /^[a-zA-Z][a-zA-Z0-9_]{0,31}$/;
const PLACEHOLDER = /\{\{\s*([a-zA-Z][a-zA-Z0-9_]*)\s*\}\}/g;
const WHOLE = /^\{\{\s*([a-zA-Z][a-zA-Z0-9_]*)\s*\}\}$/;
const DEFAULT_MAX_LENGTH = 500;

/** Every placeholder name used in a document. */
function placeholders(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === 'string') for (const m of value.matchAll(PLACEHOLDER)) out.add(m[1]);
  else if (Array.isArray(value)) value.forEach((v) => placeholders(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => placeholders(v, out));
  return out;
}

/** Problems with a template's variable declarations. */
function checkVariables(vars: Record<string, TemplateVariable>): string[] {
  const problems: string[] = [];
  for (const [name, v] of Object.entries(vars)) {
    if (!VAR.test(name) || RESERVED.includes(name)) problems.push(`variable "${name}": names are letters, digits and _ (not ${RESERVED.join(', ')})`);
    if (!['string', 'color', 'number', 'asset'].includes(v.type)) problems.push(`variable "${name}": type must be string, color, number or asset`);
    if (v.required && v.example === undefined) problems.push(`variable "${name}": a required variable needs an example`);
    if (!v.required && v.default === undefined) problems.push(`variable "${name}": needs a default or required: true`);
  }
  return problems;
}

/** Converts and checks one variable value; throws the 400 naming the variable. */
function coerce(name: string, v: TemplateVariable, raw: string | number, ctx: PosterContext): string | number {
  const s = String(raw);
  switch (v.type) {
    case 'number': {
      // A JSON number (a row, a default) is taken as it is; a string must be a plain decimal.
      if (typeof raw === 'string' && !DECIMAL.test(raw)) throw badParam('invalid_parameter', name, decimalMessage(name));
      const n = Number(s);
      if (!Number.isFinite(n)) throw badParam('invalid_parameter', name, `${name} must be a finite number`);
      if ((v.minimum !== undefined && n < v.minimum) || (v.maximum !== undefined && n > v.maximum)) throw badParam('out_of_range', name, `${name} must be from ${v.minimum ?? '-∞'} to ${v.maximum ?? '∞'}`);
      return n;
    }
    case 'color':
      return `#${canonicalColor(s, name)}`;
    case 'asset':
      if (!ctx.assets.has(s)) throw badParam('unknown_asset', name, `${name}: no asset named "${s.slice(0, 100)}"; see GET /assets`);
      return s;
    default: {
      const max = v.maxLength ?? DEFAULT_MAX_LENGTH;
      if ([...s].length > max) throw badParam('text_too_long', name, `${name} is longer than ${max} characters`);
      return s;
    }
  }
}

/** Replaces placeholders; records which pointers each variable reached. */
function substitute(value: unknown, values: Record<string, string | number>, pointer: string, reached: Map<string, string>): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    // A number variable alone in a numeric field stays a number; in text it is text.
    if (whole && !pointer.endsWith('/text')) {
      reached.set(pointer, whole[1]);
      return values[whole[1]];
    }
    return value.replace(PLACEHOLDER, (_, n: string) => {
      reached.set(pointer, n);
      return String(values[n]);
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, values, `${pointer}/${i}`, reached));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, values, `${pointer}/${k}`, reached)]));
  }
  return value;
}

/** The templates found at start. */
export class TemplateStore {
  private readonly byName = new Map<string, Template>();
  /** Files that failed to load, with every problem (logged at start). */
  readonly skipped: { file: string; problems: string[] }[] = [];

  constructor(dirs: readonly string[], private readonly ctx: PosterContext) {
    for (const dir of dirs) {
      let files: string[];
      try {
        files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
      } catch {
        continue;
      }
      for (const f of files) this.load(path.join(dir, f));
    }
  }

  private load(file: string): void {
    const name = path.basename(file, '.json');
    if (this.byName.has(name)) return; // earlier folders win
    const problems: string[] = [];
    let t: Template | null = null;
    try {
      const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Template>;
      if (!NAME.test(name)) problems.push('file names are lowercase letters, digits and -');
      const variables = raw.variables ?? {};
      problems.push(...checkVariables(variables));
      if (!raw.document || typeof raw.document !== 'object') problems.push('document: missing');
      for (const p of placeholders(raw.document)) if (!Object.hasOwn(variables, p)) problems.push(`placeholder {{${p}}} is not a declared variable`);
      t = { name, title: raw.title ?? name, description: raw.description ?? '', variables, document: raw.document ?? {}, file };
      if (problems.length === 0) this.fill(t, {}, 'png', true);
    } catch (err) {
      problems.push(err instanceof AppError ? `${err.param ?? ''}: ${err.message}` : (err as Error).message);
    }
    if (problems.length > 0 || !t) this.skipped.push({ file, problems });
    else this.byName.set(name, Object.freeze(t));
  }

  /** Every template, sorted by name. */
  list(): Template[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** One template, or 404 `unknown_template`. */
  get(name: string): Template {
    const t = this.byName.get(name);
    if (!t) throw AppError.of('unknown_template', `no template named "${name.slice(0, 64)}"; see GET /templates`, 'name');
    return t;
  }

  /**
   * Fills a template from query values (`dpr` and `q` override the document's) and returns the
   * canonical poster. Unknown or missing variables, bad values, and values that make the document
   * invalid answer 400 naming the variable. `examples` fills required variables with their examples.
   */
  fill(t: Template, query: Record<string, string | number | undefined>, format: string, examples = false): PosterSpec {
    // Own keys only: `constructor`, `toString` or `__proto__` are not variables of any template.
    for (const key of Object.keys(query)) {
      if (!Object.hasOwn(t.variables, key) && !RESERVED.includes(key)) throw badParam('unknown_parameter', key, `template ${t.name} has no variable "${key.slice(0, 40)}"; it takes ${Object.keys(t.variables).join(', ') || 'none'}`);
    }
    const values: Record<string, string | number> = {};
    for (const [name, v] of Object.entries(t.variables)) {
      const given = Object.hasOwn(query, name) ? query[name] : undefined;
      const raw = given ?? (examples && v.required ? v.example : v.default);
      if (raw === undefined) throw badParam('missing_parameter', name, `${name} is required by template ${t.name}`);
      values[name] = coerce(name, v, raw, this.ctx);
    }
    const reached = new Map<string, string>();
    const doc = substitute(t.document, values, '', reached) as Record<string, unknown>;
    for (const [param, field] of [['dpr', 'dpr'], ['q', 'quality']] as const) {
      const given = Object.hasOwn(query, param) ? query[param] : undefined;
      if (given === undefined) continue;
      if (typeof given === 'string' && !DECIMAL.test(given)) throw badParam('invalid_parameter', param, decimalMessage(param));
      const n = Number(given);
      if (!Number.isFinite(n)) throw badParam('invalid_parameter', param, `${param} must be a finite number`);
      doc[field] = n;
    }
    try {
      return canonicalizePoster(doc, this.ctx, format);
    } catch (err) {
      if (!(err instanceof AppError) || !err.param) throw err;
      const p = err.param;
      if (p === '/dpr' || p === '/quality') throw badParam(err.code, p === '/dpr' ? 'dpr' : 'q', err.message.replace(p, p === '/dpr' ? 'dpr' : 'q'));
      for (const [pointer, name] of reached) {
        if (p === pointer || p.startsWith(`${pointer}/`) || pointer.startsWith(`${p}/`)) throw AppError.of(err.code, `${name}: ${err.message}`, name);
      }
      throw err;
    }
  }
}
