/**
 * @module search-index: a pure, in-memory search over every backend's tools. Free text is ranked by BM25+ over the
 * tool's name, title, description, parameter names and parameter descriptions (each field weighted), with the
 * server's name and description as weak context; `regex: true` matches a pattern with RE2 semantics instead, so no
 * pattern can backtrack catastrophically. Results are ordered deterministically: equal scores fall back to server,
 * then tool name. Build once per catalog change; searching never mutates.
 *
 * This module is the entry point: it checks the options and hands the query to text-search (over the index that
 * text-index builds) or to regex-search; hits holds what both share.
 */
import { compareStrings } from './hits.js';
import { searchRegex } from './regex-search.js';
import { buildTextIndex } from './text-index.js';
import { searchText } from './text-search.js';
import { shorten } from './search-answer.js';
import type { IndexedTool, NoMatch, SearchIndex, SearchOptions, SearchResult } from './search-types.js';

export { MAX_PATTERN_LENGTH } from './regex-search.js';
export { MAX_QUERY_LENGTH, MAX_QUERY_TERMS } from './text-search.js';

export type {
  IndexedTool,
  NoMatch,
  SearchHit,
  SearchIndex,
  SearchOptions,
  SearchResult,
} from './search-types.js';

export const DEFAULT_LIMIT = 5;
export const MAX_LIMIT = 50;
/** How many server names an "unknown server" message lists before summarising the rest. */
const MAX_LISTED_SERVERS = 20;
/** How many servers a request that matched nothing in one server is pointed to. */
const MAX_SUGGESTED_SERVERS = 5;

/** Builds the index. Tools are referenced, not copied: do not mutate them while the index is in use. */
export function createSearchIndex(tools: readonly IndexedTool[]): SearchIndex {
  const entries = [...tools];
  const text = buildTextIndex(entries);
  const descriptions = new Map(entries.map((e) => [e.server, e.serverDescription]));

  function search(query: string, options: SearchOptions = {}): SearchResult {
    const limit = clampLimit(options.limit);
    let serverId: number | undefined;
    if (options.server !== undefined) {
      serverId = text.serverIds.get(options.server);
      if (serverId === undefined) {
        return { ok: false, message: unknownServerMessage(options.server, text.serverIds) };
      }
    }
    if (options.regex === true) return searchRegex(entries, query, limit, options.server);
    const result = searchText(text, entries, query, limit, serverId);
    if (!result.ok || result.hits.length > 0) return result;
    return { ...result, noMatch: noMatch(query, options.server) };
  }

  /**
   * No tool matched. Within one server: the other servers whose tools do match. Else (no word of the request is in
   * any tool or server text): every server, so the caller can pick one to list, and a hint to reword.
   */
  function noMatch(query: string, server: string | undefined): NoMatch {
    const describe = (name: string) => ({ name, description: shorten(descriptions.get(name) ?? '', 120) });
    if (server !== undefined) {
      const wider = searchText(text, entries, query, MAX_LISTED_SERVERS, undefined);
      const others = wider.ok ? [...new Set(wider.hits.map((h) => h.server))] : [];
      if (others.length > 0) {
        return {
          servers: others.slice(0, MAX_SUGGESTED_SERVERS).map(describe),
          hint: `No tool of "${server}" matches; these servers have tools that do. Search again without "server".`,
        };
      }
    }
    const all = [...descriptions.keys()].sort(compareStrings);
    return {
      servers: all.slice(0, MAX_LISTED_SERVERS).map(describe),
      hint:
        'No tool matched. Say what the tool should do in other words (an action and a thing, e.g. "create issue"), ' +
        `or list one server's tools with gateway_list_tools.${all.length > MAX_LISTED_SERVERS ? ` ${all.length - MAX_LISTED_SERVERS} more servers are not listed here.` : ''}`,
    };
  }

  return {
    search,
    get size() {
      return entries.length;
    },
  };
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
