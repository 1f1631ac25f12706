/**
 * @module stateless-meta: the meta endpoints for 2026-07-28 clients, one request at a time with no session. Built
 * once per endpoint and kept: `server/discover` and the meta-tools' `tools/list` are rendered to bytes once, the flat
 * list once per catalog change and profile, so that a list costs a string copy and is byte-identical across calls and
 * restarts. A `tools/call` reaches its backends on links of that request alone: a shared backend's process, or a
 * connection held for clients that declare the same capabilities and carry the same credential (session/legacy-links
 * .ts: one request at a time, given back when it is answered, so that a call pays no handshake of its own), or for a
 * `stateful` backend a connection opened and closed with the request. Nothing of a call is kept in the process: any
 * process can serve the next one, and no client's capabilities or Authorization header reach another client's link.
 *
 * The shapes are the 2026-07-28 ones (`@modelcontextprotocol/server`'s types); the objects are plain JSON, never an
 * SDK v1 object passed to v2 code or the reverse.
 */
import type { CacheScope } from '@modelcontextprotocol/server';
import type { CallToolRequest, CallToolResult, ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { Access } from '../auth/access.js';
import type { CallContext } from '../session/forward.js';
import { LegacyLinks } from '../session/legacy-links.js';
import { SessionBackends } from '../session/session-backends.js';
import { callMetaTool } from './call-meta-tool.js';
import type { MetaContext } from './context.js';
import { META_TOOLS } from './definitions.js';
import { flatSurface, newFlatCache, type FlatCache, type FlatSurface } from './flat-tools.js';
import { FLAT_INSTRUCTIONS, INSTRUCTIONS } from './instructions.js';
import { withStatelessPeer, type ModernCaller, type ModernEndpoint } from './modern-endpoint.js';
import { renderDiscover, renderToolList, type ServerInfo } from './modern-results.js';

/** The meta-tools are fixed text: they change only with the gateway's version. */
const META_LIST_TTL_MS = 3_600_000;
/**
 * The flat list follows the catalog: `subscriptions/listen` announces a change, and a client that does not listen
 * re-reads it after a minute.
 */
const FLAT_LIST_TTL_MS = 60_000;
const DISCOVER_TTL_MS = 3_600_000;

export type StatelessClient = ModernCaller;

export class StatelessMeta implements ModernEndpoint {
  private readonly serverInfo: ServerInfo;
  private readonly discoverJson: { meta: string; flat: string };
  private readonly metaListJson: string;
  /** One flat cache per profile (a handful at most): each profile sees its own list. */
  private readonly flatCaches = new Map<string, FlatCache>();
  private readonly flatJson = new WeakMap<FlatSurface, string>();
  private readonly held: LegacyLinks;

  constructor(
    private readonly context: MetaContext,
    version: string,
    supportedVersions: readonly string[],
  ) {
    this.serverInfo = { name: 'mcp-gateway', version };
    this.held = new LegacyLinks(context.registry);
    const discover = (instructions: string): string =>
      renderDiscover({
        supportedVersions,
        serverInfo: this.serverInfo,
        instructions,
        listChanged: true,
        ttlMs: DISCOVER_TTL_MS,
      });
    this.discoverJson = { meta: discover(INSTRUCTIONS), flat: discover(FLAT_INSTRUCTIONS) };
    this.metaListJson = this.renderList(META_TOOLS, META_LIST_TTL_MS, 'public');
  }

  /** The `server/discover` result, as JSON text. */
  discover(client: Pick<StatelessClient, 'access' | 'flat'>): string {
    return isFlat(client) ? this.discoverJson.flat : this.discoverJson.meta;
  }

  /**
   * The `tools/list` result, as JSON text. The four meta-tools are the same for every caller (`public`); a flat list
   * that a profile filters is that caller's own (`private`).
   */
  listTools(client: Pick<StatelessClient, 'access' | 'flat'>): string {
    if (!isFlat(client)) return this.metaListJson;
    const surface = flatSurface(this.context, client.access, this.flatCache(client.access));
    let json = this.flatJson.get(surface);
    if (json === undefined) {
      const scope: CacheScope = client.access.profile === undefined ? 'public' : 'private';
      json = this.renderList(surface.tools, FLAT_LIST_TTL_MS, scope);
      this.flatJson.set(surface, json);
    }
    return json;
  }

  /**
   * The catalog as `access` sees it, as bytes (the flat list of its profile, kept until the catalog changes): what a
   * `subscriptions/listen` stream compares to tell whether the caller's tools changed.
   */
  catalogView(access: Access): string {
    return this.listTools({ access, flat: true });
  }

  /** A `tools/call`, its backends reached on links of this request's own, given back when it is answered. */
  async callTool(
    client: StatelessClient,
    params: CallToolRequest['params'],
    call: CallContext,
  ): Promise<CallToolResult> {
    return withStatelessPeer(client.capabilities, call, async (peer, call) => {
      const backends = new SessionBackends(
        this.context.registry,
        // The wire shape is the same JSON in both eras; only the declared type differs between the SDKs.
        (client.capabilities ?? {}) as ClientCapabilities,
        peer,
        client.authorization,
        this.held,
      );
      try {
        return await callMetaTool(
          {
            context: this.context,
            backends,
            access: client.access,
            flat: isFlat(client),
            flatCache: this.flatCache(client.access),
          },
          params,
          call,
        );
      } finally {
        void backends.close();
      }
    });
  }

  private flatCache(access: Access): FlatCache {
    const key = access.profile ?? '';
    let cache = this.flatCaches.get(key);
    if (!cache) this.flatCaches.set(key, (cache = newFlatCache()));
    return cache;
  }

  private renderList(tools: readonly object[], ttlMs: number, cacheScope: CacheScope): string {
    return renderToolList(tools, { ttlMs, cacheScope, serverInfo: this.serverInfo });
  }
}

function isFlat(client: Pick<StatelessClient, 'access' | 'flat'>): boolean {
  return client.flat || client.access.surface === 'flat';
}
