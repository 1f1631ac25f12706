/**
 * @module search-types: the types every search module shares (what is indexed, what a search returns), kept apart
 * so that the entry point (search-index) and the modules it calls (text-index, text-search, regex-search, hits)
 * import them from here, not from one another: no module of the search imports the one that imports it.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';

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

/** When nothing matched: the servers that might hold the tool, and what to do next. */
export interface NoMatch {
  servers: { name: string; description: string }[];
  hint: string;
}

export type SearchResult =
  { ok: true; hits: SearchHit[]; noMatch?: NoMatch } | { ok: false; message: string };

export interface SearchIndex {
  search(query: string, options?: SearchOptions): SearchResult;
  readonly size: number;
}
