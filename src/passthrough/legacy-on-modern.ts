/**
 * @module legacy-on-modern: a 2025-11-25 client session of `/mcp/<backend>` whose backend speaks 2026-07-28 only
 * statelessly. The gateway answers the session itself (initialize from the backend's `server/discover` answer) and
 * sends each request to the backend as one stateless request carrying the client's declared capabilities. When the
 * backend answers `input_required`, each of its `inputRequests` goes to the client as a server→client request on the
 * session (elicitation/create, sampling/createMessage, roots/list), on the stream of the call it belongs to, and the
 * request is sent again with the `inputResponses` and the backend's `requestState` as it was. The rounds are bounded
 * (MAX_ROUNDS), and so is the client's time to answer one (INPUT_ROUND_MS). The client's `notifications/cancelled`
 * aborts the request to the backend (closing it is this era's cancellation).
 *
 * The gateway mints no `requestState` of its own here: the backend's travels through the gateway's memory only,
 * never through the legacy client.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CreateMessageResultSchema,
  ElicitResultSchema,
  ListRootsResultSchema,
  type ClientCapabilities,
  type Request,
  type Result,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { Access } from '../auth/access.js';
import type { BackendEra } from '../catalog/backend-eras.js';
import { RpcError } from '../errors.js';
import type { CallOutcome } from '../metrics/labels.js';
import { SHARED_SCHEMA_VALIDATOR } from '../schema-validator.js';
import { MODERN_VERSION, requestModernBackend } from '../session/modern-backend.js';
import type { OpenedSession } from '../session/opened-session.js';
import type { RequestExtra } from '../session/forward.js';
import { statelessCapabilities } from './modern-on-legacy.js';
import type { PassthroughDeps } from './passthrough-session.js';

/** As the SDK v2 legacy shim: a backend that asks more often than this is not going to finish. */
export const MAX_ROUNDS = 8;
/** How long the client may take to answer one round's requests (a person may be answering). */
export const INPUT_ROUND_MS = 300_000;
const INTERNAL_ERROR = -32603;
const INVALID_PARAMS = -32602;
/** The gateway's code for a backend it could not reach (errors.ts: backend_unavailable). */
const UNREACHABLE = -32010;
const SERVER_INFO_META_KEY = 'io.modelcontextprotocol/serverInfo';

const INPUT_METHODS = {
  'elicitation/create': { capability: 'elicitation', schema: ElicitResultSchema },
  'sampling/createMessage': { capability: 'sampling', schema: CreateMessageResultSchema },
  'roots/list': { capability: 'roots', schema: ListRootsResultSchema },
} as const;

export interface LegacyOnModernOptions {
  name: string;
  era: BackendEra;
  /** What the client declared at initialize: sent to the backend with every request. */
  capabilities: ClientCapabilities;
  access?: Access | undefined;
  authorization: string | undefined;
}

