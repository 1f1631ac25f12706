/**
 * @module queued-call: what one entry of the tool-call stream asks for, and what is written back for it. An entry is
 * flat fields, as `redis-cli XADD` writes them: `id`, `tool`, and optionally `server`, `arguments` (a JSON object)
 * and `client`. An entry that cannot be read as a call is answered with an error result when it has an `id`, and
 * moved to the dead-letter stream when it has none.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export interface QueuedCall {
  /** The caller's id for the call; its result carries the same one. */
  id: string;
  /** As gateway_invoke takes them: the server may be left out when the tool is `server__tool`. */
  server: string | undefined;
  tool: string;
  arguments: unknown;
  /** The client (a key of `auth.clients`) whose profile applies. */
  client: string | undefined;
}

/** What a call came to: the backend's result as it returned it, or a refusal before anything was run. */
export type QueueOutcome =
  { ok: true; result: CallToolResult } | { ok: false; code: string; message: string };

export type ParsedEntry =
  { ok: true; call: QueuedCall } | { ok: false; id: string | undefined; message: string };

const MAX_ID_LENGTH = 256;

export function parseEntry(fields: Record<string, string>): ParsedEntry {
  const id = fields.id;
  if (id === undefined || id === '' || id.length > MAX_ID_LENGTH)
    return { ok: false, id: undefined, message: `"id" is required (1 to ${MAX_ID_LENGTH} characters)` };
  const refuse = (message: string): ParsedEntry => ({ ok: false, id, message });
  const tool = fields.tool;
  if (tool === undefined || tool === '') return refuse('"tool" is required');
  let args: unknown = {};
  if (fields.arguments !== undefined && fields.arguments !== '') {
    try {
      args = JSON.parse(fields.arguments);
    } catch {
      return refuse('"arguments" must be a JSON object (the text is not JSON)');
    }
  }
  return {
    ok: true,
    call: {
      id,
      server: fields.server || undefined,
      tool,
      arguments: args,
      client: fields.client || undefined,
    },
  };
}

/** The fields of a result entry: `status` is `ok` with the tool's `result`, or `error` with `{ code, message }`. */
export function resultFields(id: string, outcome: QueueOutcome, consumer: string, entry: string): string[] {
  const body = outcome.ok
    ? ['status', 'ok', 'result', JSON.stringify(outcome.result)]
    : ['status', 'error', 'error', JSON.stringify({ code: outcome.code, message: outcome.message })];
  return ['id', id, ...body, 'consumer', consumer, 'entry', entry];
}
