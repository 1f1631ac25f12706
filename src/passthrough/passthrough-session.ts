/**
 * @module passthrough-session: a new client session of `/mcp/<backend>`. It gets a link to the backend (its shared
 * process, or a connection of its own advertising this client's capabilities) and a bridge that mirrors the backend.
 */
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Catalog } from '../catalog/catalog.js';
import type { BackendSessionRef } from '../backends/connection.js';
import { isObject } from '../json-rpc.js';
import type { Logger } from '../log.js';
import type { PassthroughMetrics } from '../metrics/metrics.js';
import type { Registry } from '../registry/registry.js';
import { createBackendLink } from '../session/backend-link.js';
import type { OpenedSession } from '../session/opened-session.js';
import { createBridge } from './bridge.js';
import type { Access } from '../auth/access.js';

export interface PassthroughDeps {
  registry: Registry;
  catalog: Catalog;
  log: Logger;
  /** Hard cap of one forwarded call, however much progress resets its timeout. */
  maxTotalMs: number;
  metrics?: PassthroughMetrics;
}

/** Connects the session to backend `name` (throws a GatewayError if it cannot be reached) and builds its bridge. */
export async function openPassthroughSession(
  deps: PassthroughDeps,
  name: string,
  capabilities: ClientCapabilities,
  transport: Transport,
  access?: Access,
  /** The client's Authorization header, for a backend that forwards it (`forward_authorization`). */
  authorization?: string,
  /** The backend session of this client session on another replica (its `backendSession()`), to continue. */
  resume?: unknown,
): Promise<OpenedSession> {
  const { registry } = deps;
  // A stateful backend's state dies with its process: the client session ends with it (the client gets 404 and
  // starts over) instead of going on, unaware, with a fresh process. After the answers to the calls that failed with
  // the process have left.
  const onLost = registry.lookup(name).stateful
    ? () => void setImmediate(() => void transport.close())
    : undefined;
  const link = createBackendLink(
    registry,
    name,
    capabilities,
    onLost,
    authorization,
    registry.lookup(name).transport === 'http' ? backendSessionRef(resume) : undefined,
  );
  let connection;
  try {
    connection = await link.connection();
  } catch (error) {
    await link.close();
    throw error;
  }
  const { server, direct } = createBridge({
    info: connection.info,
    link,
    transport,
    timeoutMs: registry.lookup(name).timeout * 1000,
    maxTotalMs: deps.maxTotalMs,
    shared: registry.isShared(name),
    catalogTools: () => deps.catalog.currentTools(name),
    log: deps.log.child({ backend: name }),
    metrics: deps.metrics,
    access,
  });
  return {
    server,
    direct,
    backendSession: () => link.current()?.backendSession?.(),
    close: () => {
      direct.close();
      return link.close();
    },
  };
}

/** A backend session reference as another replica stored it; undefined when it is not one. */
function backendSessionRef(value: unknown): BackendSessionRef | undefined {
  if (!isObject(value) || typeof value.sessionId !== 'string' || typeof value.protocolVersion !== 'string')
    return undefined;
  const info = value.info;
  if (!isObject(info) || !isObject(info.capabilities) || !isObject(info.serverInfo)) return undefined;
  return value as unknown as BackendSessionRef;
}
