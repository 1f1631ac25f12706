/**
 * @module modern-on-legacy: a 2026-07-28 client on `/mcp/<backend>` whose backend speaks 2025-11-25. The gateway holds
 * the legacy connection (the shared one of a stdio backend, or one of the request's own, advertising exactly the
 * capabilities the client declared in its `_meta`) and answers the client statelessly: `server/discover` from the
 * backend's initialize answer, the lists with cache hints, every other request forwarded as it is.
 *
 * There is no bridge from a legacy backend's own requests (sampling, elicitation, roots) to a stateless client's
 * `input_required` rounds: such a request is refused at once (so the backend does not wait for it), the client's
 * call is cancelled at the backend (`notifications/cancelled`), and the client gets `-32021` with
 * `data.requiredCapabilities` when it did not declare the capability, or `-32603` naming the missing bridge when it
 * did. A client that closes its response cancels the call at the backend the same way.
 */
import type { ClientCapabilities, Request, Result, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Access } from '../auth/access.js';
import type { Peer } from '../backends/connection.js';
import { Cancellation } from '../cancellation.js';
import { GatewayError, RpcError, errorObject } from '../errors.js';
import { createBackendLink } from '../session/backend-link.js';
import type { HeldConnection, LegacyLinks } from '../session/legacy-links.js';
import { forwardRequest, type ForwardOptions } from '../session/forward.js';
import type { PassthroughDeps } from './passthrough-session.js';

const MISSING_CLIENT_CAPABILITY = -32021;
const INTERNAL_ERROR = -32603;
const METHOD_NOT_FOUND = -32601;
const INVALID_PARAMS = -32602;
const SERVER_INFO_META_KEY = 'io.modelcontextprotocol/serverInfo';
const CLIENT_CAPABILITIES_META_KEY = 'io.modelcontextprotocol/clientCapabilities';
/** As discovery: a list older than a minute is read again, so a client may keep one that long. */
const LIST_TTL_MS = 60_000;
/** What the backend said of itself changes only with its definition (and that asks again). */
const DISCOVER_TTL_MS = 3_600_000;

/** The capability a backend's request needs of the client. */
const NEEDS: Readonly<Record<string, keyof ClientCapabilities>> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};
/** The methods a stateless client may send and a legacy backend understands, forwarded as they are. */
const FORWARDED = new Set([
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'ping',
]);
/** Lists that carry cache hints in the new revision. */
const LISTS = new Set(['tools/list', 'resources/list', 'resources/templates/list', 'prompts/list']);

export interface ModernOnLegacyClient {
  /** The legacy connections held for stateless clients (of backends that are not shared). */
  links: LegacyLinks;
  access: Access;
  authorization: string | undefined;
  /** Cancelled when the client closes its response. */
  cancellation: Cancellation;
  httpRequestId: string | undefined;
}

/** A JSON-RPC answer for the client: a result or an error, with the HTTP status it travels with. */
export type ModernReply =
  | { status: 200; result: Record<string, unknown> }
  | { status: 200 | 404 | 502 | 504; error: { code: number; message: string; data?: unknown } };

export async function answerModernOnLegacy(
  deps: PassthroughDeps,
  name: string,
  message: { id: string | number; method: string; params: Record<string, unknown> },
  client: ModernOnLegacyClient,
): Promise<ModernReply> {
  const { method, params } = message;
  if (method !== 'server/discover' && method !== 'tools/list' && !FORWARDED.has(method))
    return { status: 404, error: { code: METHOD_NOT_FOUND, message: `Method not found: ${method}` } };
  const profiled = client.access.profile !== undefined ? client.access : undefined;
  if (profiled && method === 'tools/call') {
    const tool = params.name;
    if (typeof tool !== 'string' || !profiled.tool(name, tool))
      return { status: 200, error: { code: INVALID_PARAMS, message: `Unknown tool: ${String(tool)}` } };
  }
  const meta = params._meta as Record<string, unknown> | undefined;
  const declared = meta?.[CLIENT_CAPABILITIES_META_KEY];
  const capabilities = (isRecord(declared) ? declared : {}) as ClientCapabilities;

  const refusal: { value?: { code: number; message: string; data?: unknown } } = {};
  const cancellation = new Cancellation();
  const unfollow = client.cancellation.onCancel((reason) => cancellation.cancel(reason));
  const peer = refusingPeer(name, capabilities, (refused) => {
    refusal.value ??= refused;
    cancellation.cancel(refused.message);
  });
  const config = deps.registry.lookup(name);
  // A shared backend's one process; a stateful backend's state is one client's, so a connection of this request's
  // own; else a connection the gateway holds for clients like this one.
  const held =
    deps.registry.isShared(name) || config.stateful
      ? requestLink(deps, name, capabilities, client.authorization, peer)
      : client.links.hold(name, capabilities, client.authorization, peer);
  const forward: ForwardOptions = {
    peer,
    timeoutMs: config.timeout * 1000,
    maxTotalMs: deps.maxTotalMs,
    log: deps.log.child({ backend: name }),
    route: '/mcp/:backend',
    backend: name,
    metrics: deps.metrics,
  };
  const call = {
    requestId: message.id,
    cancellation,
    // A JSON response carries the result only.
    progress: () => undefined,
    httpRequestId: client.httpRequestId,
  };
  try {
    if (method === 'server/discover') {
      const { info } = await held.connect();
      return { status: 200, result: discoverResult(info, profiled !== undefined) };
    }
    const request: Pick<Request, 'method' | 'params'> = { method, params: legacyParams(params) };
    if (method === 'tools/list') {
      const known = params.cursor === undefined ? deps.catalog.currentTools(name) : undefined;
      const listed: Result = known
        ? { tools: known }
        : await forwardRequest(held.connect, request, call, forward);
      const tools = (listed.tools as Tool[] | undefined) ?? [];
      return {
        status: 200,
        result: cacheable(
          { ...listed, tools: profiled ? tools.filter((t) => profiled.tool(name, t.name)) : tools },
          profiled !== undefined,
        ),
      };
    }
    const result = await forwardRequest(held.connect, request, call, forward);
    const answered: Record<string, unknown> = { ...result, resultType: 'complete' };
    return {
      status: 200,
      result: LISTS.has(method) ? cacheable(answered, profiled !== undefined) : answered,
    };
  } catch (error) {
    if (refusal.value) return { status: 200, error: refusal.value };
    if (error instanceof GatewayError) {
      const status = error.code === 'backend_timeout' ? 504 : 502;
      return { status, error: { code: error.jsonRpcCode, message: error.message, ...dataOf(error.data) } };
    }
    const rpc = error instanceof RpcError ? error : undefined;
    return { status: 200, error: rpc ? errorObject(rpc) : { code: INTERNAL_ERROR, message: String(error) } };
  } finally {
    unfollow();
    held.release();
  }
}

