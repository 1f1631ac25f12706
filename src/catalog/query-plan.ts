/**
 * @module query-plan: what a free-text request asks the index for. The request is cut into slots, one per meaningful
 * word or known phrase; each slot lists the term groups that satisfy it (the word itself, and its equivalents from
 * the vocabulary at a lower weight). Words that name a server ("in Linear") become a routing to that server instead
 * of terms, unless nothing else is left to search for.
 */
import { findNamedServers, type NamedServer, type ServerNames } from './server-names.js';
import { normalizeTerm, splitWords } from './tokenize.js';
import { MAX_PHRASE_WORDS, equivalentsOf } from './vocabulary.js';

/** One way to satisfy a slot: every term of `terms` (a phrase's words share the weight), times `weight`. */
export interface TermGroup {
  terms: string[];
  weight: number;
}

export interface QueryPlan {
  /** Per slot, its alternatives; a tool's score for a slot is its best alternative. */
  slots: TermGroup[][];
  /** Servers the request names. */
  servers: NamedServer[];
}

/** How much a match through the vocabulary counts against a match of the word typed. */
export const EQUIVALENT_WEIGHT = 0.6;

/** Splits a request into lowercase words at separators only ("GitHub" stays one word, unlike in splitWords). */
export function requestWords(query: string): string[] {
  return query
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
}

export function planQuery(query: string, names: ServerNames, maxSlots: number): QueryPlan {
  const words = requestWords(query);
  const named = findNamedServers(words, names);
  const build = (skip: ReadonlySet<number>): TermGroup[][] => {
    const slots: TermGroup[][] = [];
    const seen = new Set<string>();
    for (let i = 0; i < words.length && slots.length < maxSlots;) {
      if (skip.has(i)) {
        i++;
        continue;
      }
      // The longest known phrase starting here, else the word alone.
      let n = Math.min(MAX_PHRASE_WORDS, words.length - i);
      let equivalents: readonly string[][] = [];
      for (; n > 1; n--) {
        if ([...Array(n).keys()].some((k) => skip.has(i + k))) continue;
        equivalents = equivalentsOf(words.slice(i, i + n));
        if (equivalents.length > 0) break;
      }
      if (n === 1) equivalents = equivalentsOf([words[i]!]);
      const own = termsOf(words.slice(i, i + n));
      i += n;
      const key = own.join(' ');
      if (own.length === 0 && equivalents.length === 0) continue;
      if (key !== '' && seen.has(key)) continue;
      seen.add(key);
      const slot: TermGroup[] = [];
      // A phrase's own words are one alternative, its equivalents the others. A known phrase of several words is an
      // idiom ("file a bug", "who am i"): what it means counts as much as what it says.
      if (own.length > 0) slot.push({ terms: own, weight: 1 });
      for (const terms of equivalents) slot.push({ terms, weight: n > 1 ? 1 : EQUIVALENT_WEIGHT });
      slots.push(slot);
    }
    return slots;
  };
  let slots = build(named.positions);
  // "Linear" alone, or "show me Sentry": nothing but the name to search for, so search for the name.
  if (slots.length === 0 && named.positions.size > 0) slots = build(new Set());
  return { slots, servers: named.servers };
}

/** The search terms of some request words (camelCase split, stop words dropped, stemmed), without duplicates. */
function termsOf(words: readonly string[]): string[] {
  const terms: string[] = [];
  for (const word of words)
    for (const part of splitWords(word)) {
      const term = normalizeTerm(part);
      if (term !== null && !terms.includes(term)) terms.push(term);
    }
  return terms;
}
