/**
 * @module errors: one error type for the gateway, and the one table that says whose fault each failure is and how it
 * reaches the caller (HTTP status and JSON-RPC code).
 */

/** Every way a request can fail at the gateway, named once. */
export type GatewayErrorCode =
  | 'parse_error'
  | 'invalid_request'
  | 'unsupported_media_type'
  | 'not_acceptable'
  | 'payload_too_large'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'unknown_backend'
  | 'backend_disabled'
  | 'session_not_found'
  | 'too_many_sessions'
  | 'too_many_requests'
  | 'backend_unavailable'
  | 'backend_timeout'
  | 'internal';

interface ErrorMapping {
  /** HTTP status when the failure ends an HTTP exchange. */
  http: number;
  /** JSON-RPC error code when it is reported inside the protocol. */
  jsonRpc: number;
}

/**
 * Caller faults get 4xx and the standard JSON-RPC codes; backend faults get 5xx-ish codes and never a caller-fault
 * code. -32001 and -32000 follow the SDK's own usage, so SDK clients recognise them; -32010 is ours.
 */
export const ERROR_MAPPING: Record<GatewayErrorCode, ErrorMapping> = {
  parse_error: { http: 400, jsonRpc: -32700 },
  invalid_request: { http: 400, jsonRpc: -32600 },
  unsupported_media_type: { http: 415, jsonRpc: -32000 },
  not_acceptable: { http: 406, jsonRpc: -32000 },
  payload_too_large: { http: 413, jsonRpc: -32000 },
  unauthorized: { http: 401, jsonRpc: -32000 },
  forbidden: { http: 403, jsonRpc: -32000 },
  not_found: { http: 404, jsonRpc: -32601 },
  method_not_allowed: { http: 405, jsonRpc: -32000 },
  unknown_backend: { http: 404, jsonRpc: -32602 },
  backend_disabled: { http: 404, jsonRpc: -32602 },
  session_not_found: { http: 404, jsonRpc: -32001 },
  too_many_sessions: { http: 503, jsonRpc: -32000 },
  too_many_requests: { http: 429, jsonRpc: -32000 },
  backend_unavailable: { http: 502, jsonRpc: -32010 },
  backend_timeout: { http: 504, jsonRpc: -32001 },
  internal: { http: 500, jsonRpc: -32603 },
};

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
  }

  get httpStatus(): number {
    return ERROR_MAPPING[this.code].http;
  }

  get jsonRpcCode(): number {
    return ERROR_MAPPING[this.code].jsonRpc;
  }

  /** The JSON-RPC error response body for an HTTP exchange (no request id is known at that point). */
  toJsonRpc(id: string | number | null = null): JsonRpcErrorBody {
    return { jsonrpc: '2.0', error: errorObject(this), id };
  }
}

export interface JsonRpcErrorBody {
  jsonrpc: '2.0';
  error: JsonRpcErrorObject;
  id: string | number | null;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * Any thrown error as the `error` of a JSON-RPC response: the gateway's own errors with their code from the table, a
 * backend's error (RpcError, or anything with a numeric code) as it came, anything else as an internal error.
 */
export function errorObject(error: unknown): JsonRpcErrorObject {
  if (error instanceof GatewayError) {
    const { jsonRpcCode: code, message, data } = error;
    return data === undefined ? { code, message } : { code, message, data };
  }
  const fields = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const code = Number.isSafeInteger(fields.code) ? (fields.code as number) : ERROR_MAPPING.internal.jsonRpc;
  const message = typeof fields.message === 'string' ? fields.message : 'Internal error';
  return fields.data === undefined ? { code, message } : { code, message, data: fields.data };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * An error to throw from an SDK request handler: the SDK copies a numeric `code`, `message` and `data` into the
 * JSON-RPC error verbatim (an `McpError` would gain a second "MCP error N:" prefix).
 */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  /** Set when the gateway itself failed the call (not the backend's own error): what went wrong, for metrics. */
  reason: GatewayErrorCode | undefined;
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }

  static from(error: GatewayError): RpcError {
    const rpc = new RpcError(error.jsonRpcCode, error.message, error.data);
    rpc.reason = error.code;
    return rpc;
  }
}
