/**
 * @module search-index: a pure, in-memory search over every backend's tools. Free text is ranked by BM25+
 * (MiniSearch) over the tool's name, title, description, parameter names and parameter descriptions, with the
 * server's name and description as weak context; `regex: true` matches a pattern with RE2 semantics instead, so no
 * pattern can backtrack catastrophically. Results are ordered deterministically: equal scores fall back to server,
 * then tool name. Build once per catalog change; searching never mutates.
 */
import MiniSearch from 'minisearch';
import { RE2JS } from 're2js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { normalizeTerm, splitWords } from './tokenize.js';

export interface IndexedTool {
  server: string;
  serverDescription: string;
  tool: Tool;
}

export interface SearchHit {
  server: string;
  tool: string;
  /** Higher is better. BM25+ score rounded to 6 decimals; in regex mode 1 for a name match, else 0.5. */
  score: number;
  entry: IndexedTool;
}

export interface SearchOptions {
  /** How many hits to return: default 5, clamped to 1..50. */
  limit?: number;
  /** Only tools of this server. */
  server?: string;
  /** Treat the query as a case-insensitive RE2 pattern matched against server, tool name, title and description. */
  regex?: boolean;
}

export type SearchResult = { ok: true; hits: SearchHit[] } | { ok: false; message: string };

export interface SearchIndex {
  search(query: string, options?: SearchOptions): SearchResult;
  readonly size: number;
}

export const DEFAULT_LIMIT = 5;
export const MAX_LIMIT = 50;
export const MAX_PATTERN_LENGTH = 200;
/** Longer free-text queries are refused: they are pasted documents, not requests for a tool. */
export const MAX_QUERY_LENGTH = 1000;

/**
 * Field weights: the name says most about what a tool does, the server's own blurb least (it is the same for all of
 * that server's tools, so it only nudges a server's tools up when the query names the server or its domain).
 */
const BOOST = {
  name: 3,
  title: 2,
  description: 1,
  params: 0.7,
  paramDescriptions: 0.5,
  server: 0.3,
} as const;
type Field = keyof typeof BOOST;
const FIELDS = Object.keys(BOOST) as Field[];

/** Query terms at least this long also match longer indexed terms that start with them ("temp" → "temperature"). */
const PREFIX_MIN_LENGTH = 4;
/** How deep parameter names and descriptions are collected: top-level properties plus one nested level. */
const PARAM_DEPTH = 2;
/** Enum values describe a parameter well ("cordon", "drain"), but a huge enum would drown the description. */
const MAX_ENUM_VALUES = 20;
/** Text longer than this is not tested in regex mode: RE2 is linear, but 10,000 long descriptions still add up. */
const MAX_REGEX_TEXT = 4000;
/** How many server names an "unknown server" message lists before summarising the rest. */
const MAX_LISTED_SERVERS = 20;

type Document = { id: number } & Record<Field, string>;

/** Builds the index. Tools are referenced, not copied: do not mutate them while the index is in use. */
export function createSearchIndex(tools: readonly IndexedTool[]): SearchIndex {
  const entries = [...tools];
  const servers = new Set(entries.map((e) => e.server));
  const engine = new MiniSearch<Document>({
    fields: FIELDS,
    storeFields: [],
    tokenize: splitWords,
    processTerm: normalizeTerm,
    searchOptions: {
      boost: BOOST,
      prefix: (term) => term.length >= PREFIX_MIN_LENGTH,
    },
  });
  engine.addAll(entries.map(toDocument));

  function search(query: string, options: SearchOptions = {}): SearchResult {
    const limit = clampLimit(options.limit);
    if (options.server !== undefined && !servers.has(options.server)) {
      return { ok: false, message: unknownServerMessage(options.server, servers) };
    }
    return options.regex === true
      ? searchRegex(entries, query, limit, options.server)
      : searchText(engine, entries, query, limit, options.server);
  }

  return {
    search,
    get size() {
      return entries.length;
    },
  };
}

function searchText(
  engine: MiniSearch<Document>,
  entries: readonly IndexedTool[],
  query: string,
  limit: number,
  server: string | undefined,
): SearchResult {
  const trimmed = query.trim();
  if (trimmed === '') {
    return {
      ok: false,
      message:
        'The query is empty: describe the tool you need in a few words (e.g. "create a pull request"), ' +
        'or pass regex: true with a pattern.',
    };
  }
  if (trimmed.length > MAX_QUERY_LENGTH) {
    return {
      ok: false,
      message: `The query is ${trimmed.length} characters long (max ${MAX_QUERY_LENGTH}): describe the tool in a few words.`,
    };
  }
  if (splitWords(trimmed).every((w) => normalizeTerm(w) === null)) {
    return {
      ok: false,
      message: `The query "${trimmed}" has no searchable words: name the action and the thing, e.g. "send an email".`,
    };
  }
  const results = engine.search(
    trimmed,
    server === undefined ? {} : { filter: (r) => entries[r.id as number]?.server === server },
  );
  const hits: SearchHit[] = [];
  for (const r of results) {
    const entry = entries[r.id as number];
    if (entry) hits.push(toHit(entry, roundScore(r.score)));
  }
  return { ok: true, hits: hits.sort(compareHits).slice(0, limit) };
}

