/**
 * @module tokens: counts model tokens with a real BPE tokenizer, o200k_base (the GPT-4o / GPT-5 family's encoding,
 * via gpt-tokenizer, pure JS). Other vendors' tokenizers differ by some percent, not by orders of magnitude, which is
 * what a budget like "the meta-tools cost under 600 tokens" needs. Usage: `countTokens({ tools })` for a tools/list
 * result.
 */
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';

export const TOKENIZER = 'o200k_base';

// Text that happens to contain "<|endoftext|>" is counted as the plain text it is, instead of throwing.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** Tokens of a piece of text. */
export function countTextTokens(text: string): number {
  return countO200k(text, PLAIN_TEXT);
}

/**
 * Tokens of a JSON value as compact `JSON.stringify` output: close to what a client puts into a model's context for
 * a tools/list result (clients reformat tool lists into their own tool syntax, at a similar cost).
 */
export function countTokens(value: unknown): number {
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) throw new TypeError(`countTokens: ${typeof value} has no JSON form`);
  return countTextTokens(json);
}
