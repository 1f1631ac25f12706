/**
 * @module stateless-admin: `/mcp/admin` for 2026-07-28 clients, one request at a time with no session (behind the
 * admin token as every admin request): the admin tools, listed from bytes rendered once (`private`: they are the
 * admin's alone), and each call answered as a session's would be, on links of the request's own.
 */
import type { CallToolRequest, CallToolResult, ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { withStatelessPeer, type ModernCaller, type ModernEndpoint } from '../meta/modern-endpoint.js';
import { renderDiscover, renderToolList } from '../meta/modern-results.js';
import type { CallContext } from '../session/forward.js';
import { SessionBackends } from '../session/session-backends.js';
import { ADMIN_TOOLS, adminCall, type AdminContext } from './admin-server.js';

const TTL_MS = 3_600_000;

export class StatelessAdmin implements ModernEndpoint {
  private readonly discoverJson: string;
  private readonly listJson: string;

  constructor(
    private readonly context: AdminContext,
    supportedVersions: readonly string[],
  ) {
    const serverInfo = { name: 'mcp-gateway-admin', version: context.version };
    this.discoverJson = renderDiscover({ supportedVersions, serverInfo, listChanged: false, ttlMs: TTL_MS });
    this.listJson = renderToolList(ADMIN_TOOLS, { ttlMs: TTL_MS, cacheScope: 'private', serverInfo });
  }

  discover(): string {
    return this.discoverJson;
  }

  listTools(): string {
    return this.listJson;
  }

  async callTool(
    caller: ModernCaller,
    params: CallToolRequest['params'],
    call: CallContext,
  ): Promise<CallToolResult> {
    return withStatelessPeer(caller.capabilities, call, async (peer, call) => {
      const backends = new SessionBackends(
        this.context.registry,
        (caller.capabilities ?? {}) as ClientCapabilities,
        peer,
      );
      try {
        return await adminCall(this.context, backends, params, call);
      } finally {
        void backends.close();
      }
    });
  }
}
