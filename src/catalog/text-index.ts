/**
 * @module text-index: the inverted index behind free-text search. Each tool's name, title, description, parameter
 * names and parameter descriptions are indexed as separate fields (text-search weighs them); a server's name and
 * description are indexed once per server. Built once per catalog change; text-search only reads it.
 */
import { compareStrings, titleOf } from './hits.js';
import type { IndexedTool } from './search-types.js';
import { buildServerNames, type ServerNames } from './server-names.js';
import { normalizeTerm, splitWords } from './tokenize.js';

/** The indexed fields of a tool, in index order (a field's id is its position here); text-search weighs them. */
export const FIELDS = ['name', 'title', 'description', 'details', 'params', 'paramDescriptions'] as const;
export type Field = (typeof FIELDS)[number];
const FIELD_COUNT = FIELDS.length;

/** How deep parameter names and descriptions are collected: top-level properties plus one nested level. */
const PARAM_DEPTH = 2;
/**
 * How much of a description counts as its lead: the first sentence that reaches LEAD_MIN_WORDS words, at most
 * LEAD_MAX_WORDS. Descriptions state what a tool does first; what follows (usage rules, examples, caveats) is
 * indexed as a field of its own, `details`, so that each part is length-normalised against its like: a server with
 * very long descriptions cannot outrank a short exact match by sheer number of words.
 */
const LEAD_MIN_WORDS = 6;
const LEAD_MAX_WORDS = 40;
/** Enum values describe a parameter well ("cordon", "drain"), but a huge enum would drown the description. */
const MAX_ENUM_VALUES = 20;

/**
 * An inverted index for BM25F-style scoring. Postings are flat number arrays (doc, field, term frequency, …) and
 * the vocabulary is sorted once for prefix lookups: a plain Map-and-array layout builds 10,000 tools several times
 * faster than a general-purpose search library's radix tree, and a query touches only the postings of its terms.
 * The server's name and description are indexed once per server, not once per tool.
 */
export interface TextIndex {
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
  /** How requests name servers (server-names). */
  serverNames: ServerNames;
  /** Scratch space reused by every query (searches are synchronous, so never shared by two at once). */
  scores: Float64Array;
  matchedTerms: Uint16Array;
  /** Per doc: its best score so far in the current slot, and its score in the current term group. */
  slotBest: Float64Array;
  groupScore: Float64Array;
}

export function buildTextIndex(entries: readonly IndexedTool[]): TextIndex {
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

  // How much a word of a server's name stands for that server: its tools (the name applies to every one of them)
  // against the other servers' tools whose text has the word. Postings are in doc order, so a doc's entries are
  // consecutive.
  const ownShare = (term: string, server: number): number => {
    const own = serverDocs[server]!.length;
    const id = vocabulary.get(term);
    if (id === undefined) return 1;
    const list = postings[id]!;
    let others = 0;
    for (let i = 0, last = -1; i < list.length; i += 3) {
      const doc = list[i]!;
      if (doc !== last && docServer[doc] !== server) others++;
      last = doc;
    }
    return own / (own + others);
  };

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
    serverNames: buildServerNames(serverIds, ownShare),
    scores: new Float64Array(docCount),
    matchedTerms: new Uint16Array(docCount),
    slotBest: new Float64Array(docCount),
    groupScore: new Float64Array(docCount),
  };
}

function fieldTexts(entry: IndexedTool): string[] {
  const params: string[] = [];
  const paramDescriptions: string[] = [];
  collectParams(entry.tool.inputSchema, PARAM_DEPTH, params, paramDescriptions);
  const [lead, details] = splitLead(entry.tool.description ?? '');
  const texts: Record<Field, string> = {
    name: entry.tool.name,
    title: titleOf(entry.tool) ?? '',
    description: lead,
    details,
    params: params.join(' '),
    paramDescriptions: paramDescriptions.join(' '),
  };
  return FIELDS.map((f) => texts[f]);
}

/** A description's lead and the rest (see LEAD_MIN_WORDS). */
export function splitLead(description: string): [string, string] {
  const words = description.trim().split(/\s+/);
  let end = Math.min(words.length, LEAD_MAX_WORDS);
  for (let i = LEAD_MIN_WORDS - 1; i < end; i++) {
    if (/[.!?:]$/.test(words[i]!)) {
      end = i + 1;
      break;
    }
  }
  return [words.slice(0, end).join(' '), words.slice(end).join(' ')];
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
