/**
 * @module list-servers: `gateway_list_servers`, every enabled backend with its state and tool count, from what
 * the gateway already knows (nothing is started); the pipelines as one more, virtual, backend. `catalog_complete`
 * tells a client whether a search can see every server's tools yet (false while a server is still being read, or
 * could not be read and is tried again); each server says whether it is `indexed` and its `catalog` state.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { IndexState } from '../catalog/catalog.js';
import { PIPELINES_BACKEND, PIPELINES_DESCRIPTION } from '../pipelines/pipelines.js';
import type { Access } from '../auth/access.js';
import { catalogView, type MetaContext } from './context.js';
import { ok } from './results.js';

interface ServerRow {
  name: string;
  description: string;
  transport: string;
  state: string;
  tools: number | null;
  indexed: boolean;
  catalog: IndexState;
}

export function listServers(context: MetaContext, access?: Access): CallToolResult {
  const catalog = catalogView(context, access);
  const servers: ServerRow[] = context.registry
    .status()
    .filter((b) => b.enabled && (access?.backend(b.name) ?? true))
    .map((b) => {
      const entry = catalog.get(b.name);
      return {
        name: b.name,
        description: b.description,
        transport: b.transport,
        state: b.state,
        tools: entry ? entry.tools.length : null,
        indexed: entry !== undefined,
        catalog: context.catalog.indexState(b.name),
      };
    });
  const pipelines = context.pipelines;
  if (pipelines?.size && (access?.backend(PIPELINES_BACKEND) ?? true)) {
    // A virtual backend, always ready: nothing to start, its tools are the config's.
    servers.push({
      name: PIPELINES_BACKEND,
      description: PIPELINES_DESCRIPTION,
      transport: 'pipeline',
      state: 'running',
      tools: catalog.get(PIPELINES_BACKEND)?.tools.length ?? pipelines.size,
      indexed: true,
      catalog: 'indexed',
    });
    servers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  return ok({ catalog_complete: servers.every((s) => s.indexed), servers });
}
