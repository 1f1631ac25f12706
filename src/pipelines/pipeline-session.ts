/**
 * @module pipeline-session: a client session of `/mcp/pipelines`, the virtual backend whose tools are the pipelines:
 * tools/list answers their definitions, tools/call runs one, its steps on the session's own links to the backends
 * (the backends' notifications and requests about a step reach this client, on the pipeline call's stream).
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  type CallToolRequest,
  type CallToolResult,
  type ClientCapabilities,
  type ProgressToken,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../log.js';
import type { Registry } from '../registry/registry.js';
import { SHARED_SCHEMA_VALIDATOR } from '../schema-validator.js';
import { createClientPeer, type CanReachClient } from '../session/client-peer.js';
import type { CallContext } from '../session/forward.js';
import type { OpenedSession } from '../session/opened-session.js';
import { SessionBackends } from '../session/session-backends.js';
import { openToolSession } from '../session/tool-session.js';
import { PIPELINES_BACKEND, type Pipelines } from './pipelines.js';

export interface PipelineSessionDeps {
  pipelines: Pipelines;
  registry: Registry;
  log: Logger;
  version: string;
}

export function createPipelineSession(
  deps: PipelineSessionDeps,
  capabilities: ClientCapabilities,
  canReachClient: CanReachClient,
  /** Which pipelines the client's profile lets it see and run (all by default). */
  allows: (pipeline: string) => boolean = () => true,
): OpenedSession {
  const server = new Server(
    { name: `mcp-gateway/${PIPELINES_BACKEND}`, version: deps.version },
    { capabilities: { tools: {}, logging: {} }, jsonSchemaValidator: SHARED_SCHEMA_VALIDATOR },
  );
  // The backends' own lists do not change this one: it is the config's.
  const peer = createClientPeer(server, canReachClient, deps.log, (method) =>
    method.endsWith('/list_changed'),
  );
  const backends = new SessionBackends(deps.registry, capabilities, peer);

  return openToolSession({
    server,
    tools: () => deps.pipelines.tools().filter((t) => allows(t.name)),
    call: async (params: CallToolRequest['params'], call: CallContext): Promise<CallToolResult> => {
      // A pipeline the profile hides is as unknown as one that does not exist.
      if (!allows(params.name))
        return { content: [{ type: 'text', text: `unknown pipeline "${params.name}"` }], isError: true };
      return deps.pipelines.run(params.name, (params.arguments ?? {}) as Record<string, unknown>, {
        backends,
        call,
        progressToken: params._meta?.progressToken as ProgressToken | undefined,
        route: '/mcp/:backend',
      });
    },
    close: () => backends.close(),
  });
}
