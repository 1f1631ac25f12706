/** @module The "units" demo: unit conversions over the legacy HTTP+SSE transport (2024-11-05), node:http. */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { isMain, runDemoCli, runningDemo } from './demo-cli.js';
import { allowedHostsFor, isAllowedRequest } from './loopback-guard.js';
import {
  convertDataSize,
  convertLength,
  convertMass,
  convertTemperature,
  DATA_SIZE,
  DATA_SIZE_UNITS,
  LENGTH,
  LENGTH_UNITS,
  listUnits,
  MASS,
  MASS_UNITS,
  TEMPERATURE,
  TEMPERATURE_UNITS,
  type ConversionResult,
} from './units.js';

export const DEFAULT_UNITS_PORT = 39402;
const SSE_PATH = '/sse';
const MESSAGES_PATH = '/messages';

interface Quantity {
  tool: string;
  title: string;
  noun: string;
  units: readonly [string, ...string[]];
  table: Record<string, { name: string }>;
  convert: (value: number, from: string, to: string) => ConversionResult;
}

// The SDK's enum typing cannot follow a generic through this table; the zod enum checks the names at run time.
const QUANTITIES: Quantity[] = [
  {
    tool: 'convert_length',
    title: 'Convert length',
    noun: 'length or distance',
    units: LENGTH_UNITS,
    table: LENGTH,
    convert: convertLength as Quantity['convert'],
  },
  {
    tool: 'convert_mass',
    title: 'Convert mass',
    noun: 'mass (weight)',
    units: MASS_UNITS,
    table: MASS,
    convert: convertMass as Quantity['convert'],
  },
  {
    tool: 'convert_temperature',
    title: 'Convert temperature',
    noun: 'temperature',
    units: TEMPERATURE_UNITS,
    table: TEMPERATURE,
    convert: convertTemperature as Quantity['convert'],
  },
  {
    tool: 'convert_data_size',
    title: 'Convert data size',
    noun: 'amount of digital data',
    units: DATA_SIZE_UNITS,
    table: DATA_SIZE,
    convert: convertDataSize as Quantity['convert'],
  },
];

function unitHelp(q: Quantity): string {
  return q.units.map((u) => `${u} = ${q.table[u]!.name}`).join('; ');
}

/** One MCP server with the conversion tools; the SSE layer builds one per connection. */
export function createUnitsMcpServer(): McpServer {
  const server = new McpServer(
    { name: 'units', title: 'Units (demo)', version: '0.1.0' },
    {
      instructions:
        'Exact unit conversions for length, mass, temperature and data size. list_units shows every unit.',
    },
  );

  for (const q of QUANTITIES) {
    const unit = z.enum(q.units);
    server.registerTool(
      q.tool,
      {
        title: q.title,
        description:
          `Converts a ${q.noun} between units using exact defined factors, rounded to 15 significant digits. ` +
          `Units: ${unitHelp(q)}.`,
        inputSchema: {
          value: z.number().describe('The amount to convert'),
          from: unit.describe('The unit the value is in'),
          to: unit.describe('The unit to convert to'),
        },
        outputSchema: {
          value: z.number(),
          from: z.string(),
          to: z.string(),
          result: z.number().describe('The value expressed in the target unit'),
        },
        annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
      },
      async ({ value, from, to }): Promise<CallToolResult> => {
        const r = q.convert(value, from, to);
        if (!r.ok) return { content: [{ type: 'text', text: r.message }], isError: true };
        return {
          content: [{ type: 'text', text: `${value} ${from} = ${r.value} ${to}` }],
          structuredContent: { value, from, to, result: r.value },
        };
      },
    );
  }

  const listing = z.array(z.object({ symbol: z.string(), name: z.string() }));
  server.registerTool(
    'list_units',
    {
      title: 'List units',
      description:
        'Lists every unit symbol the convert_* tools accept, with its full name, grouped by quantity.',
      inputSchema: {
        quantity: z
          .enum(['length', 'mass', 'temperature', 'data_size'])
          .optional()
          .describe('Only this quantity (default: all)'),
      },
      outputSchema: {
        length: listing.optional(),
        mass: listing.optional(),
        temperature: listing.optional(),
        data_size: listing.optional(),
      },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ quantity }) => {
      const all = listUnits();
      const chosen = quantity ? { [quantity]: all[quantity] } : all;
      const text = Object.entries(chosen)
        .map(([k, rows]) => `${k}: ${rows.map((r) => `${r.symbol} (${r.name})`).join(', ')}`)
        .join('\n');
      return { content: [{ type: 'text', text }], structuredContent: chosen };
    },
  );

  return server;
}

function sendJsonError(res: ServerResponse, status: number, code: number, message: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

/**
 * Serves the converter at `http://<host>:<port>/sse` (GET opens the event stream, whose first event names the
 * `/messages?sessionId=…` URL for POSTs) until `close()`. Port 0 picks a free port.
 */
export async function startUnitsServer(
  opts: { port?: number; host?: string } = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const host = opts.host ?? '127.0.0.1';
  const sessions = new Map<string, SSEServerTransport>();
  let allowed = new Set<string>(); // filled in once the real port is known

  async function openStream(res: ServerResponse): Promise<void> {
    const transport = new SSEServerTransport(MESSAGES_PATH, res);
    const sessionId = transport.sessionId;
    sessions.set(sessionId, transport);
    // Fires when the client hangs up and again on close(); deleting twice is harmless.
    transport.onclose = () => void sessions.delete(sessionId);
    await createUnitsMcpServer().connect(transport); // connect() calls start(), which writes the endpoint event
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isAllowedRequest(req.headers.host, req.headers.origin, allowed)) {
      return sendJsonError(
        res,
        403,
        -32000,
        'Forbidden: this demo only accepts loopback Host and Origin headers',
      );
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === SSE_PATH) {
      if (req.method !== 'GET')
        return sendJsonError(res, 405, -32000, 'Method not allowed: GET /sse opens the stream');
      return openStream(res);
    }
    if (url.pathname === MESSAGES_PATH) {
      if (req.method !== 'POST')
        return sendJsonError(res, 405, -32000, 'Method not allowed: POST messages here');
      const transport = sessions.get(url.searchParams.get('sessionId') ?? '');
      if (!transport)
        return sendJsonError(res, 404, -32001, 'Session not found: open a new stream at GET /sse');
      return transport.handlePostMessage(req, res); // reads the body itself (4 MB cap) and answers 202
    }
    sendJsonError(res, 404, -32601, 'Not found: the SSE endpoint is GET /sse');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      process.stderr.write(
        `units demo: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      sendJsonError(res, 500, -32603, 'Internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? DEFAULT_UNITS_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  allowed = allowedHostsFor(host, port);
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return runningDemo(`http://${urlHost}:${port}${SSE_PATH}`, server, sessions);
}

if (isMain(import.meta.url)) {
  void runDemoCli('units', DEFAULT_UNITS_PORT, startUnitsServer);
}
