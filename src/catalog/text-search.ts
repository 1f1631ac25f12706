/**
 * @module text-search: answers a free-text query from a {@link TextIndex}. The query is planned (query-plan) into
 * slots, each satisfied by the word typed or by an equivalent from the vocabulary. Each term, and for longer terms
 * every indexed term it is a prefix of, is scored by BM25+ per field times the field's weight; a tool's score for a
 * slot is its best alternative, its total the sum over slots times how many slots it matched. Tools of a server the
 * request names are lifted. Only the top `limit` hits are kept.
 */
import { insertTop, roundScore, toHit } from './hits.js';
import { planQuery, type TermGroup } from './query-plan.js';
import type { IndexedTool, SearchHit, SearchResult } from './search-types.js';
import { FIELDS, type Field, type TextIndex } from './text-index.js';

/** Longer free-text queries are refused: they are pasted documents, not requests for a tool. */
export const MAX_QUERY_LENGTH = 1000;
/** Distinct query terms beyond this many are ignored, bounding a query's cost whatever its length. */
export const MAX_QUERY_TERMS = 32;

/**
 * Field weights: the name says most about what a tool does, the server's own blurb least (it is the same for all of that server's tools, so it only lifts a server's tools when
 * the query names the server or its domain).
 */
const BOOST: Readonly<Record<Field, number>> = {
  name: 3,
  title: 2,
  description: 1,
  details: 1,
  params: 0.7,
  paramDescriptions: 0.5,
};
const SERVER_BOOST = 0.3;
/**
 * A tool of a server the request names ("… in Linear") scores up to this many times its own score: that much when
 * the name is surely the server's, less when it is an everyday word other servers use too (server-names).
 */
const NAMED_SERVER_FACTOR = 12;
// Derived here, not imported: the scoring loop reads them per posting, where a module-local binding is measurably
// cheaper than an imported one.
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

function bm25(tf: number, docFreq: number, docCount: number, length: number, avgLength: number): number {
  const idf = Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5));
  const norm = avgLength === 0 ? 1 : 1 - B + (B * length) / avgLength;
  return idf * (DELTA + (tf * (K1 + 1)) / (tf + K1 * norm));
}

export function searchText(
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
  const plan = planQuery(trimmed, index.serverNames, MAX_QUERY_TERMS);
  if (plan.slots.length === 0) {
    return {
      ok: false,
      message: `The query "${trimmed}" has no searchable words: name the action and the thing, e.g. "send an email".`,
    };
  }

  const { scores, matchedTerms, slotBest, groupScore } = index;
  const touched: number[] = [];
  const slotTouched: number[] = [];
  const groupTouched: number[] = [];
  const addToGroup = (doc: number, score: number): void => {
    if (serverId !== undefined && index.docServer[doc] !== serverId) return;
    if (groupScore[doc] === 0) groupTouched.push(doc);
    groupScore[doc]! += score;
  };

  for (const slot of plan.slots) {
    for (const group of slot) {
      scoreGroup(index, group, addToGroup);
      // A slot counts its best alternative: "folder" and its equivalent "directory" in one tool are one match.
      for (const doc of groupTouched) {
        if (slotBest[doc] === 0) slotTouched.push(doc);
        if (groupScore[doc]! > slotBest[doc]!) slotBest[doc] = groupScore[doc]!;
        groupScore[doc] = 0;
      }
      groupTouched.length = 0;
    }
    for (const doc of slotTouched) {
      if (scores[doc] === 0 && matchedTerms[doc] === 0) touched.push(doc);
      scores[doc]! += slotBest[doc]!;
      matchedTerms[doc]!++;
      slotBest[doc] = 0;
    }
    slotTouched.length = 0;
  }

  // Each doc's score times the number of slots it matched (a coordination factor, as MiniSearch does): a tool that
  // matches "create", "pull" and "request" beats one that matches "request" three times.
  const factor = new Map(plan.servers.map((n) => [n.server, 1 + (NAMED_SERVER_FACTOR - 1) * n.certainty]));
  const top: SearchHit[] = [];
  for (const doc of touched) {
    let score = scores[doc]! * matchedTerms[doc]!;
    score *= factor.get(index.docServer[doc]!) ?? 1;
    scores[doc] = 0;
    matchedTerms[doc] = 0;
    insertTop(top, toHit(entries[doc]!, roundScore(score)), limit);
  }
  return { ok: true, hits: top };
}

/** Adds each doc's score for one term group: its terms' BM25+ over every field, a phrase's terms sharing the weight. */
function scoreGroup(index: TextIndex, group: TermGroup, add: (doc: number, score: number) => void): void {
  const share = group.weight / group.terms.length;
  for (const queryTerm of group.terms) {
    for (const [term, weight] of expandTerm(index, queryTerm)) {
      const id = index.vocabulary.get(term);
      if (id === undefined) continue;
      const w = share * weight;
      const list = index.postings[id]!;
      for (let i = 0; i < list.length; i += 3) {
        const doc = list[i]!;
        const field = list[i + 1]!;
        const docFreq = index.fieldDocFreq[id * FIELD_COUNT + field]!;
        const length = index.fieldLength[field]![doc]!;
        const score = bm25(list[i + 2]!, docFreq, index.docCount, length, index.avgFieldLength[field]!);
        add(doc, w * FIELD_BOOST[field]! * score);
      }
      const servers = index.serverPostings.get(id);
      if (servers) {
        const serverCount = index.serverDocs.length;
        for (let i = 0; i < servers.length; i += 2) {
          const server = servers[i]!;
          const length = index.serverLength[server]!;
          const score = bm25(servers[i + 1]!, servers.length / 2, serverCount, length, index.avgServerLength);
          for (const doc of index.serverDocs[server]!) add(doc, w * SERVER_BOOST * score);
        }
      }
    }
  }
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
