/**
 * @module server-names: finds the servers a request names ("… in Linear", "on Confluence", "k8s", "Google Maps"),
 * so that search can put that server's tools first. A server is named by its whole name (its words in a row, apart
 * or run together), or by one word of a longer name when no other server's tools use that word ("brave" names
 * brave-search; "search" names nothing). Names are compared stemmed, as search terms are.
 */
import { phraseKey } from './vocabulary.js';

/**
 * A server a name form stands for, and how surely: 1 for a name of several words or one that only this server's
 * tools use; for a one-word name, the server's tools against the other servers' tools that use the word. "linear"
 * is nearly always Linear's; "fetch" is mostly other servers' verb ("git_fetch", "fetch cards"), so naming it lifts the
 * fetch server's tools little.
 */
export interface NamedServer {
  server: number;
  certainty: number;
}

/** Name form (stemmed words joined by one space) → the servers it names. */
export type ServerNames = ReadonlyMap<string, readonly NamedServer[]>;

/** The longest name, in words, that a request is checked for. */
export const MAX_NAME_WORDS = 3;

/** `ownShare(word, server)`: the server's tools against the other servers' tools that use the stemmed word. */
export function buildServerNames(
  servers: ReadonlyMap<string, number>,
  ownShare: (stemmed: string, server: number) => number,
): ServerNames {
  const names = new Map<string, NamedServer[]>();
  const add = (form: string, server: number, certainty: number): void => {
    if (form === '') return;
    const list = names.get(form) ?? [];
    if (!list.some((n) => n.server === server)) list.push({ server, certainty });
    names.set(form, list);
  };
  for (const [name, id] of servers) {
    const words = nameWords(name);
    if (words.length === 0) continue;
    // A name of two words or more ("google maps") is specific; a one-word name as much as its server owns it.
    const certainty = words.length > 1 ? 1 : ownShare(phraseKey(words), id);
    add(phraseKey(words), id, certainty);
    add(phraseKey([words.join('')]), id, certainty);
    if (words.length > 1) {
      for (const word of words) {
        const stemmed = phraseKey([word]);
        if (word.length >= 4 && !/\d/.test(word) && ownShare(stemmed, id) === 1) add(stemmed, id, 1);
      }
    }
  }
  return names;
}

/** A name's words: split at anything but letters and digits, and at camelCase, lowercased. */
function nameWords(name: string): string[] {
  return name
    .split(/[^\p{L}\p{N}]+|(?<=\p{Ll})(?=\p{Lu})/u)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
}

/**
 * The servers named in `words` (a request's words, split at separators, lowercased) and the positions of the words
 * that named them. Longer names are matched first, so "google maps" is one name, not two words.
 */
export function findNamedServers(
  words: readonly string[],
  names: ServerNames,
): { servers: NamedServer[]; positions: Set<number> } {
  const servers: NamedServer[] = [];
  const positions = new Set<number>();
  for (let n = MAX_NAME_WORDS; n >= 1; n--) {
    for (let i = 0; i + n <= words.length; i++) {
      if (positions.has(i)) continue;
      const slice = words.slice(i, i + n);
      const found =
        names.get(phraseKey(slice)) ?? (n > 1 ? names.get(phraseKey([slice.join('')])) : undefined);
      if (!found) continue;
      for (const s of found) if (!servers.some((n) => n.server === s.server)) servers.push(s);
      for (let k = i; k < i + n; k++) positions.add(k);
    }
  }
  return { servers, positions };
}
