/**
 * @module session-backends: the backends one client session of the meta endpoint calls, each through a link of the
 * session's own, opened on first use and closed with the session. What a backend sends about a call comes back to
 * the session through its peer. A stateless request's backends may come from connections the gateway holds for
 * clients like it (legacy-links.ts), given back when the request is answered instead of closed.
 */
import type { ClientCapabilities, Request, Result } from '@modelcontextprotocol/sdk/types.js';
import type { Peer } from '../backends/connection.js';
import type { ConnectionCredential, Registry } from '../registry/registry.js';
import { createBackendLink, type BackendLink } from './backend-link.js';
import { forwardRequest, type CallContext, type ForwardOptions } from './forward.js';
import type { HeldConnection, LegacyLinks } from './legacy-links.js';

export class SessionBackends {
  private readonly links = new Map<string, BackendLink>();

  constructor(
    private readonly registry: Registry,
    /**
     * The session's client capabilities, advertised on connections of its own; a function when they are known only
     * after the client's initialize has reached the session's Server (stdio), read when a link is first opened.
     */
    private readonly capabilities: ClientCapabilities | (() => ClientCapabilities),
    private readonly peer: Peer,
    /**
     * The client's Authorization header, for backends that forward it (`forward_authorization`); or, per backend, what
     * the session's connection to it carries (a REST session's own credentials, else that header).
     */
    private readonly authorization?: string | ((backend: string) => ConnectionCredential | undefined),
    /**
     * Connections kept between stateless requests: a backend that is neither shared nor `stateful` is reached on one
     * of them (one request at a time) rather than on a connection opened and closed for this request alone.
     */
    private readonly held?: LegacyLinks,
  ) {}

  /** Forwards `request` to the backend `options.backend` on the session's link to it. */
  call(
    request: Pick<Request, 'method' | 'params'>,
    call: CallContext,
    options: Omit<ForwardOptions, 'peer'>,
  ): Promise<Result> {
    return forwardRequest(this.link(options.backend).connection, request, call, {
      ...options,
      peer: this.peer,
    });
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.links.values()].map((link) => link.close()));
    this.links.clear();
  }

  private link(name: string): BackendLink {
    let link = this.links.get(name);
    if (!link) {
      const capabilities = typeof this.capabilities === 'function' ? this.capabilities() : this.capabilities;
      const credential =
        typeof this.authorization === 'function' ? this.authorization(name) : this.authorization;
      link =
        this.held && !this.registry.isShared(name) && !this.registry.lookup(name).stateful
          ? heldLink(name, this.held.hold(name, capabilities, credential, this.peer))
          : createBackendLink(this.registry, name, capabilities, undefined, credential);
      link.attach(this.peer);
      this.links.set(name, link);
    }
    return link;
  }
}

/** A held connection as a link: the peer was attached by `hold`; closing gives the connection back. */
function heldLink(name: string, held: HeldConnection): BackendLink {
  return {
    name,
    connection: () => held.connect(),
    current: () => undefined,
    attach: () => undefined,
    close: async () => held.release(),
  };
}
