/**
 * @module remote-bridge: `mcp-gateway stdio --url …`: one MCP client on stdin/stdout carried to a running gateway over
 * Streamable HTTP, message for message, both ways: the client's requests, notifications and answers go up as POSTs;
 * the gateway's answers, notifications and requests (sampling, elicitation, roots) come down on the POSTs' streams or
 * the session's GET stream. The SDK's client transport keeps the session id and opens the GET stream after
 * `notifications/initialized`; the negotiated protocol version it must be told (a Client would tell it).
 */
import type { Readable, Writable } from 'node:stream';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { errorMessage, GatewayError } from '../errors.js';

export interface RemoteBridgeOptions {
  url: URL;
  /** Sent as `Authorization: Bearer <token>` on every request. */
  token?: string | undefined;
  stdin: Readable;
  stdout: Writable;
  /** A line for the person reading stderr. */
  say: (line: string) => void;
  /** How long the first contact may take. */
  probeTimeoutMs?: number;
}

/** Exit codes, as the CLI's. */
const OK = 0;
const FAILURE = 1;

/**
 * Runs the bridge until the client goes away (0) or the gateway cannot be reached (1, said on stderr). Before anything
 * is read from stdin the gateway is asked once, so that a client configured against a daemon that is not running
 * learns it at once.
 */
export async function runRemoteBridge(options: RemoteBridgeOptions): Promise<number> {
  const { url, say } = options;
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const refusal = await probe(url, headers, options.probeTimeoutMs ?? 5_000);
  if (refusal) {
    say(`mcp-gateway: ${refusal}`);
    return FAILURE;
  }

  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const upstream = new StreamableHTTPClientTransport(url, { requestInit: { headers } });
  const downstream = new StdioServerTransport(options.stdin, options.stdout);
  let initializeId: RequestId | undefined;

  downstream.onmessage = (message: JSONRPCMessage) => {
    if (isJSONRPCRequest(message) && message.method === 'initialize') initializeId = message.id;
    upstream.send(message).catch((error: unknown) => {
      const lost = unreachable(error, url);
      say(`mcp-gateway: ${lost ?? `the gateway at ${url.href} refused a message: ${errorMessage(error)}`}`);
      // A request the gateway never got still gets an answer, or the client would wait for it forever.
      if (isJSONRPCRequest(message)) {
        const reason = new GatewayError('backend_unavailable', lost ?? errorMessage(error));
        void downstream.send(reason.toJsonRpc(message.id) as JSONRPCMessage).catch(() => {});
      }
      if (lost) finish(FAILURE);
    });
  };
  upstream.onmessage = (message: JSONRPCMessage) => {
    // Later requests must carry the negotiated version, as an SDK Client would have set it.
    if (initializeId !== undefined && isJSONRPCResultResponse(message) && message.id === initializeId) {
      const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === 'string') upstream.setProtocolVersion(version);
    }
    void downstream.send(message).catch(() => finish(OK));
  };
  upstream.onerror = (error) => {
    // The GET stream's reconnections and the like: worth a line, not an end (the transport retries by itself).
    say(`mcp-gateway: ${errorMessage(error)}`);
  };
  downstream.onerror = (error) =>
    say(`mcp-gateway: unreadable message from the client: ${errorMessage(error)}`);
  options.stdin.once('end', () => finish(OK));
  options.stdin.once('close', () => finish(OK));
  options.stdout.on('error', () => finish(OK));

  await upstream.start();
  await downstream.start();
  const code = await finished;
  // The gateway's session ends with the client's, so that it releases what the session held.
  if (code === OK) await upstream.terminateSession().catch(() => {});
  await upstream.close().catch(() => {});
  await downstream.close().catch(() => {});
  return code;
}

/** Why the gateway at `url` cannot serve this bridge, or undefined when it answers. */
async function probe(
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<string | undefined> {
  let response: Response;
  try {
    // A GET without a session: any MCP endpoint answers it (405, 400, or a stream), which is all this asks.
    response = await fetch(url, {
      method: 'GET',
      headers: { ...headers, accept: 'text/event-stream' },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return unreachable(error, url) ?? `cannot reach the gateway at ${url.href}: ${errorMessage(error)}`;
  }
  await response.body?.cancel().catch(() => {});
  if (response.status === 401 || response.status === 403) {
    return (
      `the gateway at ${url.href} refused the request (HTTP ${response.status}): ` +
      (headers.authorization ? 'check the token in MCP_GATEWAY_TOKEN' : 'set MCP_GATEWAY_TOKEN to its token')
    );
  }
  if (response.status === 404) {
    return `the gateway at ${url.href} has no such endpoint (HTTP 404): use /mcp, or /mcp/<backend> with a configured backend`;
  }
  return undefined;
}

/** The message for a failure that means nobody answers at the URL; undefined for any other. */
function unreachable(error: unknown, url: URL): string | undefined {
  const code = (error as { cause?: { code?: string } }).cause?.code ?? (error as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    /^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|ETIMEDOUT)$/.test(code)
  ) {
    return `cannot reach the gateway at ${url.href}: ${code} (is mcp-gateway running there?)`;
  }
  if ((error as Error).name === 'TimeoutError')
    return `cannot reach the gateway at ${url.href}: no answer in time`;
  return undefined;
}
