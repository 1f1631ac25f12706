/**
 * @module tokenize: turns tool names and prose into search terms. Identifiers are split at camelCase, snake_case,
 * kebab-case, dots and letter/digit boundaries, so `getFileInfo`, `get_file_info` and `get-file.info` all yield the
 * same words; words are lowercased, stop words dropped and plurals folded ("files" finds "file", "queries" finds
 * "query"). Pure functions; the search index uses the same ones for documents and queries.
 */
import porter2 from 'wink-porter2-stemmer';

// Anything but a letter or digit (of any script) separates words.
const SEPARATORS = /[^\p{L}\p{N}]+/u;
// A word with no inner boundary: all lowercase or Capitalized ASCII letters, or only digits.
const PLAIN_WORD = /^(?:[A-Za-z][a-z]*|[0-9]+)$/;
// Where a run splits again: lower→Upper (fileInfo), UPPER→Upper+lower (HTTPServer → HTTP|Server),
// letter→digit and digit→letter (utf8 → utf|8, 2fa → 2|fa).
const INNER_BOUNDARY =
  /(?<=\p{Ll})(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})|(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})/u;
const LOWER_ASCII = /^[a-z]+$/;
const DIGIT = /\p{N}/u;
/** Stemming is the costliest step of indexing; a catalog repeats its words, so each is stemmed once. */
const stems = new Map<string, string>();
const MAX_CACHED_STEMS = 100_000;

/**
 * Words that carry no meaning in a request for a tool ("what is the time in Tokyo"). Kept short on purpose: BM25's
 * IDF already discounts common words, this list exists because prefix matching would otherwise let "a" or "in"
 * match half the vocabulary. Verbs such as "get", "list" or "create" stay: they tell tools apart.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an and any are as at be been but by can could do does did for from had has have how i if in into is it its ' +
    'me my of on or our please should so some than that the their them then there these this those to too us was ' +
    'we were what when where which while who whom why will with would you your'
  ).split(' '),
);

/**
 * Splits text into lowercase words at separators and identifier boundaries; no stop words removed, no stemming.
 * A word that splits further ("JavaScript", "GitHub", "utf8") is also kept whole, so the query "javascript" finds
 * the prose "JavaScript" and "github" finds "GitHub", while "script" and "hub" still match their parts.
 */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  for (const word of text.split(SEPARATORS)) {
    if (word === '') continue;
    // Fast paths for plain words ("file", "File", "42"): most of the text, and the lookbehind split is slow.
    if (PLAIN_WORD.test(word)) {
      words.push(word.toLowerCase());
      continue;
    }
    const lower = word.toLowerCase();
    const parts = word.split(INNER_BOUNDARY);
    if (parts.length > 1) for (const part of parts) words.push(part.toLowerCase());
    words.push(lower);
  }
  return words;
}

/**
 * The search term for one word from {@link splitWords}, or null when the word should not be indexed or searched:
 * stop words and single letters (the "s" of "what's"). Digits stay, so "ipv6" and "port 8080" still match.
 */
export function normalizeTerm(word: string): string | null {
  if (STOP_WORDS.has(word)) return null;
  if (word.length < 2 && !DIGIT.test(word)) return null;
  return stemWord(word);
}

/** Text → search terms: {@link splitWords} then {@link normalizeTerm}, keeping order and duplicates. */
export function tokenize(text: string): string[] {
  const terms: string[] = [];
  for (const word of splitWords(text)) {
    const term = normalizeTerm(word);
    if (term !== null) terms.push(term);
  }
  return terms;
}

/**
 * A word's stem, so that "files", "filing" and "filed" meet "file", and "creates", "created" and "creating" meet
 * "create". English stemming only makes sense for ASCII words: other scripts and identifiers like "utf8" stay as
 * they are, and so do words of three letters or fewer ("ids", "pr", "dms" are abbreviations, not inflections).
 */
export function stemWord(word: string): string {
  if (word.length <= 3 || !LOWER_ASCII.test(word)) return word;
  const cached = stems.get(word);
  if (cached !== undefined) return cached;
  const stem = porter2(word);
  if (stems.size < MAX_CACHED_STEMS) stems.set(word, stem);
  return stem;
}
