/**
 * @module search-index: a pure, in-memory search over every backend's tools. Free text is ranked by BM25+ over the
 * tool's name, title, description, parameter names and parameter descriptions (each field weighted), with the
 * server's name and description as weak context; `regex: true` matches a pattern with RE2 semantics instead, so no
 * pattern can backtrack catastrophically. Results are ordered deterministically: equal scores fall back to server,
 * then tool name. Build once per catalog change; searching never mutates.
 */
import { RE2JS } from 're2js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { normalizeTerm, splitWords, tokenize } from './tokenize.js';

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
/** Distinct query terms beyond this many are ignored, bounding a query's cost whatever its length. */
export const MAX_QUERY_TERMS = 32;

/**
 * Field weights: the name says most about what a tool does, the server's own blurb least (it is the same for all of
 * that server's tools, so it only lifts a server's tools when the query names the server or its domain).
 */
const BOOST = { name: 3, title: 2, description: 1, params: 0.7, paramDescriptions: 0.5 } as const;
const SERVER_BOOST = 0.3;
type Field = keyof typeof BOOST;
const FIELDS = Object.keys(BOOST) as Field[];
const FIELD_BOOST = FIELDS.map((f) => BOOST[f]);
const FIELD_COUNT = FIELDS.length;

/** BM25+ (Lv & Zhai): k1 saturates term frequency, b normalises by field length, delta rewards any match at all. */
const K1 = 1.2;
const B = 0.7;
const DELTA = 0.5;
/** Query terms at least this long also match longer indexed terms that start with them ("temp" → "temperature"). */
const PREFIX_MIN_LENGTH = 4;
/** A prefix match counts this much of an exact one, less the longer the rest of the word ("conv" → "convert"). */
const PREFIX_WEIGHT = 0.375;
/** How deep parameter names and descriptions are collected: top-level properties plus one nested level. */
const PARAM_DEPTH = 2;
/** Enum values describe a parameter well ("cordon", "drain"), but a huge enum would drown the description. */
const MAX_ENUM_VALUES = 20;
/** Text longer than this is not tested in regex mode: RE2 is linear, but 10,000 long descriptions still add up. */
const MAX_REGEX_TEXT = 4000;
/** How many server names an "unknown server" message lists before summarising the rest. */
const MAX_LISTED_SERVERS = 20;

/** Builds the index. Tools are referenced, not copied: do not mutate them while the index is in use. */
export function createSearchIndex(tools: readonly IndexedTool[]): SearchIndex {
  const entries = [...tools];
  const text = buildTextIndex(entries);

  function search(query: string, options: SearchOptions = {}): SearchResult {
    const limit = clampLimit(options.limit);
    let serverId: number | undefined;
    if (options.server !== undefined) {
      serverId = text.serverIds.get(options.server);
      if (serverId === undefined) {
        return { ok: false, message: unknownServerMessage(options.server, text.serverIds) };
      }
    }
    return options.regex === true
      ? searchRegex(entries, query, limit, options.server)
      : searchText(text, entries, query, limit, serverId);
  }

  return {
    search,
    get size() {
      return entries.length;
    },
  };
}

/**
 * An inverted index for BM25F-style scoring. Postings are flat number arrays (doc, field, term frequency, …) and
 * the vocabulary is sorted once for prefix lookups: a plain Map-and-array layout builds 10,000 tools several times
 * faster than a general-purpose search library's radix tree, and a query touches only the postings of its terms.
 * The server's name and description are indexed once per server, not once per tool.
 */
interface TextIndex {
  docCount: number;
  vocabulary: Map<string, number>;
  /** Vocabulary sorted by code unit, for prefix ranges. */
  sortedTerms: string[];
  /** Per term: doc, field, tf, doc, field, tf, … */
  postings: number[][];
  /** Per term and field (termId * FIELD_COUNT + field): how many docs have the term in that field. */
  fieldDocFreq: number[];
  /** Per field: each doc's length in terms. */
  fieldLength: Uint32Array[];
  avgFieldLength: number[];
  serverIds: Map<string, number>;
  /** Per doc: its server's id. */
  docServer: Uint32Array;
  /** Per server: its docs. */
  serverDocs: number[][];
  /** Per term id: server, tf, server, tf, … over the servers' name + description. */
  serverPostings: Map<number, number[]>;
  serverLength: number[];
  avgServerLength: number;
  /** Scratch space reused by every query (searches are synchronous, so never shared by two at once). */
  scores: Float64Array;
  matchedTerms: Uint16Array;
  lastTerm: Int32Array;
}