/**
 * The shared connection of a stdio backend, with this request's peer among its audience while it runs; or, for a
 * stateful backend, a connection of the request's own, closed with it.
 */
function requestLink(
  deps: PassthroughDeps,
  name: string,
  capabilities: ClientCapabilities,
  authorization: string | undefined,
  peer: Peer,
): HeldConnection {
  const link = createBackendLink(deps.registry, name, capabilities, undefined, authorization);
  link.attach(peer);
  return { connect: link.connection, release: () => void link.close() };
}

/**
 * The peer of one stateless request: the backend's own requests are refused (what a client lacking the capability
 * answers, so that nothing waits), and the refusal the client gets is reported once.
 */
function refusingPeer(
  backend: string,
  declared: ClientCapabilities,
  refused: (error: { code: number; message: string; data?: unknown }) => void,
): Peer {
  return {
    notify: () => undefined,
    request: (request) => {
      const capability = NEEDS[request.method];
      if (capability === undefined) {
        refused({
          code: INTERNAL_ERROR,
          message: `backend "${backend}" sent ${request.method}, which a client cannot answer`,
        });
        return Promise.reject(new RpcError(METHOD_NOT_FOUND, `Method not found: ${request.method}`));
      }
      if (declared[capability] === undefined)
        refused({
          code: MISSING_CLIENT_CAPABILITY,
          message: `Missing required client capability: ${capability} (backend "${backend}" sent ${request.method})`,
          data: { requiredCapabilities: { [capability]: {} } },
        });
      else
        refused({
          code: INTERNAL_ERROR,
          message:
            `backend "${backend}" speaks 2025-11-25 and sent ${request.method} during the call; the gateway does not ` +
            "bridge a legacy backend's requests to a stateless client's input_required rounds (SEP-2322)",
        });
      return Promise.reject(
        new RpcError(
          METHOD_NOT_FOUND,
          `${request.method} cannot reach a stateless client through the gateway`,
        ),
      );
    },
  };
}

/** The 2026-07-28 `server/discover` answer from what the legacy backend said at initialize. */
function discoverResult(
  info: {
    capabilities: Record<string, unknown>;
    serverInfo: Record<string, unknown>;
    instructions: string | undefined;
  },
  profiled: boolean,
): Record<string, unknown> {
  return cacheable(
    {
      supportedVersions: ['2026-07-28'],
      capabilities: statelessCapabilities(info.capabilities),
      ...(info.instructions !== undefined ? { instructions: info.instructions } : {}),
      _meta: { [SERVER_INFO_META_KEY]: info.serverInfo },
    },
    profiled,
    DISCOVER_TTL_MS,
  );
}

/**
 * What a stateless client can use of the backend's capabilities: nothing announces a change to it here (no
 * `subscriptions/listen` on this route for a legacy backend), so `listChanged` and `subscribe` are left out.
 */
export function statelessCapabilities(capabilities: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(capabilities)) {
    if (!isRecord(value)) {
      out[key] = value;
      continue;
    }
    const { listChanged: _listChanged, subscribe: _subscribe, ...rest } = value;
    out[key] = rest;
  }
  return out;
}

function cacheable(
  result: Record<string, unknown>,
  profiled: boolean,
  ttlMs = LIST_TTL_MS,
): Record<string, unknown> {
  // A list a profile filters is this caller's own: a shared cache must not hand it to another.
  return { ...result, ttlMs, cacheScope: profiled ? 'private' : 'public', resultType: 'complete' };
}

/** The request's params as a legacy backend takes them: without the 2026-07-28 envelope keys. */
function legacyParams(params: Record<string, unknown>): Record<string, unknown> {
  const meta = params._meta;
  if (!isRecord(meta)) return params;
  const kept = Object.fromEntries(
    Object.entries(meta).filter(([key]) => !key.startsWith('io.modelcontextprotocol/')),
  );
  const { _meta: _dropped, ...rest } = params;
  return Object.keys(kept).length > 0 ? { ...rest, _meta: kept } : rest;
}

function dataOf(data: unknown): { data?: unknown } {
  return data === undefined ? {} : { data };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
