/** @module The "notes" demo: an in-memory notebook over stateful Streamable HTTP at /mcp (Hono + SDK). */

import { randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { isInitializeRequest, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { isMain, runDemoCli, runningDemo } from './demo-cli.js';
import { allowedHostsFor, isAllowedRequest } from './loopback-guard.js';
import { LIMITS, NotesStore, type Note } from './notes-store.js';

export const DEFAULT_NOTES_PORT = 39401;
/** Notes are at most ~100 kB; a MiB leaves room for JSON-RPC framing and refuses anything silly early. */
const MAX_BODY_BYTES = 1024 * 1024;
/** JSON-RPC error code the MCP spec assigns to "resource not found". */
const RESOURCE_NOT_FOUND = -32002;

const noteShape = {
  id: z.string().describe('Note id, e.g. n3'),
  title: z.string(),
  body: z.string(),
  tags: z.array(z.string()).describe('Lower-case tags'),
  created_at: z.string().describe('Creation time, ISO 8601 UTC'),
};
const summarySchema = z.object({
  id: z.string(),
  title: z.string(),
  tags: z.array(z.string()),
  created_at: z.string(),
});
const listShape = {
  count: z.number().int().describe('How many notes matched'),
  notes: z
    .array(summarySchema)
    .describe('Matching notes without their bodies; use get_note for the full text'),
};

const summary = ({ id, title, tags, created_at }: Note) => ({ id, title, tags, created_at });
const summaryLine = (n: Note): string =>
  `${n.id}  ${n.title}${n.tags.length ? `  [${n.tags.join(', ')}]` : ''}`;
const asMarkdown = (n: Note): string =>
  `# ${n.title}\n\n${n.tags.length ? `Tags: ${n.tags.join(', ')}\n` : ''}Created: ${n.created_at}\n\n${n.body}\n`;

function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

function notFound(id: string): CallToolResult {
  return errorResult(`No note with id '${id}'. Call list_notes or search_notes to find the right id.`);
}

function listResult(notes: Note[], empty: string): CallToolResult {
  return {
    content: [{ type: 'text', text: notes.length ? notes.map(summaryLine).join('\n') : empty }],
    structuredContent: { count: notes.length, notes: notes.map(summary) },
  };
}

/** One MCP server over the shared store; the HTTP layer builds one per session. */
export function createNotesMcpServer(store: NotesStore): McpServer {
  const server = new McpServer(
    { name: 'notes', title: 'Notes (demo)', version: '0.1.0' },
    {
      instructions:
        'A shared in-memory notebook (lost when the server stops). Each note has an id (n1, n2, …), a title, a ' +
        'body and optional tags. Notes are also readable as resources notes://{id}.',
    },
  );

  server.registerTool(
    'add_note',
    {
      title: 'Add note',
      description: 'Saves a new note and returns it with its id. Tags are lower-cased and de-duplicated.',
      inputSchema: {
        title: z.string().min(1).max(LIMITS.title).describe('Short title, shown in listings'),
        body: z.string().max(LIMITS.body).describe('The note text (Markdown is fine)'),
        tags: z
          .array(z.string().max(LIMITS.tag))
          .max(LIMITS.tags)
          .optional()
          .describe("Optional tags for grouping, e.g. ['work', 'todo']"),
      },
      outputSchema: { note: z.object(noteShape) },
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    async ({ title, body, tags }) => {
      const r = store.add(title, body, tags);
      if (!r.ok) return errorResult(r.message);
      return {
        content: [{ type: 'text', text: `Saved note ${r.note.id}: ${r.note.title}` }],
        structuredContent: { note: r.note },
      };
    },
  );

  server.registerTool(
    'list_notes',
    {
      title: 'List notes',
      description:
        'Lists notes, newest first, as id, title and tags (no bodies). Optionally only those with a tag.',
      inputSchema: { tag: z.string().optional().describe('Only notes carrying this tag (case-insensitive)') },
      outputSchema: listShape,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ tag }) =>
      listResult(store.list(tag), tag ? `No notes tagged '${tag}'.` : 'The notebook is empty.'),
  );

  server.registerTool(
    'get_note',
    {
      title: 'Get note',
      description: 'Returns one note in full (title, body, tags, creation time) by its id.',
      inputSchema: {
        id: z.string().describe('The note id, e.g. n1 (from add_note, list_notes or search_notes)'),
      },
      outputSchema: noteShape,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ id }) => {
      const note = store.get(id);
      if (!note) return notFound(id);
      return { content: [{ type: 'text', text: asMarkdown(note) }], structuredContent: { ...note } };
    },
  );

  server.registerTool(
    'search_notes',
    {
      title: 'Search notes',
      description:
        'Full-text search over titles, bodies and tags. Every word of the query must match (case-insensitive ' +
        'substring); title and tag matches rank first.',
      inputSchema: { query: z.string().min(1).describe("Words to look for, e.g. 'budget 2025'") },
      outputSchema: listShape,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ query }) => listResult(store.search(query), `No notes match '${query}'.`),
  );

  server.registerTool(
    'delete_note',
    {
      title: 'Delete note',
      description: 'Deletes a note by id. This cannot be undone.',
      inputSchema: { id: z.string().describe('The id of the note to delete, e.g. n1') },
      outputSchema: { deleted: z.string().describe('The id that was deleted'), title: z.string() },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ id }) => {
      const note = store.delete(id);
      if (!note) return notFound(id);
      return {
        content: [{ type: 'text', text: `Deleted note ${note.id}: ${note.title}` }],
        structuredContent: { deleted: note.id, title: note.title },
      };
    },
  );

  server.registerResource(
    'note',
    new ResourceTemplate('notes://{id}', {
      list: async () => ({
        resources: store
          .list()
          .map((n) => ({ uri: `notes://${n.id}`, name: n.title, mimeType: 'text/markdown' })),
      }),
    }),
    { title: 'Note', description: 'A note as Markdown', mimeType: 'text/markdown' },
    async (uri, { id }) => {
      const note = store.get(String(id));
      if (!note) throw new McpError(RESOURCE_NOT_FOUND, `No note at ${uri.href}`);
      return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text: asMarkdown(note) }] };
    },
  );

  return server;
}