function buildTextIndex(entries: readonly IndexedTool[]): TextIndex {
  const docCount = entries.length;
  const vocabulary = new Map<string, number>();
  const postings: number[][] = [];
  const fieldDocFreq: number[] = [];
  const fieldLength = FIELDS.map(() => new Uint32Array(docCount));
  const totalLength = FIELDS.map(() => 0);
  const serverIds = new Map<string, number>();
  const serverDocs: number[][] = [];
  const serverPostings = new Map<number, number[]>();
  const serverLength: number[] = [];
  const docServer = new Uint32Array(docCount);

  // Raw word → term id (-1: not a term), so each distinct word is normalised and looked up once per build; this
  // and the counting below keep the build of 10,000 tools to a few hundred milliseconds.
  const wordIds = new Map<string, number>();
  const termIdsOf = (text: string): number[] => {
    const ids: number[] = [];
    for (const word of splitWords(text)) {
      let id = wordIds.get(word);
      if (id === undefined) {
        const term = normalizeTerm(word);
        id = term === null ? -1 : intern(term);
        wordIds.set(word, id);
      }
      if (id !== -1) ids.push(id);
    }
    return ids;
  };
  const tf: number[] = [];
  const intern = (term: string): number => {
    let id = vocabulary.get(term);
    if (id === undefined) {
      id = vocabulary.size;
      vocabulary.set(term, id);
      postings.push([]);
      tf.push(0);
      for (let f = 0; f < FIELD_COUNT; f++) fieldDocFreq.push(0);
    }
    return id;
  };
  /** Calls `emit(termId, frequency)` once per distinct term of `ids`, in first-seen order. */
  const countTerms = (ids: readonly number[], emit: (id: number, frequency: number) => void): void => {
    const distinct: number[] = [];
    for (const id of ids) if (tf[id]!++ === 0) distinct.push(id);
    for (const id of distinct) {
      emit(id, tf[id]!);
      tf[id] = 0;
    }
  };

  entries.forEach((entry, doc) => {
    let serverId = serverIds.get(entry.server);
    if (serverId === undefined) {
      const id = serverIds.size;
      serverId = id;
      serverIds.set(entry.server, id);
      serverDocs.push([]);
      const ids = termIdsOf(`${entry.server} ${entry.serverDescription}`);
      serverLength.push(ids.length);
      countTerms(ids, (termId, frequency) => {
        // Server terms are kept apart from the tools' postings: they are scored once per server, not per tool.
        let list = serverPostings.get(termId);
        if (!list) serverPostings.set(termId, (list = []));
        list.push(id, frequency);
      });
    }
    docServer[doc] = serverId;
    serverDocs[serverId]!.push(doc);

    const fields = fieldTexts(entry);
    for (let field = 0; field < FIELD_COUNT; field++) {
      const ids = termIdsOf(fields[field]!);
      fieldLength[field]![doc] = ids.length;
      totalLength[field]! += ids.length;
      countTerms(ids, (termId, frequency) => {
        postings[termId]!.push(doc, field, frequency);
        fieldDocFreq[termId * FIELD_COUNT + field]!++;
      });
    }
  });

  return {
    docCount,
    vocabulary,
    sortedTerms: [...vocabulary.keys()].sort(compareStrings),
    postings,
    fieldDocFreq,
    fieldLength,
    avgFieldLength: totalLength.map((total) => (docCount === 0 ? 0 : total / docCount)),
    serverIds,
    docServer,
    serverDocs,
    serverPostings,
    serverLength,
    avgServerLength: serverLength.reduce((a, b) => a + b, 0) / Math.max(1, serverLength.length),
    scores: new Float64Array(docCount),
    matchedTerms: new Uint16Array(docCount),
    lastTerm: new Int32Array(docCount).fill(-1),
  };
}

function fieldTexts(entry: IndexedTool): string[] {
  const params: string[] = [];
  const paramDescriptions: string[] = [];
  collectParams(entry.tool.inputSchema, PARAM_DEPTH, params, paramDescriptions);
  const texts: Record<Field, string> = {
    name: entry.tool.name,
    title: titleOf(entry.tool) ?? '',
    description: entry.tool.description ?? '',
    params: params.join(' '),
    paramDescriptions: paramDescriptions.join(' '),
  };
  return FIELDS.map((f) => texts[f]);
}

function bm25(tf: number, docFreq: number, docCount: number, length: number, avgLength: number): number {
  const idf = Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5));
  const norm = avgLength === 0 ? 1 : 1 - B + (B * length) / avgLength;
  return idf * (DELTA + (tf * (K1 + 1)) / (tf + K1 * norm));
}

