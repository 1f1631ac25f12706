/**
 * @module search-tools: `gateway_search_tools({ query, limit, server, regex })`, ranked matches over the catalog of
 * every backend, each with what gateway_invoke needs (search-answer cuts the rest). Backends not indexed yet are named
 * in the answer; a request that matches nothing gets the servers that might hold the tool and a hint. With
 * `search.embeddings` the free-text ranking is fused with the semantic one (catalog/semantic-search.ts); when that is
 * unavailable the answer is the lexical ranking with a `warning`.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { answerHit } from '../catalog/search-answer.js';
import type { Access } from '../auth/access.js';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../catalog/search-index.js';
import type { SearchResult } from '../catalog/search-types.js';
import { enabledServers, type MetaContext } from './context.js';
import { ok, toolError } from './results.js';
import { findServer } from './target.js';

export function searchTools(
  context: MetaContext,
  args: Record<string, unknown>,
  access?: Access,
): CallToolResult | Promise<CallToolResult> {
  if (typeof args.query !== 'string')
    return toolError('"query" is required: a few words about what the tool should do');
  const names = enabledServers(context, access);
  let server: string | undefined;
  if (args.server !== undefined && args.server !== '') {
    const found = findServer(args.server, names);
    if (!found.ok) return toolError(found.message);
    server = found.server;
  }
  const limit = typeof args.limit === 'number' ? args.limit : undefined;
  // With a profile the index is asked for as many as it gives, and what the profile hides is dropped before the cut:
  // a hidden tool must neither show nor take a place.
  const restricted = access?.profile !== undefined;
  const options = {
    ...(restricted ? { limit: MAX_LIMIT } : limit !== undefined ? { limit } : {}),
    ...(server !== undefined ? { server } : {}),
  };
  const restrict = (result: SearchResult): SearchResult =>
    restricted && result.ok ? restrictHits(result, access!, limit) : result;
  if (context.semantic && args.regex !== true) {
    return context.semantic
      .search(args.query, options)
      .then(({ result, warning }) => answer(context, restrict(result), names, server, warning));
  }
  const result = context.catalog.searchIndex().search(args.query, { ...options, regex: args.regex === true });
  return answer(context, restrict(result), names, server);
}

function answer(
  context: MetaContext,
  result: SearchResult,
  names: readonly string[],
  server: string | undefined,
  warning?: string,
): CallToolResult {
  if (!result.ok) return toolError(result.message);
  context.metrics?.searched(result.hits.length);
  const notIndexed = (server ? [server] : names).filter((n) => !context.catalog.isIndexed(n));
  return ok({
    results: result.hits.map(answerHit),
    ...(result.noMatch
      ? {
          servers: result.noMatch.servers.filter((s) => names.includes(s.name)),
          hint: result.noMatch.hint,
        }
      : {}),
    ...(notIndexed.length
      ? {
          not_indexed: notIndexed,
          note: 'these servers have not been started yet, so their tools are not searchable; gateway_list_servers shows them',
        }
      : {}),
    ...(warning !== undefined ? { warning } : {}),
  });
}

function restrictHits(
  result: SearchResult & { ok: true },
  access: Access,
  limit: number | undefined,
): typeof result {
  const wanted =
    limit === undefined || !Number.isFinite(limit) ? DEFAULT_LIMIT : Math.max(1, Math.floor(limit));
  const hits = result.hits.filter((h) => access.tool(h.server, h.tool)).slice(0, wanted);
  return { ...result, hits };
}
