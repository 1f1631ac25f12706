/**
 * @module results: how meta-tools answer: a JSON text block for any client, the same object as structuredContent
 * for clients that read it, and errors as `isError` results a model can act on.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export function ok(structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured };
}

export function toolError(message: string, details: Record<string, unknown> = {}): CallToolResult {
  return {
    content: [{ type: 'text', text: message }],
    structuredContent: { error: message, ...details },
    isError: true,
  };
}
