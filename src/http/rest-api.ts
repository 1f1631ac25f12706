/**
 * @module rest-api: the client side of `/api/v1`, open to any authenticated client (the admin API beside it,
 * admin-api.ts, stays admin-only): REST sessions, the tools of the caller's profile (or of one of its sessions, with
 * `X-Session-ID`) listed, searched and executed, the servers it may use, its usage, and `/api/v1/openapi.json`, made
 * from the same zod schemas the handlers validate with. Every error is `{ "error": { "code", "message" } }`.
 */
import { OpenAPIHono, createRoute, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { errorMessage } from '../errors.js';
import type { Access } from '../auth/access.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { MetaContext } from '../meta/context.js';
import type { SessionTable } from '../session/session-table.js';
import { restSessionEndpoint } from '../session/session-table.js';
import {
  ownerOf,
  sessionAccess,
  sessionCredentials,
  viewOf,
  type RestSessions,
  type StoredSession,
} from '../api/rest-sessions.js';
import { execute, listTools, search } from '../api/tool-api.js';
import { NO_CALL_METRICS, type Usage } from '../api/usage.js';
import type { AppEnv } from './request-context.js';
import * as S from './rest-schemas.js';

export interface RestApiDeps {
  auth: Authenticator;
  meta: MetaContext;
  restSessions: RestSessions;
  usage: Usage;
  sessions: SessionTable;
  /** Every server with its state (and, from the runtime, where it was defined); filtered here by the profile. */
  servers: () => ReadonlyArray<{ name: string }>;
  version: string;
}

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
const errors = {
  400: json(S.ErrorBody, 'The request is malformed or names what does not exist'),
  401: json(S.ErrorBody, 'No valid credential'),
  403: json(S.ErrorBody, "Outside the caller's profile"),
  404: json(S.ErrorBody, 'Not found (another client’s session is not found either)'),
  429: json(S.ErrorBody, 'Over a limit: the rate, or the sessions a client may hold'),
};

type ErrorStatus = 400 | 401 | 403 | 404 | 429;

/** The API's one error shape, typed with the statuses every route declares. */
function problem(c: Context, status: ErrorStatus, code: string, message: string) {
  return c.json({ error: { code, message } }, status);
}
const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { 'application/json': { schema } }, required: true },
});

type Scope =
  | { ok: true; access: Access; session?: StoredSession }
  | { ok: false; status: ErrorStatus; code: string; message: string };

