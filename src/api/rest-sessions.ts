/**
 * @module rest-sessions: sessions made through `POST /api/v1/sessions`: a chosen set of backends, each optionally
 * with credentials of the session's own, kept in the session store (store/session-store.ts) so that they outlive a
 * restart. A session belongs to the client that made it: to any other client it does not exist. What a session
 * serves is what its creator's profile allows of its servers, decided again on every use.
 */
import { randomBytes } from 'node:crypto';
import type { Access } from '../auth/access.js';
import type { RestSessionsConfig } from '../config/index.js';
import type { ConnectionCredential, Registry } from '../registry/registry.js';
import type { CredentialHeaders, SessionStore, StoredSession } from '../store/session-store.js';

/** The owner of every session when the gateway does not authenticate: one client, as far as it can tell. */
export const ANONYMOUS_OWNER = '(anonymous)';

export type { StoredSession };

export type CredentialInput =
  { bearer: string } | { api_key: { header: string; value: string } } | { headers: Record<string, string> };

export interface CreateSessionInput {
  servers: string[];
  credentials?: Record<string, CredentialInput> | undefined;
  metadata?: Record<string, unknown> | undefined;
  ttl_s?: number | undefined;
  surface?: 'flat' | 'meta' | undefined;
}

export type Refusal = { ok: false; status: 400 | 403 | 404 | 429; code: string; message: string };
export type Outcome<T> = { ok: true; value: T } | Refusal;

/** What a client reads about its session: never a credential, only which servers have one. */
export interface SessionView {
  session_id: string;
  mcp_endpoint: string;
  servers: string[];
  surface: 'flat' | 'meta';
  credentials: string[];
  metadata: Record<string, unknown>;
  created_at: string;
  expires_at: string;
}

/** RFC 9110 token: what a header name may be. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the connection itself decides: a session may not set them. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'accept',
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
]);

export function ownerOf(client: string | undefined): string {
  return client ?? ANONYMOUS_OWNER;
}

export function sessionEndpointPath(id: string): string {
  return `/s/${id}/mcp`;
}

export function viewOf(session: StoredSession): SessionView {
  return {
    session_id: session.id,
    mcp_endpoint: sessionEndpointPath(session.id),
    servers: session.servers,
    surface: session.surface,
    credentials: Object.keys(session.credentials).sort(),
    metadata: session.metadata,
    created_at: new Date(session.createdAt).toISOString(),
    expires_at: new Date(session.expiresAt).toISOString(),
  };
}

/** The caller's profile narrowed to the session's servers, served on the session's surface. */
export function sessionAccess(base: Access, session: Pick<StoredSession, 'servers' | 'surface'>): Access {
  const servers = new Set(session.servers);
  return {
    profile: base.profile ?? `session`,
    surface: session.surface,
    backend: (name) => servers.has(name) && base.backend(name),
    tool: (server, tool) => servers.has(server) && base.tool(server, tool),
  };
}

/** What the session's connection to each backend carries: its own headers where it has them, else `fallback`. */
export function sessionCredentials(
  session: Pick<StoredSession, 'credentials'>,
  fallback: string | undefined,
): (backend: string) => ConnectionCredential | undefined {
  return (backend) => {
    const headers = session.credentials[backend];
    return headers ? { headers } : fallback;
  };
}

