/**
 * @module stateless-pipelines: `/mcp/pipelines` for 2026-07-28 clients, one request at a time with no session: the
 * pipelines as tools (their list rendered once per profile and kept: the config's, it changes with the process only),
 * and a pipeline run on links of the request's own, closed when it is answered. A pipeline a profile hides is as
 * unknown as one that does not exist.
 */
import type { CacheScope } from '@modelcontextprotocol/server';
import type { CallToolRequest, CallToolResult, ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { ProgressToken } from '@modelcontextprotocol/sdk/types.js';
import type { Access } from '../auth/access.js';
import { PIPELINES_BACKEND, type Pipelines } from '../pipelines/pipelines.js';
import type { Registry } from '../registry/registry.js';
import type { CallContext } from '../session/forward.js';
import { SessionBackends } from '../session/session-backends.js';
import { withStatelessPeer, type ModernCaller, type ModernEndpoint } from './modern-endpoint.js';
import { renderDiscover, renderToolList, type ServerInfo } from './modern-results.js';

/** The pipelines are the config's: they change only with the process. */
const LIST_TTL_MS = 3_600_000;

export class StatelessPipelines implements ModernEndpoint {
  private readonly serverInfo: ServerInfo;
  private readonly discoverJson: string;
  /** One list per profile (a handful at most). */
  private readonly lists = new Map<string, string>();

  constructor(
    private readonly pipelines: Pipelines,
    private readonly registry: Registry,
    version: string,
    supportedVersions: readonly string[],
  ) {
    this.serverInfo = { name: `mcp-gateway/${PIPELINES_BACKEND}`, version };
    this.discoverJson = renderDiscover({
      supportedVersions,
      serverInfo: this.serverInfo,
      listChanged: false,
      ttlMs: LIST_TTL_MS,
    });
  }

  discover(): string {
    return this.discoverJson;
  }

  /** `public` for the whole gateway, `private` when a profile filters it. */
  listTools({ access }: Pick<ModernCaller, 'access'>): string {
    const key = access.profile ?? '';
    let json = this.lists.get(key);
    if (json === undefined) {
      const scope: CacheScope = access.profile === undefined ? 'public' : 'private';
      const tools = this.pipelines.tools().filter((t) => allows(access, t.name));
      json = renderToolList(tools, { ttlMs: LIST_TTL_MS, cacheScope: scope, serverInfo: this.serverInfo });
      this.lists.set(key, json);
    }
    return json;
  }

  async callTool(
    caller: ModernCaller,
    params: CallToolRequest['params'],
    call: CallContext,
  ): Promise<CallToolResult> {
    if (!allows(caller.access, params.name))
      return { content: [{ type: 'text', text: `unknown pipeline "${params.name}"` }], isError: true };
    return withStatelessPeer(caller.capabilities, call, async (peer, call) => {
      const backends = new SessionBackends(
        this.registry,
        (caller.capabilities ?? {}) as ClientCapabilities,
        peer,
        caller.authorization,
      );
      try {
        return await this.pipelines.run(params.name, (params.arguments ?? {}) as Record<string, unknown>, {
          backends,
          call,
          progressToken: params._meta?.progressToken as ProgressToken | undefined,
          route: '/mcp/:backend',
        });
      } finally {
        void backends.close();
      }
    });
  }
}

function allows(access: Access, pipeline: string): boolean {
  return access.tool(PIPELINES_BACKEND, pipeline);
}
