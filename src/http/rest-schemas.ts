/**
 * @module rest-schemas: the REST API's bodies and answers as zod schemas, the one source both of what the handlers
 * accept (http/rest-api.ts validates with them) and of `/api/v1/openapi.json` (generated from them).
 */
import { z } from '@hono/zod-openapi';

export const ErrorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .openapi('Error', { description: 'Every error of the API: a code to branch on and a message to read.' });

const HeaderMap = z.record(z.string(), z.string());

export const Credential = z
  .union([
    z.strictObject({ bearer: z.string().min(1) }),
    z.strictObject({ api_key: z.strictObject({ header: z.string().min(1), value: z.string().min(1) }) }),
    z.strictObject({ headers: HeaderMap }),
  ])
  .openapi('Credential', {
    description:
      "Sent to that server's HTTP connection instead of the configured headers: `Authorization: Bearer <bearer>`, " +
      'one API-key header, or any headers.',
  });

export const CreateSession = z
  .strictObject({
    servers: z.array(z.string().min(1)).min(1),
    credentials: z.record(z.string(), Credential).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    ttl_s: z.number().int().positive().optional(),
    surface: z.enum(['flat', 'meta']).optional(),
  })
  .openapi('CreateSession');

export const CreatedSession = z
  .object({ session_id: z.string(), mcp_endpoint: z.string(), expires_at: z.string() })
  .openapi('CreatedSession');

export const Session = z
  .object({
    session_id: z.string(),
    mcp_endpoint: z.string(),
    servers: z.array(z.string()),
    surface: z.enum(['flat', 'meta']),
    credentials: z
      .array(z.string())
      .openapi({ description: 'The servers this session has credentials for.' }),
    metadata: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    expires_at: z.string(),
  })
  .openapi('Session');

export const SessionList = z.object({ sessions: z.array(Session) }).openapi('SessionList');

export const ListedTool = z
  .object({
    name: z.string().openapi({ description: 'server__tool, as on /mcp/flat' }),
    server: z.string(),
    tool: z.string(),
    description: z.string().optional(),
    inputSchema: z.record(z.string(), z.unknown()),
  })
  .openapi('Tool');

export const ToolList = z.object({ tools: z.array(ListedTool) }).openapi('ToolList');

export const SearchRequest = z
  .strictObject({
    query: z.string().min(1),
    limit: z.number().int().positive().optional(),
    server: z.string().optional(),
    regex: z.boolean().optional(),
  })
  .openapi('SearchRequest');

export const SearchAnswer = z.record(z.string(), z.unknown()).openapi('SearchAnswer', {
  description: 'As gateway_search_tools answers: `results`, and hints when nothing matched.',
});

export const ExecuteRequest = z
  .strictObject({
    tool: z.string().min(1).openapi({ description: 'server__tool, or the tool with `server` beside it' }),
    server: z.string().optional(),
    arguments: z.unknown().optional(),
  })
  .openapi('ExecuteRequest');

export const ToolResult = z
  .record(z.string(), z.unknown())
  .openapi('ToolResult', { description: "The backend's CallToolResult as it returned it." });

export const ServerList = z
  .object({ servers: z.array(z.record(z.string(), z.unknown())) })
  .openapi('ServerList');

const UsageRow = z.object({
  server: z.string(),
  tool: z.string(),
  calls: z.number(),
  outcomes: z.record(z.string(), z.number()),
  latency_ms: z.object({ p50: z.number(), p90: z.number(), p99: z.number(), max: z.number() }),
});

export const Stats = z
  .object({
    since: z.string(),
    tools: z.array(UsageRow),
    sessions: z.record(z.string(), z.array(UsageRow)),
  })
  .openapi('Stats');

export const SessionHeader = z.object({
  'x-session-id': z
    .string()
    .optional()
    .openapi({ description: "A REST session of the caller's: only its servers, with its credentials." }),
});

export const SessionIdParam = z.object({ id: z.string().min(1) });
export const ServerQuery = z.object({ server: z.string().optional() });
