/**
 * @module passthrough-route: `/mcp/:backend`, one backend as if the client were connected to it directly. An unknown
 * or disabled name is refused before anything else; sessions are opened by passthrough/passthrough-session.ts. Single
 * requests on a session take the fast path (http/fast-path.ts) past the session's SDK Server; the rest go through it.
 * A session-less 2026-07-28 request (http/protocol-era.ts) is answered statelessly (modern-passthrough-route.ts),
 * whichever era the backend speaks (catalog/backend-eras.ts learns it once).
 */
import type { Context } from 'hono';
import { GatewayError } from '../errors.js';
import { openPassthroughSession, type PassthroughDeps } from '../passthrough/passthrough-session.js';
import type { SessionTable } from '../session/session-table.js';
import { errorResponse } from './json-error.js';
import { handleMcpRequest } from './mcp-session.js';
import type { AppEnv } from './request-context.js';
import type { Authenticator } from '../auth/authenticator.js';
import { fail } from './json-error.js';
import { routeAccess } from './route-access.js';
import { BackendEras } from '../catalog/backend-eras.js';
import { parseJsonBody } from './json-body.js';
import { LegacyLinks } from '../session/legacy-links.js';
import { openLegacyOnModern } from '../passthrough/legacy-on-modern.js';
import { answerModernPassthrough, relayModernRequest } from './modern-passthrough-route.js';
import { refuseModern } from './modern-meta-route.js';
import { parsedBodyOf } from './parsed-body.js';
import {
  MODERN_PROTOCOL_VERSIONS,
  PROTOCOL_VERSION_META_KEY,
  mayBeModern,
  requestEra,
} from './protocol-era.js';

export type PassthroughRouteDeps = PassthroughDeps & {
  sessions: SessionTable;
  auth: Authenticator;
  /** Which era each backend speaks; one of the route's own when absent. */
  eras?: BackendEras;
};

export function passthroughRoute(deps: PassthroughRouteDeps) {
  const eras = deps.eras ?? new BackendEras(deps.catalog, deps.registry, deps.log);
  const links = new LegacyLinks(deps.registry);
  return async function handlePassthrough(c: Context<AppEnv>): Promise<Response> {
    const name = c.req.param('backend') ?? '';
    try {
      deps.registry.lookup(name);
    } catch (error) {
      if (error instanceof GatewayError) return errorResponse(c, error);
      throw error;
    }
    const allowed = routeAccess(c, deps.auth);
    if (!allowed.ok) return allowed.response;
    if (!allowed.access.backend(name))
      return fail(
        c,
        'forbidden',
        `Forbidden: backend "${name}" is not in profile "${allowed.access.profile}"`,
      );
    const authorization = c.req.header('authorization');
    // Only a session-less POST can be modern: a request on a session never reads its body here.
    if (mayBeModern(c.req.method, c.req.header('mcp-session-id'))) {
      const { text, parsed } = await bodyOf(c);
      const header = (h: string) => c.req.header(h);
      const claim = modernClaim(header, parsed);
      if (claim !== undefined) {
        const client = { links, access: allowed.access, authorization };
        const backendEra = await eras.of(name, authorization);
        // A modern backend judges a modern request itself (envelope, headers, methods): the client gets exactly
        // the answer it would get from the backend directly.
        if (backendEra.era === 'modern') return relayModernRequest(c, deps, name, claim, text, client);
        const era = requestEra({ method: 'POST', header, body: parsed });
        if (era.era === 'modern') {
          if ('refusal' in era) return refuseModern(c, era.refusal);
          return answerModernPassthrough(c, deps, name, backendEra, era.message, text, client);
        }
        // Modern headers around a body without the envelope: refused as a modern server refuses it.
        if (claim.envelope === false && claim.method !== 'initialize')
          return refuseModern(c, {
            httpStatus: 400,
            id: claim.id ?? null,
            code: -32602,
            message: `Invalid params: a ${claim.version} request needs _meta["io.modelcontextprotocol/protocolVersion"]`,
          });
      }
    }
    return handleMcpRequest(c, deps, name, async (init, transport, resume) => {
      const capabilities = init.params.capabilities ?? {};
      const backendEra = await eras.of(name, authorization);
      // A modern backend has no session to mirror: the gateway holds the client's and bridges each request.
      if (backendEra.era === 'modern')
        return openLegacyOnModern(deps, {
          name,
          era: backendEra,
          capabilities,
          access: allowed.access,
          authorization,
        });
      return openPassthroughSession(
        deps,
        name,
        capabilities,
        transport,
        allowed.access,
        authorization,
        resume,
      );
    });
  };
}

/** The body's text and its parse: kept from the fast path, or read now (Hono keeps the text for the legacy path). */
async function bodyOf(c: Context<AppEnv>): Promise<{ text: string; parsed: unknown }> {
  const kept = parsedBodyOf(c.env?.incoming);
  if (kept) return { text: JSON.stringify(kept.parsedBody), parsed: kept.parsedBody };
  const text = await c.req.text();
  const parsed = parseJsonBody(text);
  return { text, parsed: parsed.ok ? parsed.message : undefined };
}

/** What a session-less request claims of the new revision: by its `_meta` envelope or its mirrored header. */
interface ModernClaim {
  version: string;
  /** Whether the body carries the envelope (else only the header claims it). */
  envelope: boolean;
  id?: string | number;
  method?: string;
  params: Record<string, unknown>;
}

function modernClaim(header: (name: string) => string | undefined, body: unknown): ModernClaim | undefined {
  const message = isRecord(body) ? body : {};
  const params = isRecord(message.params) ? message.params : {};
  const meta = isRecord(params._meta) ? params._meta : {};
  const claimed = meta[PROTOCOL_VERSION_META_KEY];
  const mirrored = header('mcp-protocol-version');
  const version =
    typeof claimed === 'string'
      ? claimed
      : mirrored !== undefined && MODERN_PROTOCOL_VERSIONS.includes(mirrored)
        ? mirrored
        : undefined;
  if (version === undefined) return undefined;
  const id = typeof message.id === 'string' || typeof message.id === 'number' ? message.id : undefined;
  const method = typeof message.method === 'string' ? message.method : undefined;
  return {
    version,
    envelope: typeof claimed === 'string',
    params,
    ...(id !== undefined ? { id } : {}),
    ...(method !== undefined ? { method } : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
