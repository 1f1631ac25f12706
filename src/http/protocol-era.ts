/**
 * @module protocol-era: which protocol era a request to a meta endpoint belongs to, decided from its headers and its
 * parsed body alone. A request on a session (`Mcp-Session-Id`), an `initialize`, a batch, or anything without the
 * 2026-07-28 per-request `_meta` envelope is legacy and served exactly as before. A request whose body carries
 * `_meta["io.modelcontextprotocol/protocolVersion"]` is modern: it is served without a session when its mirrored
 * headers (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`) agree with the body, and refused with the modern error
 * codes otherwise, so that a modern client does not mistake the refusal for a legacy server and fall back.
 */

/** The modern revisions served; named in `-32022`'s `data.supported` and in `server/discover`. */
export const MODERN_PROTOCOL_VERSIONS: readonly string[] = ['2026-07-28'];
export const PROTOCOL_VERSION_META_KEY = 'io.modelcontextprotocol/protocolVersion';
export const CLIENT_CAPABILITIES_META_KEY = 'io.modelcontextprotocol/clientCapabilities';

/** The 2026-07-28 error codes a modern client recognises as a modern server's answer. */
export const HEADER_MISMATCH = -32020;
export const UNSUPPORTED_PROTOCOL_VERSION = -32022;

/** The methods whose `Mcp-Name` header mirrors a body field, and that field. */
const NAME_SOURCE: Readonly<Record<string, 'name' | 'uri'>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
};
/** `Mcp-Name` of a value that is not safe as a header: `=?base64?<Base64 of the UTF-8 bytes>?=`. */
const BASE64_SENTINEL = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/;

export interface EraRequest {
  method: string;
  /** Lower-case header names, as node:http and the WHATWG Headers give them. */
  header: (name: string) => string | undefined;
  /** The parsed JSON body (undefined for a request without one). */
  body: unknown;
}

export type Era =
  | { era: 'legacy' }
  | { era: 'modern'; version: string; message: ModernMessage }
  | { era: 'modern'; refusal: ModernRefusal };

export interface ModernMessage {
  /** Absent for a notification. */
  id?: string | number;
  method: string;
  params: Record<string, unknown>;
}

export interface ModernRefusal {
  httpStatus: 400 | 404;
  id: string | number | null;
  code: number;
  message: string;
  data?: Record<string, unknown>;
}

/**
 * The cheap test in front of the body: only a session-less POST can be modern. Anything with a session id keeps the
 * legacy path (and the fast path) exactly as it was.
 */
export function mayBeModern(method: string, sessionId: string | undefined): boolean {
  return method === 'POST' && sessionId === undefined;
}

