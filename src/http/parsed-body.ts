/**
 * @module parsed-body: a body the fast path read and parsed but left to the app (it was not one request for a lane),
 * handed along with the node:http request so that the app does not read a stream that is already consumed.
 */
import type { IncomingMessage } from 'node:http';

const parsedBodies = new WeakMap<IncomingMessage, unknown>();

export function keepParsedBody(req: IncomingMessage, body: unknown): void {
  parsedBodies.set(req, body);
}

/** The body the fast path read, as the SDK transport's `parsedBody` option; undefined if it read none. */
export function parsedBodyOf(incoming: IncomingMessage | undefined): { parsedBody: unknown } | undefined {
  return incoming && parsedBodies.has(incoming) ? { parsedBody: parsedBodies.get(incoming) } : undefined;
}
