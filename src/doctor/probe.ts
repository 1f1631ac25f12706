/**
 * @module doctor/probe: the two active checks: can a remote backend's URL be reached over HTTP, and does a backend
 * answer MCP `initialize` (a stdio backend is started for that, with the service's environment, then stopped).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { DEFAULT_INHERITED_ENV_VARS, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { HttpClientTransport } from '../backends/http-client.js';
import type { BackendConfig } from '../config/index.js';
import { VERSION } from '../version.js';
import { isAlive } from '../pid.js';
import { withDeadline } from '../deadline.js';

export type ProbeResult = { ok: true; status: number } | { ok: false; status?: number; reason: string };

/**
 * One GET to the backend's URL with its configured headers. Any HTTP answer means the server is reachable; an MCP
 * endpoint answers a GET without a session with 400 or 405, an SSE endpoint with its stream (closed at once).
 * 401/403 (credentials), 404 (wrong path) and 5xx (broken server or proxy) are problems.
 */
export async function probeUrl(
  url: string,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
  fetchImpl: typeof fetch = fetch,
): Promise<ProbeResult> {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'GET',
      headers: { ...headers, accept: 'application/json, text/event-stream' },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return { ok: false, reason: describeFetchError(error, timeoutMs) };
  }
  await response.body?.cancel().catch(() => {});
  const status = response.status;
  if (status === 401 || status === 403) {
    return { ok: false, status, reason: `answered HTTP ${status}: the credentials were refused` };
  }
  if (status === 404)
    return { ok: false, status, reason: 'answered HTTP 404: nothing is served at this path' };
  if (status >= 500)
    return { ok: false, status, reason: `answered HTTP ${status}: the server reports an error` };
  return { ok: true, status };
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError')
    return `no answer within ${timeoutMs / 1000} s`;
  const code = err.cause?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused: nothing listens on that port';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the host cannot be reached from this machine';
    case 'ECONNRESET':
      return 'the connection was reset';
  }
  if (code && /CERT|SSL|TLS/i.test(code)) return `TLS failed (${code})`;
  // fetch (and so the gateway's own client) refuses ports on the browsers' block list, e.g. 1, 25, 6000.
  if (err.cause?.message === 'bad port')
    return 'the port is one fetch refuses to connect to (a blocked port)';
  return err.cause?.message ?? err.message ?? String(error);
}

export type InitializeResult = { ok: true; server: string } | { ok: false; reason: string; stderr: string };

/**
 * Connects an SDK client, which sends `initialize`, then closes it. A stdio backend gets what the gateway would give
 * it under the service: the inherited variables (HOME, PATH, …) taken from `env`, not from this process, plus its
 * configured `env`. Bounded by `timeoutMs` for the answer, then by the transport's stop ladder; a child still alive
 * after that is killed by its pid.
 */
export async function tryInitialize(
  backend: BackendConfig,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<InitializeResult> {
  let stderr = '';
  let pid: number | undefined;
  let transport: Transport;
  if (backend.transport === 'stdio') {
    // Every inherited name is set, even to undefined (spawn drops those): the SDK would otherwise fill the gaps from
    // this process's own environment, which the service will not have.
    const childEnv: Record<string, string | undefined> = {};
    for (const name of DEFAULT_INHERITED_ENV_VARS) childEnv[name] = env[name];
    const stdio = new StdioClientTransport({
      command: backend.command,
      args: backend.args,
      env: { ...childEnv, ...backend.env } as Record<string, string>,
      cwd: backend.cwd,
      stderr: 'pipe',
    });
    stdio.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2_000);
    });
    const start = stdio.start.bind(stdio);
    stdio.start = async () => {
      await start();
      pid = stdio.pid ?? undefined;
    };
    transport = stdio;
  } else {
    // The clients the daemon uses: what answers here answers the service.
    const url = new URL(backend.url);
    transport =
      backend.transport === 'sse'
        ? new SSEClientTransport(url, { requestInit: { headers: backend.headers } })
        : new HttpClientTransport(url, backend.headers);
  }

  const client = new Client({ name: 'mcp-gateway-doctor', version: VERSION });
  try {
    await withDeadline(
      client.connect(transport, { timeout: timeoutMs }),
      timeoutMs,
      () => new Error(`no answer to initialize within ${timeoutMs / 1000} s`),
    );
    const info = client.getServerVersion();
    return { ok: true, server: info ? `${info.name} ${info.version}` : 'unnamed server' };
  } catch (error) {
    return { ok: false, reason: describeStartError(error, timeoutMs), stderr: stderr.trim() };
  } finally {
    if (transport instanceof HttpClientTransport && transport.sessionId) {
      await transport.terminateSession().catch(() => {});
    }
    await client.close().catch(() => {});
    if (pid !== undefined && isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // it exited in between
      }
    }
  }
}

function describeStartError(error: unknown, timeoutMs: number): string {
  const err = error as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return 'the program was not found';
  if (err.code === 'EACCES') return 'the program is not executable';
  const message = err.message ?? String(error);
  if (/timed out/i.test(message)) return `no answer to initialize within ${timeoutMs / 1000} s`;
  if (/Connection closed/i.test(message)) return 'it exited (or closed stdout) before answering initialize';
  return message.replace(/^MCP error -?\d+: /, '');
}