function searchText(
  index: TextIndex,
  entries: readonly IndexedTool[],
  query: string,
  limit: number,
  serverId: number | undefined,
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
  const queryTerms = [...new Set(tokenize(trimmed))].slice(0, MAX_QUERY_TERMS);
  if (queryTerms.length === 0) {
    return {
      ok: false,
      message: `The query "${trimmed}" has no searchable words: name the action and the thing, e.g. "send an email".`,
    };
  }

  const { scores, matchedTerms, lastTerm } = index;
  const touched: number[] = [];
  const add = (doc: number, termIndex: number, score: number): void => {
    if (serverId !== undefined && index.docServer[doc] !== serverId) return;
    if (lastTerm[doc] === -1) touched.push(doc);
    if (lastTerm[doc] !== termIndex) {
      lastTerm[doc] = termIndex;
      matchedTerms[doc]!++;
    }
    scores[doc]! += score;
  };

  queryTerms.forEach((queryTerm, termIndex) => {
    for (const [term, weight] of expandTerm(index, queryTerm)) {
      const id = index.vocabulary.get(term);
      if (id === undefined) continue;
      const list = index.postings[id]!;
      for (let i = 0; i < list.length; i += 3) {
        const doc = list[i]!;
        const field = list[i + 1]!;
        const docFreq = index.fieldDocFreq[id * FIELD_COUNT + field]!;
        const length = index.fieldLength[field]![doc]!;
        const score = bm25(list[i + 2]!, docFreq, index.docCount, length, index.avgFieldLength[field]!);
        add(doc, termIndex, weight * FIELD_BOOST[field]! * score);
      }
      const servers = index.serverPostings.get(id);
      if (servers) {
        const serverCount = index.serverDocs.length;
        for (let i = 0; i < servers.length; i += 2) {
          const server = servers[i]!;
          const length = index.serverLength[server]!;
          const score = bm25(servers[i + 1]!, servers.length / 2, serverCount, length, index.avgServerLength);
          for (const doc of index.serverDocs[server]!) add(doc, termIndex, weight * SERVER_BOOST * score);
        }
      }
    }
  });

  // Each doc's score times the number of query terms it matched (a coordination factor, as MiniSearch does): a
  // tool that matches "create", "pull" and "request" beats one that matches "request" three times.
  const top: SearchHit[] = [];
  for (const doc of touched) {
    const score = roundScore(scores[doc]! * matchedTerms[doc]!);
    scores[doc] = 0;
    matchedTerms[doc] = 0;
    lastTerm[doc] = -1;
    insertTop(top, toHit(entries[doc]!, score), limit);
  }
  return { ok: true, hits: top };
}

/**
 * The indexed terms a query term stands for, with their weights: itself, and for longer terms every indexed term it
 * is a prefix of, weighted down as the rest grows (MiniSearch's formula).
 */
function expandTerm(index: TextIndex, term: string): [string, number][] {
  const expansions: [string, number][] = [[term, 1]];
  if (term.length < PREFIX_MIN_LENGTH) return expansions;
  const terms = index.sortedTerms;
  for (let i = lowerBound(terms, term); i < terms.length && terms[i]!.startsWith(term); i++) {
    const candidate = terms[i]!;
    const rest = candidate.length - term.length;
    if (rest > 0)
      expansions.push([candidate, (PREFIX_WEIGHT * candidate.length) / (candidate.length + 0.3 * rest)]);
  }
  return expansions;
}

function lowerBound(sorted: readonly string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Keeps `top` sorted by {@link compareHits} and at most `limit` long. */
function insertTop(top: SearchHit[], hit: SearchHit, limit: number): void {
  if (top.length === limit && compareHits(hit, top[limit - 1]!) >= 0) return;
  let i = top.length;
  while (i > 0 && compareHits(hit, top[i - 1]!) < 0) i--;
  top.splice(i, 0, hit);
  if (top.length > limit) top.pop();
}

function searchRegex(
  entries: readonly IndexedTool[],
  pattern: string,
  limit: number,
  server: string | undefined,
): SearchResult {
  if (pattern === '') {
    return { ok: false, message: 'The pattern is empty: pass a regular expression, e.g. "^git_".' };
  }
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
  const top: SearchHit[] = [];
  for (const entry of entries) {
    if (server !== undefined && entry.server !== server) continue;
    const { tool } = entry;
    // A name match ranks first: a pattern is most often aimed at tool names ("^git_", "pull_?request").
    if (test(tool.name)) insertTop(top, toHit(entry, 1), limit);
    else if (test(entry.server) || test(titleOf(tool)) || test(tool.description)) {
      insertTop(top, toHit(entry, 0.5), limit);
    }
  }
  return { ok: true, hits: top };
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

function unknownServerMessage(server: string, servers: ReadonlyMap<string, number>): string {
  const known = [...servers.keys()].sort(compareStrings);
  const listed = known.slice(0, MAX_LISTED_SERVERS).join(', ');
  const more = known.length > MAX_LISTED_SERVERS ? ` and ${known.length - MAX_LISTED_SERVERS} more` : '';
  return known.length === 0
    ? `No server named "${server}": the index is empty.`
    : `No server named "${server}". Indexed servers: ${listed}${more}.`;
}
