/**
 * @module fast-path: the node:http request listener in front of the Hono app. The common case of the MCP endpoints,
 * a POST carrying one request on an open session, is answered here: read from node:http, handed to the session's
 * direct lane (session/direct-lane.ts) and written on its own response, without Hono's routing and middleware,
 * WHATWG Request/Response objects, or the SDK's server transport and Server (together most of a forwarded call's
 * cost). What the app would check first is checked here first (Host and Origin, the credential, the body limit, the SDK
 * transport's header checks); the credential costs one SHA-256 and a map lookup (a JWT not seen before, or a refusal,
 * goes to the app, which verifies or refuses it), and a session is looked up for the client that opened it. A request that fails a check, or is anything else, goes to the app untouched, which answers it as
 * always. `notifications/initialized` is accepted here (202). A body read here that is not one request for the lane
 * (a batch, another notification, the client's answer, initialize, ping) goes to the app along with its parsed form.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { GatewayError, errorMessage } from '../errors.js';
import { isJsonRpcNotification, isJsonRpcRequest } from '../json-rpc.js';
import { REQUEST_ID_HEADER, type Logger } from '../log.js';
import { acceptsJsonAndSse, mediaType } from '../media-type.js';
import type { Metrics } from '../metrics/metrics.js';
import { META_ENDPOINT, type ClientSession, type SessionTable } from '../session/session-table.js';
import { CallResponse } from './call-response.js';
import { parseJsonBody, type JsonBody } from './json-body.js';
import { hostCheck, type OriginPolicy } from './origin.js';
import { keepParsedBody } from './parsed-body.js';
import { recordAnswer, requestIdFrom } from './request-context.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { Identity } from '../auth/identity.js';
import { markAuthenticated } from './authenticate.js';

export interface FastPathDeps {
  sessions: SessionTable;
  origin: OriginPolicy;
  maxBodyBytes: number;
  metrics: Pick<Metrics, 'httpRequest'>;
  log: Logger;
  auth?: Authenticator;
}

/** `app` behind the fast path: the returned listener answers what it can and passes the rest on. */
export function withFastPath(deps: FastPathDeps, app: RequestListener): RequestListener {
  const refused = hostCheck(deps.origin);

  /** The open session this request is for, if it is one the lane may take; else undefined (the app's). */
  function laneSession(req: IncomingMessage): ClientSession | undefined {
    const { headers } = req;
    const sessionId = headers['mcp-session-id'];
    if (typeof sessionId !== 'string' || !looksLikeOneJsonRequest(req, deps.maxBodyBytes)) return undefined;
    const endpoint = endpointOf(req.url);
    if (endpoint === undefined || refused(firstHost(req), headers.origin) !== undefined) return undefined;
    const { auth } = deps;
    let identity: Identity | undefined;
    if (auth?.required) {
      const decision = auth.quick(headers.authorization);
      // Refused, or a JWT to verify: the app answers it.
      if (!decision?.ok) return undefined;
      identity = decision.identity;
    }
    const session = deps.sessions.get(sessionId, endpoint, identity?.client);
    if (!session?.direct) return undefined;
    if (identity) {
      // Over its rate: the app answers 429 (a refused take costs nothing, so the request is counted once).
      if (!auth!.limiter.take(identity.client).ok) return undefined;
      markAuthenticated(req, identity);
    }
    return session;
  }

  async function answer(req: IncomingMessage, res: ServerResponse, session: ClientSession): Promise<void> {
    const started = performance.now();
    const body = await readJson(req);
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    let status = 200;
    if (!body.ok) {
      status = body.error.httpStatus;
      sendError(res, body.error, requestId);
    } else if (isJsonRpcRequest(body.message) && session.direct!.accepts(body.message)) {
      const stream = new CallResponse(res, ['mcp-session-id', session.id, REQUEST_ID_HEADER, requestId]);
      await session.direct!.answer(body.message, stream, requestId);
    } else if (isInitializedNotification(body.message)) {
      // It tells a gateway session nothing (a session is ready once it answered initialize): accepted here, as the
      // SDK transport accepts a notification, without the SDK's message checks (failed schema parses, whose garbage
      // outlives young collections) or the app's request objects, a good part of what opening a session costs.
      status = 202;
      res.writeHead(202, [REQUEST_ID_HEADER, requestId]).end();
    } else {
      // The app answers it (with a request id of its own making, from the same header).
      keepParsedBody(req, body.message);
      return app(req, res);
    }

    // The path is `/mcp` or `/mcp/<name>` as it came (endpointOf took no other).
    recordAnswer(deps, deps.log, { method: 'POST', path: req.url!, status, started, requestId });
  }

  return function fastPath(req, res) {
    const session = req.method === 'POST' ? laneSession(req) : undefined;
    if (!session) return app(req, res);
    answer(req, res, session).catch((error: unknown) => {
      // A fault of the gateway's own: answered as the app's error boundary answers, rather than left hanging.
      deps.log.error({ err: errorMessage(error), path: req.url }, 'request failed');
      const failure = new GatewayError('internal', 'Internal error in mcp-gateway');
      if (!res.headersSent) sendError(res, failure, requestIdFrom(req.headers[REQUEST_ID_HEADER]));
      else res.end();
    });
  };
}

