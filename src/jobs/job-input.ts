/**
 * Job submissions, parsed once at the edge: a JSON body (`{template, format, rows}` or
 * `{documents}`), NDJSON (one row or document per line; `template`/`format`/`webhook` in the query)
 * or CSV (header row = variable names; `template` in the query). Limits and the webhook allowlist
 * are checked here, and so are the keys of template rows (a CSV header or a row's fields): a key
 * that is not a variable of the template, or a required variable no row can fill, is a 400 naming
 * it, not an accepted job whose every row fails. Numbers given as text (`dpr`, `q` and the
 * template's number variables, in a CSV cell or a JSON string) must be spelled as the one decimal
 * grammar (query-string.ts DECIMAL): `" 2"`, `1e2` or `0x2` is a 400 naming `rows/<i>/<key>` at
 * submit. Every other value is checked when its row renders, so one bad value fails only its row.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { WEBHOOK_HOST_ENTRY } from '../config.js';
import { badParam } from '../errors.js';
import { requireFormat } from '../params.js';
import { DECIMAL, decimalMessage } from '../query-string.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../json-body.js';
import { RESERVED, type Template, type TemplateStore } from '../templates.js';
import type { JobSource } from './job-model.js';

/** A parsed submission. */
export interface JobSubmission {
  readonly source: JobSource;
  /** Variables per row (template jobs) or poster documents. */
  readonly rows: readonly Record<string, unknown>[];
  readonly webhook: string | null;
}

