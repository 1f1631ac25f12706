/**
 * @module peer-router: who hears what a backend sends on its own, on one connection. A message goes to the client
 * session whose call is in flight when that is unambiguous (the only call in flight), else to the connection's only
 * session, else to nobody; change notifications about the backend's lists go to every attached session;
 * `resources/updated` on a shared connection goes to the URI's subscribers; a backend's request with nobody to relate
 * it to is refused at once rather than left to time out.
 */
import type { Notification, Request, Result } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { RpcError } from '../errors.js';
import type { Caller, Peer } from './connection.js';
import { SubscriptionTable } from './subscriptions.js';

/** Notifications about the backend's state rather than about a call: every attached peer gets them. */
const CONNECTION_WIDE = /^notifications\/(tools|prompts|resources)\/list_changed$/;

export class PeerRouter {
  /** Who subscribed to which resource URI (shared connections only). */
  readonly subscriptions = new SubscriptionTable<Peer>();

  constructor(
    private readonly backend: string,
    /** Shared with earlier connections of the same backend, so that peers survive a restart of the process. */
    readonly peers: Set<Peer>,
    /** Several client sessions use this connection (a shared stdio process). */
    readonly shared: boolean,
    /** The call a backend-initiated message belongs to when that is unambiguous: the only call in flight. */
    private readonly soleCaller: () => Caller | undefined,
  ) {}

  notification(notification: Notification): void {
    if (this.shared && notification.method === 'notifications/resources/updated') {
      const uri = notification.params?.uri;
      if (typeof uri === 'string')
        for (const peer of this.subscriptions.subscribers(uri)) peer.notify(notification, undefined);
      return;
    }
    if (CONNECTION_WIDE.test(notification.method)) {
      for (const peer of this.peers) peer.notify(notification, undefined);
      return;
    }
    const caller = this.soleCaller();
    if (caller) {
      caller.peer.notify(notification, caller.requestId);
      return;
    }
    // Not about the one call in flight: it goes to the connection's only client, if it has one. On a process that
    // several clients share it could be any one's (a log line, a progress of its own), and one client's messages
    // must not reach the others.
    const [only, ...others] = this.peers;
    if (only && others.length === 0) only.notify(notification, undefined);
  }

  /** A request from the backend (sampling, elicitation, roots), passed to the client it is for. */
  serverRequest(request: Request, extra: RequestHandlerExtra<Request, Notification>): Promise<Result> {
    const caller = this.soleCaller();
    if (caller) return caller.peer.request(request, caller.requestId, extra);
    const [only, ...others] = this.peers;
    if (only && others.length === 0) return only.request(request, undefined, extra);
    // Answered at once rather than left to time out: the backend can fail its tool call with a clear reason.
    throw new RpcError(
      -32603,
      `mcp-gateway cannot tell which client ${request.method} is for: ${this.peers.size} clients share backend "${this.backend}" and none or several have a call in flight`,
    );
  }
}