/** The session table's endpoint of `/mcp` or `/mcp/<name>`; undefined for any other path (or one to decode). */
function endpointOf(url: string | undefined): string | undefined {
  if (url === '/mcp') return META_ENDPOINT;
  if (url === undefined || !url.startsWith('/mcp/')) return undefined;
  const name = url.slice('/mcp/'.length);
  // `p/<profile>` is the table's endpoint of /mcp/p/<profile> (session-table.ts profileEndpoint).
  return /^(p\/)?[A-Za-z0-9_.-]+$/.test(name) ? name : undefined;
}

/**
 * The header checks of the SDK transport, and a declared length within the limit (a chunked body, or one too large,
 * is left to the app's body limit).
 */
function looksLikeOneJsonRequest(req: IncomingMessage, maxBodyBytes: number): boolean {
  const { headers } = req;
  const version = headers['mcp-protocol-version'];
  const length = headers['content-length'];
  return (
    acceptsJsonAndSse(headers.accept) &&
    mediaType(headers['content-type']) === 'application/json' &&
    (version === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(version as string)) &&
    length !== undefined &&
    headers['transfer-encoding'] === undefined &&
    Number(length) <= maxBodyBytes
  );
}

/**
 * The Host header as the app sees it: node:http keeps only the first of several, the app's WHATWG headers join them
 * (and then refuse them), so a second Host header sends the request to the app.
 */
function firstHost(req: IncomingMessage): string | undefined {
  let seen = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') seen++;
  return seen === 1 ? req.headers.host : undefined;
}

/** The body, parsed; or the error to answer with (a client gone mid-body reads none, but nothing is logged). */
async function readJson(req: IncomingMessage): Promise<JsonBody> {
  // This listener runs as soon as the headers are parsed; a body that came in the same read is parsed right after,
  // before the next microtask: then it waits whole in the stream's buffer, and reading it takes no events.
  if (!req.complete) await Promise.resolve();
  let text: string;
  try {
    text = req.complete ? readBuffered(req) : await readStreamed(req);
  } catch {
    return {
      ok: false,
      error: new GatewayError('invalid_request', 'Bad Request: the request body ended early'),
    };
  }
  return parseJsonBody(text);
}

/** A body that arrived whole, from the stream's buffer. */
function readBuffered(req: IncomingMessage): string {
  const first = req.read() as Buffer | null;
  if (first === null) return '';
  const chunks: Buffer[] = [first];
  for (let chunk: Buffer | null; (chunk = req.read() as Buffer | null) !== null;) chunks.push(chunk);
  return (chunks.length === 1 ? first : Buffer.concat(chunks)).toString('utf8');
}

function readStreamed(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('the client went away before the end of its request'));
    });
  });
}

function isInitializedNotification(message: unknown): boolean {
  return isJsonRpcNotification(message) && message.method === 'notifications/initialized';
}

function sendError(res: ServerResponse, error: GatewayError, requestId: string): void {
  const body = JSON.stringify(error.toJsonRpc(null));
  res.writeHead(error.httpStatus, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    [REQUEST_ID_HEADER]: requestId,
  });
  res.end(body);
}