/** What parsing needs. */
export interface InputLimits {
  readonly maxItems: number;
  readonly webhookHosts: readonly string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Whether WEBHOOK_HOSTS entry `entry` (a host: the scheme's default port only; or host:port) allows the (parsed) webhook URL `u`. */
function allows(entry: string, u: URL): boolean {
  const m = WEBHOOK_HOST_ENTRY.exec(entry.trim().toLowerCase());
  if (!m) return false;
  const defaultPort = u.protocol === 'https:' ? 443 : 80;
  return m[1] === u.hostname && Number(m[2] ?? defaultPort) === Number(u.port || defaultPort);
}

/**
 * Checks a webhook URL against the allowlist; returns it or throws 400 naming `webhook`. A
 * host-only entry allows that host on the default port of the URL's scheme (443 for https, 80
 * for http) and nothing else; `host:port` allows exactly that port. URLs carrying credentials
 * (`https://user:pass@host/`) are refused: fetch would never deliver them.
 */
export function checkWebhook(url: unknown, hosts: readonly string[]): string | null {
  if (url === undefined || url === null || url === '') return null;
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    throw badParam('invalid_parameter', 'webhook', 'webhook must be an absolute http(s) URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw badParam('invalid_parameter', 'webhook', 'webhook must be an http(s) URL');
  if (u.username !== '' || u.password !== '') throw badParam('invalid_parameter', 'webhook', 'webhook must not carry credentials (user:pass@); authenticate the receiver with X-Letterpress-Signature');
  if (!hosts.some((h) => allows(h, u))) {
    throw badParam('invalid_parameter', 'webhook', `webhook host ${u.host} is not in WEBHOOK_HOSTS${hosts.length ? ' (a host without a port allows only the default port of the scheme)' : ' (empty: webhooks are off)'}`);
  }
  return u.toString();
}

function rowsOf(lines: unknown[], what: string, maxItems: number): Record<string, unknown>[] {
  if (lines.length === 0) throw badParam('invalid_parameter', what, `${what} must hold at least one item`);
  if (lines.length > maxItems) throw badParam('out_of_range', what, `${what} holds ${lines.length} items; the limit per job is ${maxItems}`);
  lines.forEach((r, i) => {
    if (!isObject(r)) throw badParam('invalid_parameter', `${what}/${i}`, `${what}/${i} must be an object`);
  });
  return lines as Record<string, unknown>[];
}

function templateSource(name: unknown, format: unknown, templates: TemplateStore): { source: JobSource; template: Template } {
  if (typeof name !== 'string' || name === '') throw badParam('missing_parameter', 'template', 'template is required for rows of variables');
  const t = templates.get(name); // 404 unknown_template
  const fmt = String(format ?? t.document.format ?? 'png');
  return { source: { kind: 'template', template: t.name, format: requireFormat(fmt) }, template: t };
}

/** Keys a template row may carry besides the template's variables. */
const ROW_EXTRAS: readonly string[] = ['filename', ...RESERVED];

/**
 * Checks the keys of one template row (or a CSV header): each names a variable (or `filename`,
 * `dpr`, `q`), and every required variable is there. `param` maps a key to the parameter named in
 * the 400; `what` labels it in the message.
 */
export function checkRowKeys(t: Template, keys: readonly string[], param: (key: string) => string, what: (key: string) => string): void {
  const takes = (): string => [...Object.keys(t.variables), 'filename'].join(', ');
  for (const k of keys) {
    if (!Object.hasOwn(t.variables, k) && !ROW_EXTRAS.includes(k)) {
      throw badParam('unknown_parameter', param(k), `${what(k)}: template ${t.name} has no variable "${k.slice(0, 40)}"; it takes ${takes()}`);
    }
  }
  for (const [name, v] of Object.entries(t.variables)) {
    if (v.required && !keys.includes(name)) throw badParam('missing_parameter', param(name), `${what(name)} is missing; template ${t.name} requires ${name}`);
  }
}

/**
 * Checks the numbers of template rows given as text (`dpr`, `q`, the template's number variables):
 * a non-empty string must be a plain decimal (an empty CSV cell means "the default"). 400 naming
 * `rows/<i>/<key>`.
 */
export function checkRowNumbers(t: Template, rows: readonly Record<string, unknown>[]): void {
  const numeric = ['dpr', 'q', ...Object.entries(t.variables).filter(([, v]) => v.type === 'number').map(([k]) => k)];
  rows.forEach((row, i) => {
    for (const k of numeric) {
      const v = Object.hasOwn(row, k) ? row[k] : undefined;
      if (typeof v === 'string' && v !== '' && !DECIMAL.test(v)) throw badParam('invalid_parameter', `rows/${i}/${k}`, `rows/${i}: ${decimalMessage(k)}`);
    }
  });
}

/** Template rows, checked row by row (`rows/<i>/<key>`). */
function templateRows(t: Template, lines: unknown[], maxItems: number): Record<string, unknown>[] {
  const rows = rowsOf(lines, 'rows', maxItems);
  rows.forEach((row, i) => checkRowKeys(t, Object.keys(row), (k) => `rows/${i}/${k}`, (k) => `rows/${i}: "${k.slice(0, 40)}"`));
  checkRowNumbers(t, rows);
  return rows;
}

/** Parses a JSON body. */
export function fromJson(body: unknown, templates: TemplateStore, limits: InputLimits): JobSubmission {
  if (!isObject(body)) throw badParam('invalid_document', '/', 'the body must be a JSON object');
  for (const k of Object.keys(body)) {
    if (!['template', 'format', 'rows', 'documents', 'webhook'].includes(k)) throw badParam('unknown_parameter', k, `unknown field "${k.slice(0, 40)}"`);
  }
  const webhook = checkWebhook(body.webhook, limits.webhookHosts);
  if ((body.rows === undefined) === (body.documents === undefined)) throw badParam('invalid_parameter', 'rows', 'give either rows (with a template) or documents');
  if (body.documents !== undefined) {
    if (!Array.isArray(body.documents)) throw badParam('invalid_parameter', 'documents', 'documents must be an array');
    return { source: { kind: 'documents' }, rows: rowsOf(body.documents, 'documents', limits.maxItems), webhook };
  }
  if (!Array.isArray(body.rows)) throw badParam('invalid_parameter', 'rows', 'rows must be an array');
  const { source, template } = templateSource(body.template, body.format, templates);
  return { source, rows: templateRows(template, body.rows, limits.maxItems), webhook };
}

/** Parses NDJSON: one JSON object per line (blank lines ignored). */
export function fromNdjson(text: string, query: Record<string, string>, templates: TemplateStore, limits: InputLimits): JobSubmission {
  const lines: unknown[] = [];
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    if (lines.length >= limits.maxItems) throw badParam('out_of_range', 'body', `more than ${limits.maxItems} lines; the limit per job is ${limits.maxItems}`);
    if (jsonDepthExceeds(line)) throw badParam('invalid_document', 'body', `line ${i + 1} nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`);
    try {
      lines.push(JSON.parse(line));
    } catch {
      throw badParam('invalid_document', `line ${i + 1}`, `line ${i + 1} is not valid JSON`);
    }
  }
  const webhook = checkWebhook(query.webhook, limits.webhookHosts);
  if (query.template) {
    const { source, template } = templateSource(query.template, query.format, templates);
    return { source, rows: templateRows(template, lines, limits.maxItems), webhook };
  }
  return { source: { kind: 'documents' }, rows: rowsOf(lines, 'documents', limits.maxItems), webhook };
}

/** Parses CSV: the header row names the template's variables (checked: 400 naming a column); every other row is one poster. */
export function fromCsv(text: string, query: Record<string, string>, templates: TemplateStore, limits: InputLimits): JobSubmission {
  const { source, template } = templateSource(query.template, query.format, templates);
  let header: string[] = [];
  let records: Record<string, string>[];
  try {
    records = parseCsv(text, {
      columns: (h: string[]) => (header = h), bom: true, skip_empty_lines: true, trim: false, relax_column_count: false, max_record_size: 64 * 1024,
    }) as Record<string, string>[];
  } catch (err) {
    throw badParam('invalid_document', 'body', `the CSV could not be read: ${(err as Error).message.slice(0, 200)}`);
  }
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw badParam('invalid_document', h, `the CSV header names column "${h.slice(0, 40)}" twice`);
    seen.add(h);
  }
  checkRowKeys(template, header, (k) => k, (k) => `CSV column "${k.slice(0, 40)}"`);
  const rows = rowsOf(records, 'rows', limits.maxItems);
  checkRowNumbers(template, rows);
  return { source, rows, webhook: checkWebhook(query.webhook, limits.webhookHosts) };
}