export function requestEra(request: EraRequest): Era {
  if (!mayBeModern(request.method, request.header('mcp-session-id'))) return { era: 'legacy' };
  const body = request.body;
  if (!isRecord(body) || body.jsonrpc !== '2.0' || typeof body.method !== 'string') return { era: 'legacy' };
  if (body.method === 'initialize') return { era: 'legacy' };
  const params = isRecord(body.params) ? body.params : {};
  const meta = isRecord(params._meta) ? params._meta : undefined;
  const claimed = meta?.[PROTOCOL_VERSION_META_KEY];
  if (typeof claimed !== 'string') return { era: 'legacy' };

  const id = typeof body.id === 'string' || typeof body.id === 'number' ? body.id : undefined;
  const refuse = (code: number, message: string, data?: Record<string, unknown>): Era => ({
    era: 'modern',
    refusal: { httpStatus: 400, id: id ?? null, code, message, ...(data ? { data } : {}) },
  });
  // The header is checked against the body first: a body naming a revision its header does not is a mismatch,
  // whichever of the two the gateway serves; only a version both name alike can be unsupported.
  const header = request.header('mcp-protocol-version');
  if (header === undefined)
    return refuse(HEADER_MISMATCH, 'Header mismatch: MCP-Protocol-Version is required');
  if (header !== claimed)
    return refuse(
      HEADER_MISMATCH,
      `Header mismatch: MCP-Protocol-Version "${header}" differs from the body's "${claimed}"`,
    );
  if (!MODERN_PROTOCOL_VERSIONS.includes(claimed))
    return refuse(UNSUPPORTED_PROTOCOL_VERSION, `Unsupported protocol version: ${claimed}`, {
      supported: [...MODERN_PROTOCOL_VERSIONS],
      requested: claimed,
    });
  // The presence rules are for requests; a notification is taken on its envelope.
  if (id !== undefined) {
    const mcpMethod = request.header('mcp-method');
    if (mcpMethod !== body.method)
      return refuse(
        HEADER_MISMATCH,
        mcpMethod === undefined
          ? 'Header mismatch: Mcp-Method is required'
          : `Header mismatch: Mcp-Method "${mcpMethod}" differs from the body's method "${body.method}"`,
      );
    const source = NAME_SOURCE[body.method];
    if (source !== undefined) {
      const expected = params[source];
      const mcpName = decodeName(request.header('mcp-name'));
      if (mcpName === undefined || mcpName !== expected)
        return refuse(HEADER_MISMATCH, `Header mismatch: Mcp-Name must carry the body's params.${source}`);
    }
  }
  return {
    era: 'modern',
    version: claimed,
    message: { ...(id !== undefined ? { id } : {}), method: body.method, params },
  };
}

/** The header's value, its Base64 sentinel decoded; undefined when absent or not decodable. */
function decodeName(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const sentinel = BASE64_SENTINEL.exec(value);
  if (!sentinel) return value;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(sentinel[1]!, 'base64'));
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const INVALID_PARAMS = -32602;
const METHOD_NOT_FOUND = -32601;

/**
 * The modern refusal of a session-less POST that requestEra() left legacy, when it is one: an `initialize` carrying
 * the 2026-07-28 envelope asks for a method that revision removed (404, -32601); a request whose
 * `MCP-Protocol-Version` header names a modern revision but whose body is no modern request is refused with the code
 * the revision gives its fault, never with a legacy answer: no JSON (-32700), not one JSON-RPC request (-32600), no
 * `_meta` envelope or no protocol version in it (-32602). Anything else stays legacy (undefined).
 */
export function modernMisfit(request: EraRequest): ModernRefusal | undefined {
  if (!mayBeModern(request.method, request.header('mcp-session-id'))) return undefined;
  const body = request.body;
  const id = isRecord(body) && (typeof body.id === 'string' || typeof body.id === 'number') ? body.id : null;
  const refuse = (httpStatus: 400 | 404, code: number, message: string): ModernRefusal => ({
    httpStatus,
    id,
    code,
    message,
  });
  const meta =
    isRecord(body) && isRecord(body.params) && isRecord(body.params._meta) ? body.params._meta : {};
  if (isRecord(body) && body.method === 'initialize')
    return typeof meta[PROTOCOL_VERSION_META_KEY] === 'string'
      ? refuse(
          404,
          METHOD_NOT_FOUND,
          'Method not found: initialize (a 2026-07-28 client needs no initialize)',
        )
      : undefined;
  const header = request.header('mcp-protocol-version');
  if (header === undefined || !MODERN_PROTOCOL_VERSIONS.includes(header)) return undefined;
  if (body === undefined) return refuse(400, PARSE_ERROR, 'Parse error: the body is not JSON');
  if (!isRecord(body) || body.jsonrpc !== '2.0' || typeof body.method !== 'string')
    return refuse(400, INVALID_REQUEST, 'Invalid request: a 2026-07-28 body is one JSON-RPC message');
  return refuse(
    400,
    INVALID_PARAMS,
    `Invalid params: a ${header} request carries params._meta["${PROTOCOL_VERSION_META_KEY}"]`,
  );
}
