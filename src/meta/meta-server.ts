/**
 * @module meta-server: the MCP server behind `/mcp`, one per client session: four meta-tools over the catalog, and
 * the session's own links to the backends it invokes (session/session-backends.ts).
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  type CallToolRequest,
  type CallToolResult,
  type ClientCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import { SHARED_SCHEMA_VALIDATOR } from '../schema-validator.js';
import { createClientPeer, type CanReachClient } from '../session/client-peer.js';
import type { CallContext } from '../session/forward.js';
import type { OpenedSession } from '../session/opened-session.js';
import { SessionBackends } from '../session/session-backends.js';
import type { ConnectionCredential } from '../registry/registry.js';
import { openToolSession } from '../session/tool-session.js';
import type { MetaContext } from './context.js';
import { META_TOOLS } from './definitions.js';
import { callMetaTool } from './call-meta-tool.js';
import { FLAT_INSTRUCTIONS, INSTRUCTIONS } from './instructions.js';
import { FULL_ACCESS, type Access } from '../auth/access.js';
import { flatSurface, newFlatCache } from './flat-tools.js';

/** Backend notifications that describe the backend's own lists; /mcp's list is the four meta-tools and never changes. */
const NOT_FOR_META =
  /^notifications\/(tools|prompts|resources)\/list_changed$|^notifications\/resources\/updated$/;

/** The client of a session, as far as the session needs to know it, whatever carries it (HTTP, stdio). */
export interface MetaClient {
  /** From its initialize, when the endpoint has read it first (HTTP); else read from the Server once it has (stdio). */
  capabilities?: ClientCapabilities | undefined;
  canReachClient: CanReachClient;
  /** What its profile lets it see and call (default: everything); `surface` says which list it is served. */
  access?: Access | undefined;
  /** Serve the flat surface whatever the profile says (`/mcp/flat`). */
  flat?: boolean;
  /**
   * Its Authorization header, for backends that forward it (`forward_authorization`); or, per backend, what its
   * connections carry (a REST session's own credentials).
   */
  authorization?: string | ((backend: string) => ConnectionCredential | undefined) | undefined;
}

export function createMetaSession(context: MetaContext, version: string, client: MetaClient): OpenedSession {
  const access = client.access ?? FULL_ACCESS;
  const flat = client.flat === true || access.surface === 'flat';
  const server = new Server(
    { name: 'mcp-gateway', version },
    {
      capabilities: { tools: {}, logging: {} },
      instructions: flat ? FLAT_INSTRUCTIONS : INSTRUCTIONS,
      jsonSchemaValidator: SHARED_SCHEMA_VALIDATOR,
    },
  );
  const peer = createClientPeer(server, client.canReachClient, context.log, (method) =>
    NOT_FOR_META.test(method),
  );
  const backends = new SessionBackends(
    context.registry,
    client.capabilities ?? (() => server.getClientCapabilities() ?? {}),
    peer,
    client.authorization,
  );

  const flatCache = newFlatCache();
  const answerCall = (params: CallToolRequest['params'], call: CallContext): Promise<CallToolResult> =>
    callMetaTool({ context, backends, access, flat, flatCache }, params, call);
  return openToolSession({
    server,
    tools: () => (flat ? flatSurface(context, access, flatCache).tools : [...META_TOOLS]),
    call: answerCall,
    close: () => backends.close(),
  });
}
