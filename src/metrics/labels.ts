/**
 * @module labels: the fixed value sets of the gateway's metric labels. A label never takes a value from a request as
 * it came (a session id, an argument, a method or tool name nobody vetted): anything outside these sets, the
 * configured backends or the catalog's tool names is counted as `other`.
 */
/** The value of any label whose input was not one of the known values. */
export const OTHER = 'other';

/** How a forwarded request ended. */
export const CALL_OUTCOMES = ['ok', 'tool_error', 'error', 'timeout', 'unavailable', 'cancelled'] as const;
/**
 * - `ok`: the backend answered with a result.
 * - `tool_error`: a `tools/call` result with `isError: true` (the tool said no; the backend is fine).
 * - `error`: the backend answered with a JSON-RPC error.
 * - `timeout`: the backend did not answer within its `timeout` (it was sent `notifications/cancelled`).
 * - `unavailable`: the backend could not be started or reached, or went away during the call.
 * - `cancelled`: the client cancelled the call or went away first.
 */
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** The MCP endpoints a request to a backend comes through. */
export type CallRoute = '/mcp' | '/mcp/:backend';

/** Every route of the HTTP app, as the `route` label of mcp_gateway_http_requests_total. */
export type HttpRoute =
  | '/mcp'
  | '/mcp/:backend'
  | '/health'
  | '/health/:backend'
  | '/livez'
  | '/readyz'
  | '/metrics'
  | typeof OTHER;

/** The `state` label of mcp_gateway_backend_state: one series per state (registry/state.ts checks it has them all). */
export const BACKEND_STATES = ['stopped', 'starting', 'running', 'hibernated', 'backoff', 'failed'] as const;
export type BackendStateLabel = (typeof BACKEND_STATES)[number];

/** Requests a client sends to a server in MCP (2025-11-25); anything else is counted as `other`. */
const MCP_METHODS: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'tasks/get',
  'tasks/result',
  'tasks/list',
  'tasks/cancel',
]);

export function methodLabel(method: string): string {
  return MCP_METHODS.has(method) ? method : OTHER;
}

/** The route label of a request path: the app's route pattern, never the path itself. */
export function httpRouteLabel(path: string): HttpRoute {
  if (path === '/mcp') return '/mcp';
  if (oneSegmentUnder('/mcp/', path)) return '/mcp/:backend';
  if (path === '/health') return '/health';
  if (oneSegmentUnder('/health/', path)) return '/health/:backend';
  if (path === '/livez' || path === '/readyz' || path === '/metrics') return path;
  return OTHER;
}

function oneSegmentUnder(prefix: string, path: string): boolean {
  return path.length > prefix.length && path.startsWith(prefix) && !path.includes('/', prefix.length);
}