function rpcError(c: Context, status: 400 | 403 | 404 | 413 | 500, code: number, message: string): Response {
  return c.json({ jsonrpc: '2.0', error: { code, message }, id: null }, status);
}

/**
 * Serves the notebook at `http://<host>:<port>/mcp` until `close()`. One store per call; one transport and one
 * McpServer per MCP session. Port 0 picks a free port (see the returned url).
 */
export async function startNotesServer(
  opts: { port?: number; host?: string } = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const host = opts.host ?? '127.0.0.1';
  const store = new NotesStore();
  store.add(
    'Welcome to the notes demo',
    'This notebook lives in memory and is shared by every client of this server. Try add_note, search_notes, ' +
      'or read this note as the resource notes://n1.',
    ['demo'],
  );
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  let allowed = new Set<string>(); // filled in once the real port is known

  const app = new Hono();
  app.use('*', async function loopbackOnly(c, next) {
    if (!isAllowedRequest(c.req.header('host'), c.req.header('origin'), allowed)) {
      return rpcError(c, 403, -32000, 'Forbidden: this demo only accepts loopback Host and Origin headers');
    }
    await next();
  });
  app.use(
    '/mcp',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => rpcError(c, 413, -32600, 'Request body too large'),
    }),
  );
  app.all('/mcp', async function mcpEndpoint(c) {
    const sid = c.req.header('mcp-session-id');
    if (sid !== undefined) {
      const transport = sessions.get(sid);
      // 404 (not 400) is what makes a client start a new session after a restart.
      if (!transport) return rpcError(c, 404, -32001, 'Session not found');
      return transport.handleRequest(c.req.raw); // POST, GET (SSE stream) and DELETE
    }
    if (c.req.method !== 'POST')
      return rpcError(c, 400, -32000, 'Bad Request: Mcp-Session-Id header required');
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return rpcError(c, 400, -32700, 'Parse error');
    }
    if (!isInitializeRequest(body)) {
      return rpcError(c, 400, -32000, 'Bad Request: no session; the first request must be initialize');
    }
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void sessions.set(id, transport),
    });
    const mcp = createNotesMcpServer(store);
    // Every session shows the same notes, so tell each one when the resource list changes.
    const unsubscribe = store.onChange(() => mcp.sendResourceListChanged());
    // Set before connect(): the SDK chains an existing onclose rather than replacing it. Fires on DELETE too.
    transport.onclose = () => {
      unsubscribe();
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await mcp.connect(transport);
    return transport.handleRequest(c.req.raw, { parsedBody: body }); // the body stream is used up: hand it over
  });
  app.notFound((c) => rpcError(c, 404, -32601, `Not found: the MCP endpoint is /mcp`));
  app.onError((err, c) => {
    process.stderr.write(`notes demo: ${err.stack ?? String(err)}\n`);
    return rpcError(c, 500, -32603, 'Internal error');
  });

  const server = createAdaptorServer({ fetch: app.fetch, hostname: host }) as HttpServer;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? DEFAULT_NOTES_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  allowed = allowedHostsFor(host, port);
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return runningDemo(`http://${urlHost}:${port}/mcp`, server, sessions);
}

if (isMain(import.meta.url)) {
  void runDemoCli('notes', DEFAULT_NOTES_PORT, startNotesServer);
}
