/**
 * @module list-servers: `gateway_list_servers`, every enabled backend with its state and tool count, from what
 * the gateway already knows (nothing is started).
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { MetaContext } from './context.js';
import { ok } from './results.js';

export function listServers(context: MetaContext): CallToolResult {
  const servers = context.registry
    .status()
    .filter((b) => b.enabled)
    .map((b) => {
      const entry = context.catalog.get(b.name);
      return {
        name: b.name,
        description: b.description,
        transport: b.transport,
        state: b.state,
        tools: entry ? entry.tools.length : null,
        indexed: entry !== undefined,
      };
    });
  return ok({ servers });
}
