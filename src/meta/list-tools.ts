/**
 * @module list-tools: `gateway_list_tools({ server })`, one backend's tools with full input schemas, from the
 * catalog. A backend not indexed yet says so rather than looking empty.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Access } from '../auth/access.js';
import { catalogView, enabledServers, type MetaContext } from './context.js';
import { ok, toolError } from './results.js';
import { findServer } from './target.js';

export function listTools(
  context: MetaContext,
  args: Record<string, unknown>,
  access?: Access,
): CallToolResult {
  const found = findServer(args.server, enabledServers(context, access));
  if (!found.ok) return toolError(found.message);
  const entry = catalogView(context, access).get(found.server);
  if (!entry) {
    return ok({
      server: found.server,
      indexed: false,
      tools: [],
      note: `the tools of "${found.server}" are not indexed yet: they are read the first time it starts. gateway_invoke starts it.`,
    });
  }
  return ok({ server: found.server, indexed: true, tools: entry.tools.map((t) => t.tool) });
}
