/**
 * @module modern-results: the 2026-07-28 results a gateway endpoint renders itself, as JSON text: `server/discover`
 * and `tools/list` with their cache hints (`ttlMs`, `cacheScope`) and the server's identity in `_meta`. Rendered
 * once and kept by each endpoint, so that the same request gets the same bytes on any process.
 */
import type { CacheScope, DiscoverResult } from '@modelcontextprotocol/server';

const SERVER_INFO_META_KEY = 'io.modelcontextprotocol/serverInfo';

export interface ServerInfo {
  name: string;
  version: string;
}

export function renderDiscover(options: {
  supportedVersions: readonly string[];
  serverInfo: ServerInfo;
  instructions?: string;
  /** The endpoint announces tool-list changes on `subscriptions/listen`. */
  listChanged: boolean;
  ttlMs: number;
}): string {
  return JSON.stringify({
    supportedVersions: [...options.supportedVersions],
    capabilities: { tools: options.listChanged ? { listChanged: true } : {} },
    ...(options.instructions !== undefined ? { instructions: options.instructions } : {}),
    ttlMs: options.ttlMs,
    cacheScope: 'public',
    resultType: 'complete',
    _meta: { [SERVER_INFO_META_KEY]: options.serverInfo },
  } satisfies DiscoverResult & { ttlMs: number; cacheScope: CacheScope; resultType: 'complete' });
}

export function renderToolList(
  tools: readonly object[],
  options: { ttlMs: number; cacheScope: CacheScope; serverInfo: ServerInfo },
): string {
  return JSON.stringify({
    tools,
    ttlMs: options.ttlMs,
    cacheScope: options.cacheScope,
    resultType: 'complete',
    _meta: { [SERVER_INFO_META_KEY]: options.serverInfo },
  });
}