export class RestSessions {
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      store: SessionStore;
      registry: Pick<Registry, 'definition' | 'enabledNames'>;
      config: RestSessionsConfig;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  async create(owner: string, access: Access, input: CreateSessionInput): Promise<Outcome<StoredSession>> {
    const { registry, config, store } = this.deps;
    const servers = [...new Set(input.servers)];
    if (servers.length === 0)
      return refuse(400, 'invalid_request', '"servers" must name at least one server');
    const unknown = servers.filter((s) => !registry.enabledNames.includes(s));
    if (unknown.length)
      return refuse(
        400,
        'unknown_servers',
        `unknown servers: ${unknown.join(', ')} (known: ${registry.enabledNames.join(', ')})`,
      );
    const hidden = servers.filter((s) => !access.backend(s));
    if (hidden.length)
      return refuse(403, 'forbidden', `servers outside this client's profile: ${hidden.join(', ')}`);
    const credentials: Record<string, CredentialHeaders> = {};
    for (const [server, credential] of Object.entries(input.credentials ?? {})) {
      if (!servers.includes(server))
        return refuse(400, 'invalid_credentials', `credentials for a server not in "servers": ${server}`);
      if (registry.definition(server)?.transport === 'stdio')
        return refuse(
          400,
          'invalid_credentials',
          `"${server}" is a stdio backend: its process is shared and configured in the config file, so a session ` +
            'cannot give it credentials of its own; leave it out of "credentials"',
        );
      const headers = headersOf(credential);
      if (!headers.ok)
        return refuse(400, 'invalid_credentials', `credentials of "${server}": ${headers.message}`);
      credentials[server] = headers.value;
    }
    const ttl = input.ttl_s ?? config.default_ttl_s;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > config.max_ttl_s)
      return refuse(
        400,
        'invalid_request',
        `"ttl_s" must be a whole number of seconds from 1 to ${config.max_ttl_s}`,
      );
    if ((await store.list(owner)).length >= config.max_per_client)
      return refuse(
        429,
        'too_many_sessions',
        `this client holds ${config.max_per_client} sessions (rest_sessions.max_per_client); delete one first`,
      );
    const createdAt = this.now();
    const session: StoredSession = {
      // 128 random bits, URL-safe: the id is part of the endpoint's path.
      id: randomBytes(16).toString('base64url'),
      owner,
      servers,
      surface: input.surface ?? 'flat',
      credentials,
      metadata: input.metadata ?? {},
      createdAt,
      expiresAt: createdAt + ttl * 1000,
    };
    await store.put(session);
    return { ok: true, value: session };
  }

  list(owner: string): Promise<StoredSession[]> {
    return this.deps.store.list(owner);
  }

  /** Undefined for another client's session as for a missing one: nobody learns that an id exists. */
  async get(owner: string, id: string): Promise<StoredSession | undefined> {
    const session = await this.deps.store.get(id);
    return session?.owner === owner ? session : undefined;
  }

  async delete(owner: string, id: string): Promise<boolean> {
    const session = await this.get(owner, id);
    return session !== undefined && this.deps.store.delete(id);
  }

  startSweeping(intervalMs = 60_000, onError?: (error: unknown) => void): void {
    this.sweeper ??= setInterval(() => void this.deps.store.sweep(this.now()).catch(onError), intervalMs);
    this.sweeper.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    await this.deps.store.close();
  }
}

function refuse(status: Refusal['status'], code: string, message: string): Refusal {
  return { ok: false, status, code, message };
}

/** Tab aside, what RFC 9110 forbids in a field value (CR and LF among them). */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

function headersOf(credential: CredentialInput): Outcome<CredentialHeaders> {
  let headers: Record<string, string>;
  if ('bearer' in credential) headers = { Authorization: `Bearer ${credential.bearer}` };
  else if ('api_key' in credential) headers = { [credential.api_key.header]: credential.api_key.value };
  else headers = { ...credential.headers };
  if (Object.keys(headers).length === 0) return refuse(400, 'invalid_credentials', 'no header given');
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) return refuse(400, 'invalid_credentials', `"${name}" is not a header name`);
    if (RESERVED_HEADERS.has(name.toLowerCase()))
      return refuse(
        400,
        'invalid_credentials',
        `"${name}" is set by the gateway's connection, not by a session`,
      );
    // No control characters: a header value must not end the header or start another.
    if (value === '' || hasControlCharacter(value))
      return refuse(
        400,
        'invalid_credentials',
        `the value of "${name}" is empty or holds a control character`,
      );
  }
  return { ok: true, value: headers };
}
