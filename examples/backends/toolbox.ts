/** @module The "toolbox" demo: a stdio MCP server of offline utilities (time, math, echo, UUIDs, base64). */

import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { decodeBase64, encodeBase64 } from './base64.js';
import { evaluate } from './calculator.js';
import { localTimeZone, zonedTime } from './clock.js';
import { isMain } from './demo-cli.js';

function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/** Builds the server without connecting it, so tests can use any transport. */
export function createToolboxServer(): McpServer {
  const server = new McpServer(
    { name: 'toolbox', title: 'Toolbox (demo)', version: '0.1.0' },
    { instructions: 'Offline utilities: current time in any time zone, exact arithmetic, UUIDs, base64.' },
  );

  server.registerTool(
    'current_time',
    {
      title: 'Current time',
      description:
        'Returns the current date and time in an IANA time zone (ISO 8601 with UTC offset), the same instant in UTC, ' +
        'the offset and the weekday. Use it instead of guessing today’s date.',
      inputSchema: {
        timezone: z
          .string()
          .min(1)
          .optional()
          .describe(
            `IANA time zone name such as 'Europe/Berlin', 'America/New_York' or 'UTC'. Defaults to the server's zone (${localTimeZone()}).`,
          ),
      },
      outputSchema: {
        iso: z.string().describe('Local time in the zone, ISO 8601 with offset'),
        utc: z.string().describe('The same instant in UTC, ISO 8601'),
        timezone: z.string().describe('Resolved IANA zone name'),
        utc_offset: z.string().describe('Offset from UTC, e.g. +01:00'),
        weekday: z.string().describe('Local weekday, e.g. Monday'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ timezone }) => {
      const r = zonedTime(timezone);
      if (!r.ok) return errorResult(r.message);
      const { ok: _ok, ...time } = r;
      return {
        content: [{ type: 'text', text: `${time.iso} (${time.weekday}, ${time.timezone})` }],
        structuredContent: { ...time },
      };
    },
  );

  server.registerTool(
    'calculate',
    {
      title: 'Calculate',
      description:
        'Evaluates an arithmetic expression exactly as written: + - * / % (remainder) ^ (power, right-associative), ' +
        'parentheses, unary minus, decimals and 1e3 notation. No variables or functions. ' +
        'Errors such as division by zero come back with the position of the problem.',
      inputSchema: {
        expression: z
          .string()
          .describe("The expression, e.g. '(1.5 + 2) * -3 ^ 2 / 7'. Note -3^2 = -9, as in mathematics."),
      },
      outputSchema: { result: z.number().describe('The value of the expression') },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ expression }) => {
      const r = evaluate(expression);
      if (!r.ok) return errorResult(`Cannot evaluate '${expression}': ${r.message}`);
      return { content: [{ type: 'text', text: String(r.value) }], structuredContent: { result: r.value } };
    },
  );

  server.registerTool(
    'echo',
    {
      title: 'Echo',
      description:
        'Returns the given message unchanged. Handy to check that the connection to this server works.',
      inputSchema: { message: z.string().describe('Any text; it is sent back as is') },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ message }) => ({ content: [{ type: 'text', text: message }] }),
  );

  server.registerTool(
    'random_uuid',
    {
      title: 'Random UUID',
      description: 'Generates cryptographically random version 4 UUIDs.',
      inputSchema: {
        count: z
          .number()
          .int()
          .min(1)
          .max(100)
          .optional()
          .describe('How many UUIDs to generate (1-100, default 1)'),
      },
      outputSchema: { uuids: z.array(z.string()).describe('The generated UUIDs, lower case') },
      annotations: { readOnlyHint: true, idempotentHint: false, openWorldHint: false },
    },
    async ({ count }) => {
      const uuids = Array.from({ length: count ?? 1 }, () => randomUUID());
      return { content: [{ type: 'text', text: uuids.join('\n') }], structuredContent: { uuids } };
    },
  );

  server.registerTool(
    'base64',
    {
      title: 'Base64 encode/decode',
      description:
        'Encodes UTF-8 text to standard base64, or decodes base64 (standard or URL-safe, padding optional) back to ' +
        'UTF-8 text. Invalid base64 or binary (non-text) content is reported as an error.',
      inputSchema: {
        mode: z.enum(['encode', 'decode']).describe("'encode': text → base64; 'decode': base64 → text"),
        text: z.string().describe('The text to encode, or the base64 string to decode'),
      },
      outputSchema: { result: z.string().describe('The encoded or decoded string') },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ mode, text }) => {
      if (mode === 'encode') {
        const result = encodeBase64(text);
        return { content: [{ type: 'text', text: result }], structuredContent: { result } };
      }
      const r = decodeBase64(text);
      if (!r.ok) return errorResult(r.message);
      return { content: [{ type: 'text', text: r.value }], structuredContent: { result: r.value } };
    },
  );

  return server;
}

async function main(): Promise<void> {
  const server = createToolboxServer();
  // stdout belongs to the protocol; anything human-readable goes to stderr.
  await server.connect(new StdioServerTransport());
  const shutdown = (): void => {
    void server.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

if (isMain(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`toolbox demo: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
