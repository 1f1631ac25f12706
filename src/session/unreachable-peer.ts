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

/** The 2026-07-28 code of a request the client's declared capabilities do not cover. */
export const MISSING_REQUIRED_CLIENT_CAPABILITY = -32021;
const INTERNAL_ERROR = -32603;

/** The client capability each backend request to a client needs. */
const REQUIRED_CAPABILITY: Readonly<Record<string, string>> = {
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
};

/** Why a stateless call cannot be answered: a backend asked its client something the call cannot carry. */
export interface PeerRefusal {
  code: number;
  message: string;
  data?: Record<string, unknown>;
}

export interface StatelessPeer {
  peer: Peer;
  /** The first request the backend sent that the client could not be asked, if any. */
  refusal(): PeerRefusal | undefined;
  /** Called once, at the first such request (the call is then cancelled at the backend rather than waited for). */
  onRefusal(listener: (refusal: PeerRefusal) => void): void;
}

/**
 * The peer of one stateless (2026-07-28) call. A backend's request to the client (elicitation, sampling, roots) is
 * refused at once, and the refusal is kept for the call's answer: `-32021` with `data.requiredCapabilities` when the
 * request's declared capabilities lack it, `-32603` naming the missing bridge when they have it (the gateway does not
 * turn a legacy backend's request into an `input_required` result). A ping is answered; notifications are dropped.
 */
export function statelessPeer(declared: Readonly<Record<string, unknown>> | undefined): StatelessPeer {
  let refused: PeerRefusal | undefined;
  let listener: ((refusal: PeerRefusal) => void) | undefined;
  const peer: Peer = {
    notify: () => undefined,
    request: (request) => {
      if (request.method === 'ping') return Promise.resolve({});
      const capability = REQUIRED_CAPABILITY[request.method];
      if (capability === undefined)
        return Promise.reject(
          new RpcError(
            METHOD_NOT_FOUND,
            `${request.method} cannot reach a stateless client through the gateway`,
          ),
        );
      const refusal: PeerRefusal =
        declared?.[capability] === undefined
          ? {
              code: MISSING_REQUIRED_CLIENT_CAPABILITY,
              message:
                `Missing required client capabilities: ${capability} (the backend sent ${request.method} ` +
                'during the call)',
              data: { requiredCapabilities: { [capability]: {} } },
            }
          : {
              code: INTERNAL_ERROR,
              message:
                `The backend sent ${request.method} during the call, and the gateway has no bridge from a ` +
                "backend's request to a 2026-07-28 client (input_required, SEP-2322)",
            };
      if (refused === undefined) {
        refused = refusal;
        listener?.(refusal);
      }
      return Promise.reject(new RpcError(refusal.code, refusal.message, refusal.data));
    },
  };
  return {
    peer,
    refusal: () => refused,
    onRefusal(l) {
      listener = l;
    },
  };
}
