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
  httpStatus: 400;
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
  if (!MODERN_PROTOCOL_VERSIONS.includes(claimed))
    return refuse(UNSUPPORTED_PROTOCOL_VERSION, `Unsupported protocol version: ${claimed}`, {
      supported: [...MODERN_PROTOCOL_VERSIONS],
      requested: claimed,
    });
  const header = request.header('mcp-protocol-version');
  if (header === undefined)
    return refuse(HEADER_MISMATCH, 'Header mismatch: MCP-Protocol-Version is required');
  if (header !== claimed)
    return refuse(
      HEADER_MISMATCH,
      `Header mismatch: MCP-Protocol-Version "${header}" differs from the body's "${claimed}"`,
    );
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

/**
 * A session-less request whose `MCP-Protocol-Version` header names a modern revision while its body is no modern
 * request (no `_meta` envelope, a batch, a body that does not parse): the header and the body disagree, and the answer
 * is the modern `-32020`, which a modern client reads as a modern server's refusal rather than a reason to fall back
 * to `initialize`. An `initialize` keeps the legacy path whatever its headers say.
 */
export function modernHeaderWithoutEnvelope(request: EraRequest): ModernRefusal | undefined {
  if (!mayBeModern(request.method, request.header('mcp-session-id'))) return undefined;
  const header = request.header('mcp-protocol-version');
  if (header === undefined || !MODERN_PROTOCOL_VERSIONS.includes(header)) return undefined;
  const body = request.body;
  if (isRecord(body) && body.method === 'initialize') return undefined;
  const id = isRecord(body) && (typeof body.id === 'string' || typeof body.id === 'number') ? body.id : null;
  return {
    httpStatus: 400,
    id,
    code: HEADER_MISMATCH,
    message:
      `Header mismatch: MCP-Protocol-Version is "${header}" but the body is not a ${header} request ` +
      `(a single JSON-RPC message with params._meta["${PROTOCOL_VERSION_META_KEY}"])`,
  };
}