export function openLegacyOnModern(deps: PassthroughDeps, options: LegacyOnModernOptions): OpenedSession {
  const { name, era, capabilities, authorization } = options;
  const discover = era.discover ?? {};
  const log = deps.log.child({ backend: name });
  const server = new Server(serverInfoOf(discover, name), {
    capabilities: statelessCapabilities(
      isRecord(discover.capabilities) ? discover.capabilities : { tools: {} },
    ),
    jsonSchemaValidator: SHARED_SCHEMA_VALIDATOR,
    ...(typeof discover.instructions === 'string' ? { instructions: discover.instructions } : {}),
  });
  const profiled = options.access?.profile !== undefined ? options.access : undefined;
  const timeoutMs = deps.registry.lookup(name).timeout * 1000;
  let sent = 0;

  const send = async (
    method: string,
    params: Record<string, unknown>,
    extra: RequestExtra,
  ): Promise<Result> => {
    const meta = isRecord(params._meta) ? params._meta : {};
    let round: Record<string, unknown> = {
      ...params,
      _meta: {
        ...meta,
        'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
        'io.modelcontextprotocol/clientCapabilities': capabilities,
      },
    };
    for (let rounds = 0; ; rounds++) {
      const signal = AbortSignal.any([extra.signal, AbortSignal.timeout(timeoutMs)]);
      const answer = await requestModernBackend(
        deps.registry,
        name,
        authorization,
        { id: `gw-${++sent}`, method, params: round },
        {
          signal,
          // Progress and log messages of the call reach the client on the call's own stream.
          onNotification: (notification) =>
            void extra
              .sendNotification(notification as Parameters<RequestExtra['sendNotification']>[0])
              .catch(() => undefined),
        },
      ).catch((error: unknown) => {
        if (extra.signal.aborted) throw new RpcError(INTERNAL_ERROR, 'cancelled by the client');
        throw new RpcError(
          UNREACHABLE,
          `backend "${name}" could not be reached: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
      if (!answer.ok) throw new RpcError(answer.error.code, answer.error.message, answer.error.data);
      const { resultType, inputRequests, requestState, ...result } = answer.result;
      if (resultType !== 'input_required') return result as Result;
      if (rounds + 1 >= MAX_ROUNDS)
        throw new RpcError(
          INTERNAL_ERROR,
          `backend "${name}" still asked for input after ${MAX_ROUNDS} rounds; the call was given up`,
        );
      const inputResponses = await fulfil(isRecord(inputRequests) ? inputRequests : {}, extra);
      const { inputResponses: _previous, requestState: _state, ...base } = round;
      round = {
        ...base,
        inputResponses,
        ...(typeof requestState === 'string' ? { requestState } : {}),
      };
      log.debug({ method, round: rounds + 1 }, 'input_required round answered by the client');
    }
  };

  /** Asks the client each of the round's requests on the call's stream, at once, and collects the answers. */
  const fulfil = async (requests: Record<string, unknown>, extra: RequestExtra) => {
    const entries = await Promise.all(
      Object.entries(requests).map(async ([key, request]) => {
        const method = isRecord(request) ? request.method : undefined;
        const known =
          typeof method === 'string' ? INPUT_METHODS[method as keyof typeof INPUT_METHODS] : undefined;
        if (!known || !isRecord(request))
          throw new RpcError(
            INTERNAL_ERROR,
            `backend "${name}" asked for ${String(method)}, which a client cannot answer`,
          );
        if (capabilities[known.capability] === undefined)
          throw new RpcError(
            INTERNAL_ERROR,
            `backend "${name}" needs the client capability ${known.capability} (for ${method}), which this client did not declare`,
            { requiredCapabilities: { [known.capability]: {} } },
          );
        const params = isRecord(request.params) ? request.params : {};
        const answer = await extra.sendRequest(
          { method, params } as Parameters<RequestExtra['sendRequest']>[0],
          known.schema,
          { timeout: INPUT_ROUND_MS, signal: extra.signal },
        );
        return [key, answer] as const;
      }),
    );
    return Object.fromEntries(entries);
  };

  server.fallbackRequestHandler = async (request: Request, extra: RequestExtra) => {
    const params = (request.params ?? {}) as Record<string, unknown>;
    if (profiled && request.method === 'tools/call') {
      const tool = params.name;
      // As the backend would answer a tool it does not have: the profile hides it, it does not announce it.
      if (typeof tool !== 'string' || !profiled.tool(name, tool))
        throw new RpcError(INVALID_PARAMS, `Unknown tool: ${String(tool)}`);
    }
    const started = performance.now();
    const tool = request.method === 'tools/call' && typeof params.name === 'string' ? params.name : undefined;
    let outcome: CallOutcome = 'error';
    let result: Result;
    try {
      result = await send(request.method, params, extra);
      outcome = result.isError === true && tool !== undefined ? 'tool_error' : 'ok';
    } catch (error) {
      if (extra.signal.aborted) outcome = 'cancelled';
      else if (error instanceof RpcError && error.code === UNREACHABLE) outcome = 'unavailable';
      throw error;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      deps.metrics?.requestDone('/mcp/:backend', name, request.method, outcome, seconds, tool);
    }
    if (request.method === 'tools/list' && Array.isArray(result.tools)) {
      // Cache hints are of the new revision; a legacy client takes its list as it is.
      const { ttlMs: _ttl, cacheScope: _scope, ...list } = result;
      const tools = list.tools as Tool[];
      return profiled ? { ...list, tools: tools.filter((t) => profiled.tool(name, t.name)) } : list;
    }
    return result;
  };
  // Nothing of the legacy session's own notifications means anything to a stateless backend (cancellation is
  // handled by the Server: it aborts the request's signal).
  server.fallbackNotificationHandler = async () => undefined;
  return { server, close: async () => undefined };
}

function serverInfoOf(discover: Record<string, unknown>, name: string): { name: string; version: string } {
  const meta = isRecord(discover._meta) ? discover._meta : {};
  const info = isRecord(meta[SERVER_INFO_META_KEY])
    ? meta[SERVER_INFO_META_KEY]
    : isRecord(discover.serverInfo)
      ? discover.serverInfo
      : undefined;
  if (info && typeof info.name === 'string')
    return { ...info, name: info.name, version: typeof info.version === 'string' ? info.version : '' };
  return { name, version: '' };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
