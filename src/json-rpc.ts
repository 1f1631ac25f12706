/**
 * @module json-rpc: cheap structural checks of JSON-RPC 2.0 messages, for the paths that forward frames rather than
 * interpret them. They check what routing needs (kind, id, method) and leave the contents to the endpoints, which
 * validate them anyway; the SDK's zod schemas would cost more than the rest of forwarding together.
 */
import type {
  JSONRPCErrorResponse,
  JSONRPCMessage,
  JSONRPCResultResponse,
  JSONRPCNotification,
  JSONRPCRequest,
  RequestId,
} from '@modelcontextprotocol/sdk/types.js';

type Fields = Record<string, unknown>;

/** A JSON object (not null, not an array). */
export function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isRequestId(value: unknown): value is RequestId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
}

/** Params, when present, must be an object: the MCP schema has no positional params. */
function paramsOk(message: Fields): boolean {
  return message.params === undefined || isObject(message.params);
}

export function isJsonRpcRequest(value: unknown): value is JSONRPCRequest {
  return (
    isObject(value) &&
    value.jsonrpc === '2.0' &&
    typeof value.method === 'string' &&
    isRequestId(value.id) &&
    paramsOk(value)
  );
}

export function isJsonRpcNotification(value: unknown): value is JSONRPCNotification {
  return (
    isObject(value) &&
    value.jsonrpc === '2.0' &&
    typeof value.method === 'string' &&
    !('id' in value) &&
    paramsOk(value)
  );
}

/** A result or an error answering a request (an error about an unreadable request may carry no id). */
export function isJsonRpcResponse(value: unknown): value is JSONRPCResultResponse | JSONRPCErrorResponse {
  if (!isObject(value) || value.jsonrpc !== '2.0') return false;
  if ('result' in value) return isRequestId(value.id) && isObject(value.result) && !('error' in value);
  const idOk = value.id === undefined || isRequestId(value.id);
  return (
    idOk &&
    isObject(value.error) &&
    typeof value.error.code === 'number' &&
    typeof value.error.message === 'string'
  );
}

export function isJsonRpcMessage(value: unknown): value is JSONRPCMessage {
  return isJsonRpcRequest(value) || isJsonRpcNotification(value) || isJsonRpcResponse(value);
}

/** The request a `notifications/cancelled` message cancels (and why), or undefined for any other message. */
export function cancelledRequest(
  message: JSONRPCMessage,
): { requestId: RequestId; reason?: string } | undefined {
  if (!isJsonRpcNotification(message) || message.method !== 'notifications/cancelled') return undefined;
  const { requestId, reason } = message.params ?? {};
  if (!isRequestId(requestId)) return undefined;
  return typeof reason === 'string' ? { requestId, reason } : { requestId };
}
