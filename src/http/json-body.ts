/**
 * @module json-body: a request body parsed as JSON, for both the fast path and the app. A body nested deeper than
 * MAX_JSON_DEPTH is refused before it is parsed: MCP requests are shallow, and one nested thousands deep would
 * overflow the stack of whatever walks it later (schema checks, serialization to a backend) after a call had begun.
 */
import { GatewayError } from '../errors.js';

/** Arrays and objects inside each other, at most. */
export const MAX_JSON_DEPTH = 64;

export type JsonBody = { ok: true; message: unknown } | { ok: false; error: GatewayError };

export function parseJsonBody(text: string): JsonBody {
  if (nestedDeeperThan(text, MAX_JSON_DEPTH)) {
    const message = `Bad Request: the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`;
    return { ok: false, error: new GatewayError('invalid_request', message) };
  }
  try {
    return { ok: true, message: JSON.parse(text) };
  } catch {
    return { ok: false, error: new GatewayError('parse_error', 'Parse error: Invalid JSON') };
  }
}

/** One pass over the text, without recursion; brackets inside strings do not count. */
function nestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
