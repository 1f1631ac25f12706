/**
 * @module modern-http: the client side of a 2026-07-28 (stateless) Streamable HTTP backend: one POST per request,
 * with the mirrored headers the revision requires (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`), answered by
 * JSON or by an SSE stream that ends with the answer. No session, no GET stream: a request is cancelled by closing
 * its response. Also the question that tells a modern backend from a legacy one (`probeEra`).
 */
import { createParser } from 'eventsource-parser';
import { isJsonRpcNotification, isJsonRpcResponse, isObject } from '../json-rpc.js';
import { mediaType } from '../media-type.js';

/** The revision this module speaks. */
export const MODERN_VERSION = '2026-07-28';
const PROTOCOL_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';
const CLIENT_CAPABILITIES_KEY = 'io.modelcontextprotocol/clientCapabilities';
const CLIENT_INFO_KEY = 'io.modelcontextprotocol/clientInfo';

/** Where a modern backend is reached: its URL and the headers configured for it (credentials included). */
export interface ModernTarget {
  url: string;
  headers: Record<string, string>;
}

/** The methods whose `Mcp-Name` header mirrors a body field, and that field. */
const NAME_SOURCE: Readonly<Record<string, 'name' | 'uri'>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
};
/** Header-safe text: visible ASCII and inner spaces. Anything else travels Base64 in the revision's sentinel. */
const HEADER_SAFE = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/;

/** The headers a modern request must carry for its body (Mcp-Name where the method has one). */
export function modernHeaders(
  method: string,
  params: Record<string, unknown> | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': MODERN_VERSION,
    'mcp-method': method,
  };
  const source = NAME_SOURCE[method];
  const name = source !== undefined ? params?.[source] : undefined;
  if (typeof name === 'string')
    headers['mcp-name'] = HEADER_SAFE.test(name)
      ? name
      : `=?base64?${Buffer.from(name, 'utf8').toString('base64')}?=`;
  return headers;
}

/** POSTs a body as it is; the response is the backend's, unread (its body may be an SSE stream). */
export function postModern(
  target: ModernTarget,
  body: string,
  headers: Record<string, string>,
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(target.url, {
    method: 'POST',
    // The protocol's headers over the configured ones: a configured header cannot change what the body means.
    headers: { ...target.headers, ...headers },
    body,
    redirect: 'error',
    ...(signal ? { signal } : {}),
  });
}

export type ModernAnswer =
  | { ok: true; result: Record<string, unknown> }
  | { ok: false; error: { code: number; message: string; data?: unknown }; httpStatus: number };

/**
 * Sends one request and reads its answer: a JSON body, or the SSE stream's response to it (the notifications before
 * it go to `onNotification`). Throws on a transport failure or an answer that is not JSON-RPC.
 */
export async function requestModern(
  target: ModernTarget,
  message: { id: string | number; method: string; params: Record<string, unknown> },
  options: {
    signal?: AbortSignal;
    onNotification?: (message: { method: string; params?: unknown }) => void;
  } = {},
): Promise<ModernAnswer> {
  const response = await postModern(
    target,
    JSON.stringify({ jsonrpc: '2.0', ...message }),
    modernHeaders(message.method, message.params),
    options.signal,
  );
  const answer = await readAnswer(response, message.id, options.onNotification);
  if (!answer) throw new Error(`the backend answered HTTP ${response.status} without a JSON-RPC response`);
  if ('error' in answer) return { ok: false, error: answer.error, httpStatus: response.status };
  return { ok: true, result: answer.result };
}

type Answer =
  { result: Record<string, unknown> } | { error: { code: number; message: string; data?: unknown } };

async function readAnswer(
  response: Response,
  id: string | number,
  onNotification?: (message: { method: string; params?: unknown }) => void,
): Promise<Answer | undefined> {
  const type = mediaType(response.headers.get('content-type') ?? undefined);
  if (type === 'text/event-stream' && response.body) {
    let found: Answer | undefined;
    const parser = createParser({
      onEvent: (event) => {
        if (found || !event.data || (event.event !== undefined && event.event !== 'message')) return;
        let parsed: unknown;
        try {
          parsed = JSON.parse(event.data);
        } catch {
          return;
        }
        if (isJsonRpcResponse(parsed) && parsed.id === id) found = asAnswer(parsed);
        else if (isJsonRpcNotification(parsed)) onNotification?.(parsed);
      },
    });
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    try {
      while (!found) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } finally {
      // The answer is in: the rest of the stream (if any) is not read.
      void reader.cancel().catch(() => undefined);
    }
    return found;
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isJsonRpcResponse(parsed) ? asAnswer(parsed) : undefined;
}

function asAnswer(message: Record<string, unknown>): Answer | undefined {
  if (isObject(message.result)) return { result: message.result };
  const error = message.error;
  if (isObject(error) && typeof error.code === 'number' && typeof error.message === 'string')
    return {
      error: { code: error.code, message: error.message, ...('data' in error ? { data: error.data } : {}) },
    };
  return undefined;
}

/**
 * What a backend said when asked `server/discover`: `modern` only when its answer lists 2026-07-28 among its
 * `supportedVersions` (a server that answers discover while negotiating down to an older revision is legacy);
 * `legacy` for any other answer, an HTTP error included; `unknown` when it could not be reached (ask again later).
 */
export type EraProbe =
  | { era: 'modern'; discover: Record<string, unknown> }
  | { era: 'legacy'; reason: string }
  | { era: 'unknown'; reason: string };

export async function probeEra(
  target: ModernTarget,
  clientInfo: { name: string; version: string },
  timeoutMs: number,
): Promise<EraProbe> {
  const params = {
    _meta: {
      [PROTOCOL_VERSION_KEY]: MODERN_VERSION,
      [CLIENT_CAPABILITIES_KEY]: {},
      [CLIENT_INFO_KEY]: clientInfo,
    },
  };
  let answer: Answer | undefined;
  try {
    const response = await postModern(
      target,
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'server/discover', params }),
      modernHeaders('server/discover', params),
      AbortSignal.timeout(timeoutMs),
    );
    // A refused credential says nothing about the revision (a backend that wants the client's own, say).
    if (response.status === 401 || response.status === 403) {
      void response.body?.cancel().catch(() => undefined);
      return { era: 'unknown', reason: `server/discover: HTTP ${response.status}` };
    }
    answer = await readAnswer(response, 1);
    if (!answer)
      return { era: 'legacy', reason: `server/discover: HTTP ${response.status}, no JSON-RPC answer` };
  } catch (error) {
    // No answer at all says nothing about the revision: asked again later.
    return { era: 'unknown', reason: error instanceof Error ? error.message : String(error) };
  }
  if ('error' in answer) return { era: 'legacy', reason: `server/discover: ${answer.error.message}` };
  const versions = answer.result.supportedVersions;
  if (Array.isArray(versions) && versions.includes(MODERN_VERSION))
    return { era: 'modern', discover: answer.result };
  return { era: 'legacy', reason: 'server/discover does not list 2026-07-28' };
}
