/**
 * @module import/quote: one word quoted for config/split-command (and for a shell, which quotes alike), so that a
 * path with spaces stays one word.
 */

const PLAIN = /^[A-Za-z0-9_@%+=:,./~-]+$/;

export function quoteWord(word: string): string {
  if (PLAIN.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
