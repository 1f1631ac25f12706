/**
 * @module search-answer: what a search hit looks like to the model that asked: server, tool, a description cut to
 * what says what the tool does, and the input schema without what a caller does not need to build arguments
 * (`$schema`, `additionalProperties: false`, examples; parameter descriptions cut short). The whole definition stays one
 * gateway_list_tools call away.
 */
import type { SearchHit } from './search-types.js';

/** A description longer than this is cut at the last sentence or word end before it. */
export const MAX_DESCRIPTION_CHARS = 300;
/** Likewise for each parameter's description inside the schema. */
export const MAX_PARAM_DESCRIPTION_CHARS = 160;
/** Schema keys that help a validator or a form builder, not a model writing one call. */
const DROPPED_SCHEMA_KEYS: ReadonlySet<string> = new Set(['$schema', 'examples', '$comment']);

export interface AnswerHit {
  server: string;
  tool: string;
  description: string;
  inputSchema: unknown;
}

export function answerHit(hit: SearchHit): AnswerHit {
  const { tool } = hit.entry;
  return {
    server: hit.server,
    tool: hit.tool,
    description: shorten(tool.description ?? tool.title ?? '', MAX_DESCRIPTION_CHARS),
    inputSchema: compactSchema(tool.inputSchema),
  };
}

/** `text` whole if short enough, else cut at the last sentence end (or else word end) that fits, with "…". */
export function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const head = flat.slice(0, max);
  const sentence = Math.max(head.lastIndexOf('. '), head.lastIndexOf('! '), head.lastIndexOf('? '));
  if (sentence >= max / 2) return `${head.slice(0, sentence + 1)} …`;
  const word = head.lastIndexOf(' ');
  return `${head.slice(0, word > max / 2 ? word : max)} …`;
}

/** A copy of a JSON Schema without the dropped keys, every `description` shortened. */
export function compactSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(compactSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED_SCHEMA_KEYS.has(key)) continue;
    // `additionalProperties: false` only forbids; a schema there (a map's values) says what to send, so it stays.
    if (key === 'additionalProperties' && typeof value === 'boolean') continue;
    if (key === 'description' && typeof value === 'string')
      out[key] = shorten(value, MAX_PARAM_DESCRIPTION_CHARS);
    // Under `properties` the keys are parameter names, not schema keywords: keep every one.
    else if (key === 'properties' && typeof value === 'object' && value !== null && !Array.isArray(value))
      out[key] = Object.fromEntries(Object.entries(value).map(([name, prop]) => [name, compactSchema(prop)]));
    else out[key] = compactSchema(value);
  }
  return out;
}
