/**
 * @module unreachable-peer: the peer of a stateless (2026-07-28) request. Nothing outside the call can reach its
 * client, and a backend's own request (sampling, elicitation, roots) has no legacy stream to ride on: it is refused,
 * so that the backend answers its call without it rather than waiting. Notifications are dropped.
 */
import type { Peer } from '../backends/connection.js';
import { RpcError } from '../errors.js';

/** JSON-RPC "method not found": what a client that lacks the capability would answer. */
const METHOD_NOT_FOUND = -32601;

export const UNREACHABLE_PEER: Peer = {
  notify: () => undefined,
  request: (request) =>
    Promise.reject(
      new RpcError(
        METHOD_NOT_FOUND,
        `${request.method} cannot reach a stateless client through the gateway (input_required is not served yet)`,
      ),
    ),
};
