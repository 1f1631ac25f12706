/**
 * @module regex-search: the `regex: true` mode. The pattern is compiled with RE2 semantics (re2js), so matching takes
 * time linear in the text whatever the pattern, and tested case-insensitively against each tool's name, then its
 * server, title and description; name matches rank first. re2js is loaded by the first regex search
 * (required-on-use.ts): a gateway nobody asks for a pattern never evaluates it (~1 MB of an idle gateway's memory).
 */
import type { RE2JS } from 're2js';
import { requiredOnUse } from '../required-on-use.js';
import { insertTop, titleOf, toHit } from './hits.js';
import type { IndexedTool, SearchHit, SearchResult } from './search-types.js';

/** Longer patterns are refused. */
export const MAX_PATTERN_LENGTH = 200;
/** Text longer than this is not tested in regex mode: RE2 is linear, but 10,000 long descriptions still add up. */
const MAX_REGEX_TEXT = 4000;

const re2js = requiredOnUse<typeof import('re2js')>('re2js');

export function searchRegex(
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
  const RE2 = re2js().RE2JS;
  let re: RE2JS;
  try {
    // RE2 runs in time linear in the text whatever the pattern, so `(a+)+$` or `\w*\w*\w*!` cannot stall the
    // gateway the way they stall a backtracking engine (V8 takes minutes on a 1,000-character description).
    // The price: no backreferences and no lookaround, which RE2 refuses as syntax errors below.
    re = RE2.compile(pattern, RE2.CASE_INSENSITIVE);
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