function searchRegex(
  entries: readonly IndexedTool[],
  pattern: string,
  limit: number,
  server: string | undefined,
): SearchResult {
  if (pattern === '')
    return { ok: false, message: 'The pattern is empty: pass a regular expression, e.g. "^git_".' };
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return {
      ok: false,
      message: `The pattern is ${pattern.length} characters long (max ${MAX_PATTERN_LENGTH}): use a shorter one.`,
    };
  }
  let re: RE2JS;
  try {
    // RE2 runs in time linear in the text whatever the pattern, so `(a+)+$` or `\w*\w*\w*!` cannot stall the
    // gateway the way they stall a backtracking engine (V8 takes minutes on a 1,000-character description).
    // The price: no backreferences and no lookaround, which RE2 refuses as syntax errors below.
    re = RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      message: `Invalid pattern (RE2 syntax; backreferences and lookaround are not supported): ${reason}`,
    };
  }
  const test = (text: string | undefined): boolean =>
    text !== undefined &&
    text !== '' &&
    re.test(text.length > MAX_REGEX_TEXT ? text.slice(0, MAX_REGEX_TEXT) : text);
  const hits: SearchHit[] = [];
  for (const entry of entries) {
    if (server !== undefined && entry.server !== server) continue;
    const { tool } = entry;
    if (test(tool.name)) hits.push(toHit(entry, 1));
    else if (test(entry.server) || test(titleOf(tool)) || test(tool.description))
      hits.push(toHit(entry, 0.5));
  }
  return { ok: true, hits: hits.sort(compareHits).slice(0, limit) };
}

function toDocument(entry: IndexedTool, id: number): Document {
  const params: string[] = [];
  const paramDescriptions: string[] = [];
  collectParams(entry.tool.inputSchema, PARAM_DEPTH, params, paramDescriptions);
  return {
    id,
    name: entry.tool.name,
    title: titleOf(entry.tool) ?? '',
    description: entry.tool.description ?? '',
    params: params.join(' '),
    paramDescriptions: paramDescriptions.join(' '),
    server: `${entry.server} ${entry.serverDescription}`,
  };
}

/** Walks `properties` (and array `items`) of a JSON Schema object, `depth` levels deep, tolerating any shape. */
function collectParams(schema: unknown, depth: number, names: string[], descriptions: string[]): void {
  if (depth === 0 || !isRecord(schema)) return;
  const properties = schema.properties;
  if (!isRecord(properties)) return;
  for (const [name, prop] of Object.entries(properties)) {
    names.push(name);
    if (!isRecord(prop)) continue;
    if (typeof prop.description === 'string') descriptions.push(prop.description);
    if (Array.isArray(prop.enum)) {
      descriptions.push(
        prop.enum
          .slice(0, MAX_ENUM_VALUES)
          .filter((v) => typeof v === 'string')
          .join(' '),
      );
    }
    collectParams(prop, depth - 1, names, descriptions);
    collectParams(prop.items, depth - 1, names, descriptions);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The display title: `title`, or the older `annotations.title` that many servers still set instead. */
function titleOf(tool: Tool): string | undefined {
  return tool.title ?? tool.annotations?.title;
}

function toHit(entry: IndexedTool, score: number): SearchHit {
  return { server: entry.server, tool: entry.tool.name, score, entry };
}

// Rounding makes ties real ties: the same tool text under two server names must not order by float noise.
function roundScore(score: number): number {
  return Math.round(score * 1e6) / 1e6;
}

function compareHits(a: SearchHit, b: SearchHit): number {
  return b.score - a.score || compareStrings(a.server, b.server) || compareStrings(a.tool, b.tool);
}

// Code-unit order, not localeCompare: the order must not depend on the machine's locale.
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.min(MAX_LIMIT, Math.max(1, Math.floor(limit)));
}

function unknownServerMessage(server: string, servers: ReadonlySet<string>): string {
  const known = [...servers].sort(compareStrings);
  const listed = known.slice(0, MAX_LISTED_SERVERS).join(', ');
  const more = known.length > MAX_LISTED_SERVERS ? ` and ${known.length - MAX_LISTED_SERVERS} more` : '';
  return known.length === 0
    ? `No server named "${server}": the index is empty.`
    : `No server named "${server}". Indexed servers: ${listed}${more}.`;
}
