/**
 * @module admin-api: `/api/v1`, the admin API (behind admin-auth.ts): the backends with their status and source,
 * added, changed, removed, enabled, disabled and restarted at runtime, and the config file reloaded. JSON in and out;
 * every error is `{ "error": { "code", "message", "problems"? } }` with the status that says whose it is.
 */
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Outcome, Runtime } from '../admin/runtime.js';
import { adminAuth } from './admin-auth.js';
import { parseJsonBody } from './json-body.js';
import type { AppEnv } from './request-context.js';

export function apiError(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  problems?: string[],
): Response {
  return c.json({ error: { code, message, ...(problems ? { problems } : {}) } }, status);
}

export function adminApi(runtime: Runtime, authRequired = false): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  api.use(adminAuth(() => runtime.admin.token, apiError, authRequired));

  api.get('/servers', (c) => c.json({ servers: runtime.servers() }));
  api.post('/servers', async (c) => {
    const body = await readBody(c);
    return body.ok ? answer(c, await runtime.register(body.value), 201) : body.response;
  });
  api.put('/servers/:name', async (c) => {
    const body = await readBody(c);
    return body.ok ? answer(c, await runtime.register(body.value, c.req.param('name'))) : body.response;
  });
  api.delete('/servers/:name', async (c) => answer(c, await runtime.unregister(c.req.param('name'))));
  api.post('/servers/:name/restart', async (c) => answer(c, await runtime.restart(c.req.param('name'))));
  api.post('/servers/:name/enable', async (c) =>
    answer(c, await runtime.setEnabled(c.req.param('name'), true)),
  );
  api.post('/servers/:name/disable', async (c) =>
    answer(c, await runtime.setEnabled(c.req.param('name'), false)),
  );
  api.post('/reload', async (c) => answer(c, await runtime.reload()));
  api.notFound((c) => apiError(c, 404, 'not_found', `Not Found: ${c.req.method} ${c.req.path}`));
  return api;
}

function answer<T extends object>(
  c: Context,
  outcome: Outcome<T>,
  status: ContentfulStatusCode = 200,
): Response {
  if (!outcome.ok) return apiError(c, outcome.status, outcome.code, outcome.message, outcome.problems);
  const { ok: _ok, ...result } = outcome;
  return c.json(result, status);
}

async function readBody(
  c: Context,
): Promise<{ ok: true; value: unknown } | { ok: false; response: Response }> {
  const parsed = parseJsonBody(await c.req.text());
  if (parsed.ok) return { ok: true, value: parsed.message };
  return { ok: false, response: apiError(c, 400, parsed.error.code, parsed.error.message) };
}