export function restApi(deps: RestApiDeps): OpenAPIHono<AppEnv> {
  const api = new OpenAPIHono<AppEnv>({
    // A body or query that does not fit its schema: the API's one error shape, naming where.
    defaultHook: (result, c) => {
      if (result.success) return;
      const where = result.error.issues
        .map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`)
        .join('; ');
      return problem(c, 400, 'invalid_request', `the request does not fit its schema: ${where}`);
    },
  });

  // An error thrown on the way (a body that is not JSON, say: the validator throws): the API's one shape, not the
  // app's JSON-RPC error.
  api.onError((error, c) => {
    if (error instanceof HTTPException && error.status < 500)
      return problem(
        c,
        error.status === 413 ? 400 : (error.status as ErrorStatus),
        'invalid_request',
        error.message,
      );
    c.var.log.error({ err: errorMessage(error), path: c.req.path }, 'request failed');
    return c.json({ error: { code: 'internal', message: 'Internal error in mcp-gateway' } }, 500);
  });

  /** The caller's default profile; with `X-Session-ID`, narrowed to that session of its own. */
  async function scope(c: Context<AppEnv>, sessionId?: string): Promise<Scope> {
    const decided = deps.auth.access(c.var.identity);
    if (!decided.ok) return decided;
    if (sessionId === undefined) return { ok: true, access: decided.access };
    const session = await deps.restSessions.get(ownerOf(c.var.identity?.client), sessionId);
    if (!session) return { ok: false, status: 404, code: 'session_not_found', message: 'Session not found' };
    return { ok: true, access: sessionAccess(decided.access, session), session };
  }

  api.openapi(
    createRoute({
      method: 'post',
      path: '/sessions',
      summary: 'Create a session over chosen servers, with credentials of its own',
      request: body(S.CreateSession),
      responses: {
        201: json(S.CreatedSession, 'Created'),
        ...errors,
      },
    }),
    async (c) => {
      const allowed = await scope(c);
      if (!allowed.ok) return problem(c, allowed.status, allowed.code, allowed.message);
      const created = await deps.restSessions.create(
        ownerOf(c.var.identity?.client),
        allowed.access,
        c.req.valid('json'),
      );
      if (!created.ok) return problem(c, created.status, created.code, created.message);
      const view = viewOf(created.value);
      c.header('location', `/api/v1/sessions/${view.session_id}`);
      return c.json(
        { session_id: view.session_id, mcp_endpoint: view.mcp_endpoint, expires_at: view.expires_at },
        201,
      );
    },
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/sessions',
      summary: "The caller's sessions",
      responses: { 200: json(S.SessionList, 'Its sessions'), ...errors },
    }),
    async (c) =>
      c.json({ sessions: (await deps.restSessions.list(ownerOf(c.var.identity?.client))).map(viewOf) }, 200),
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/sessions/{id}',
      summary: 'One session of the caller (credentials never shown)',
      request: { params: S.SessionIdParam },
      responses: { 200: json(S.Session, 'The session'), ...errors },
    }),
    async (c) => {
      const session = await deps.restSessions.get(ownerOf(c.var.identity?.client), c.req.valid('param').id);
      if (!session) return problem(c, 404, 'session_not_found', 'Session not found');
      return c.json(viewOf(session), 200);
    },
  );

  api.openapi(
    createRoute({
      method: 'delete',
      path: '/sessions/{id}',
      summary: 'End a session: its MCP sessions end with it',
      request: { params: S.SessionIdParam },
      responses: { 204: { description: 'Deleted' }, ...errors },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      if (!(await deps.restSessions.delete(ownerOf(c.var.identity?.client), id)))
        return problem(c, 404, 'session_not_found', 'Session not found');
      await deps.sessions.closeEndpoint(restSessionEndpoint(id));
      return c.body(null, 204);
    },
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/tools',
      summary: 'The tools the caller may call, named server__tool',
      request: { query: S.ServerQuery, headers: S.SessionHeader },
      responses: { 200: json(S.ToolList, 'The tools'), ...errors },
    }),
    async (c) => {
      const allowed = await scope(c, c.req.valid('header')['x-session-id']);
      if (!allowed.ok) return problem(c, allowed.status, allowed.code, allowed.message);
      const listed = listTools(deps.meta, allowed.access, c.req.valid('query').server);
      return listed.ok ? c.json(listed.value, 200) : problem(c, listed.status, listed.code, listed.message);
    },
  );

  api.openapi(
    createRoute({
      method: 'post',
      path: '/search',
      summary: 'Search the tools the caller may call',
      request: { ...body(S.SearchRequest), headers: S.SessionHeader },
      responses: { 200: json(S.SearchAnswer, 'Ranked matches'), ...errors },
    }),
    async (c) => {
      const allowed = await scope(c, c.req.valid('header')['x-session-id']);
      if (!allowed.ok) return problem(c, allowed.status, allowed.code, allowed.message);
      const found = await search(deps.meta, allowed.access, c.req.valid('json'));
      return found.ok ? c.json(found.value, 200) : problem(c, found.status, found.code, found.message);
    },
  );

  api.openapi(
    createRoute({
      method: 'post',
      path: '/execute',
      summary: "Call a tool; the answer is the backend's result as it returned it",
      request: { ...body(S.ExecuteRequest), headers: S.SessionHeader },
      responses: { 200: json(S.ToolResult, "The backend's result"), ...errors },
    }),
    async (c) => {
      const allowed = await scope(c, c.req.valid('header')['x-session-id']);
      if (!allowed.ok) return problem(c, allowed.status, allowed.code, allowed.message);
      const { session } = allowed;
      const authorization = c.req.header('authorization');
      const meta = {
        ...deps.meta,
        metrics: session
          ? deps.usage.observingSession(deps.meta.metrics ?? NO_CALL_METRICS, {
              id: session.id,
              owner: session.owner,
            })
          : deps.meta.metrics,
      };
      const done = await execute(
        meta,
        allowed.access,
        session ? sessionCredentials(session, authorization) : authorization,
        c.req.valid('json'),
        c.var.requestId,
      );
      return done.ok
        ? c.json(done.value as Record<string, unknown>, 200)
        : problem(c, done.status, done.code, done.message);
    },
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/servers',
      summary: "The servers the caller's profile reaches, with their state",
      responses: { 200: json(S.ServerList, 'The servers'), ...errors },
    }),
    async (c) => {
      const allowed = await scope(c);
      if (!allowed.ok) return problem(c, allowed.status, allowed.code, allowed.message);
      const servers = deps.servers().filter((s) => allowed.access.backend(s.name));
      return c.json({ servers: servers as unknown as Record<string, unknown>[] }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/stats',
      summary: "Calls since start per server and tool, and per session of the caller's",
      responses: { 200: json(S.Stats, 'Usage'), ...errors },
    }),
    (c) => c.json(deps.usage.view(ownerOf(c.var.identity?.client)), 200),
  );

  api.doc('/openapi.json', {
    openapi: '3.0.3',
    info: {
      title: 'mcp-gateway REST API',
      version: deps.version,
      description: 'Sessions over chosen servers with their own credentials, and the tools as REST.',
    },
    servers: [{ url: '/api/v1' }],
  });
  return api;
}
