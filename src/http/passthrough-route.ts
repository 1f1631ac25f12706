/**
 * @module passthrough-route: `/mcp/:backend`. A known session id goes straight to its SDK transport; an `initialize`
 * without one opens a session: a backend connection (the shared stdio process, or a new remote session advertising
 * this client's capabilities), a bridge mirroring the backend, and a Streamable HTTP transport for the client.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { GatewayError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { Registry } from '../registry/registry.js';
import type { Upstream } from '../backends/upstream.js';
import { createBridge, hasStandaloneStream } from '../passthrough/bridge.js';
import type { SessionTable } from '../passthrough/sessions.js';
import { errorResponse, fail } from './json-error.js';
import { readInitialize } from './mcp-request.js';

export interface PassthroughDeps {
  registry: Registry;
  sessions: SessionTable;
  log: Logger;
  /** Hard cap of one forwarded call, however much progress resets its timeout. */
  maxTotalMs: number;
}

export function passthroughRoute(deps: PassthroughDeps) {
  const { registry, sessions, log } = deps;

  return async function handlePassthrough(c: Context): Promise<Response> {
    const name = c.req.param('backend') ?? '';
    let backend;
    try {
      backend = registry.lookup(name);
    } catch (error) {
      if (error instanceof GatewayError) return errorResponse(c, error);
      throw error;
    }

    const sessionId = c.req.header('mcp-session-id');
    if (sessionId !== undefined) {
      const session = sessions.get(sessionId, name);
      if (!session) return fail(c, 'session_not_found', 'Session not found');
      return session.transport.handleRequest(c.req.raw);
    }

    const check = await readInitialize(c);
    if (!check.ok) return errorResponse(c, check.error, check.id ?? null);
    const init = check.message;

    const shared = registry.isShared(name);
    let upstream: Upstream;
    try {
      upstream = shared
        ? await registry.acquireShared(name)
        : await registry.open(name, init.params.capabilities ?? {});
    } catch (error) {
      const failure =
        error instanceof GatewayError ? error : new GatewayError('backend_unavailable', errorMessage(error));
      log.warn({ backend: name, err: failure.message }, 'session not opened: backend unavailable');
      return errorResponse(c, failure, init.id);
    }

    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => sessions.add({ id, endpoint: name, transport, lastSeen: Date.now() }),
    });
    // This session's own backend connection (remote, or `scope: session`), re-opened on the next request once it
    // has ended: a restarted backend gets a new session advertising the same client capabilities.
    let owned: Upstream | undefined = shared ? undefined : upstream;
    let reopening: Promise<Upstream> | undefined;
    const ownConnection = (): Promise<Upstream> => {
      if (owned && !owned.closed) return Promise.resolve(owned);
      reopening ??= registry
        .open(name, init.params.capabilities ?? {})
        .then((fresh) => {
          if (ended) void fresh.close();
          fresh.attach(bridge.peer);
          return (owned = fresh);
        })
        .finally(() => (reopening = undefined));
      return reopening;
    };
    const bridge = createBridge({
      info: upstream.info,
      upstream: shared ? () => registry.acquireShared(name) : ownConnection,
      timeoutMs: backend.timeout * 1000,
      maxTotalMs: deps.maxTotalMs,
      canReceiveUnrelated: () => hasStandaloneStream(transport),
      log: log.child({ backend: name }),
    });
    const detach = shared
      ? registry.attachShared(name, bridge.peer)
      : (upstream.attach(bridge.peer), () => {});

    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      if (transport.sessionId) sessions.delete(transport.sessionId);
      detach();
      void owned?.close();
    };
    transport.onclose = end;

    await bridge.server.connect(transport);
    const response = await transport.handleRequest(c.req.raw, { parsedBody: init });
    if (!transport.sessionId) {
      end();
      await transport.close();
    }
    return response;
  };
}
