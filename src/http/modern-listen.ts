/**
 * @module modern-listen: `subscriptions/listen` on the meta endpoints for 2026-07-28 clients. Each listen request is
 * answered by an SSE stream that opens with `notifications/subscriptions/acknowledged` (the honoured filter: only
 * `toolsListChanged`, the one change the gateway announces) and then carries `notifications/tools/list_changed`
 * whenever the catalog as that caller sees it changes (a backend added, removed or re-indexed with other tools; for a
 * profile only when its own filtered view changed). Each notification carries the listen request's id as its
 * `io.modelcontextprotocol/subscriptionId`. The streams are few and bounded (as many as `max_sessions`, counted apart
 * from the sessions), kept alive by comments while quiet, and ended gracefully at shutdown with the empty listen
 * result that tells a client the server closed it on purpose.
 */
import type { Context } from 'hono';
import type { Catalog } from '../catalog/catalog.js';
import type { ModernMessage } from './protocol-era.js';
import type { AppEnv } from './request-context.js';
import { sseStream, type SseStream } from './sse-stream.js';

export const SUBSCRIPTION_ID_META_KEY = 'io.modelcontextprotocol/subscriptionId';
const SERVER_INFO_META_KEY = 'io.modelcontextprotocol/serverInfo';
const INVALID_PARAMS = -32602;
const INTERNAL_ERROR = -32603;
/** Changes arriving together (discovery reading several backends) are announced once. */
const COALESCE_MS = 50;

interface Subscription {
  stream: SseStream;
  id: string | number;
  /** The caller's view of the catalog, as bytes: a change is announced only when these differ. */
  view: () => string;
  last: string;
}

export class ListenStreams {
  private readonly open = new Set<Subscription>();
  private pending: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    catalog: Pick<Catalog, 'onChange' | 'onReconfigure'>,
    /** How many streams may be open at once (max_sessions, counted apart). */
    private readonly capacity: () => number,
    private readonly serverInfo: { name: string; version: string },
  ) {
    catalog.onChange(() => this.changed());
    // A backend enabled or disabled changes what is listed without changing the catalog's entries.
    catalog.onReconfigure(() => this.changed());
  }

  get count(): number {
    return this.open.size;
  }

  /**
   * Answers one `subscriptions/listen` request. `view` renders what the caller's tool list depends on; the stream
   * announces a change whenever its bytes change.
   */
  serve(c: Context<AppEnv>, message: ModernMessage & { id: string | number }, view: () => string): Response {
    const { id } = message;
    const filter = message.params.notifications;
    if (typeof filter !== 'object' || filter === null || Array.isArray(filter))
      return jsonRpcError(
        c,
        id,
        INVALID_PARAMS,
        "Invalid params: 'notifications' is required and must be a SubscriptionFilter",
      );
    // As the SDK's own router: a refusal before the acknowledgement is a JSON-RPC error in a 200 response.
    if (this.closing || this.open.size >= this.capacity())
      return jsonRpcError(
        c,
        id,
        INTERNAL_ERROR,
        `Subscription limit reached: ${this.capacity()} listen streams are open (max_sessions)`,
      );
    const honored =
      (filter as Record<string, unknown>).toolsListChanged === true ? { toolsListChanged: true } : {};
    const subscription: Subscription = {
      id,
      view,
      last: view(),
      stream: sseStream(c.req.raw.signal, { onEnd: () => this.open.delete(subscription) }),
    };
    subscription.stream.send(
      notification('notifications/subscriptions/acknowledged', { notifications: honored }, id),
    );
    // Nothing asked that the gateway announces: acknowledged, then closed as the spec's graceful end.
    if (!honored.toolsListChanged) this.end(subscription);
    else this.open.add(subscription);
    return subscription.stream.response;
  }

  /** Ends every stream gracefully (shutdown) and refuses new ones. */
  closeAll(): void {
    this.closing = true;
    clearTimeout(this.pending);
    for (const subscription of [...this.open]) this.end(subscription);
  }

  private changed(): void {
    if (this.pending || this.open.size === 0) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.announce();
    }, COALESCE_MS);
    this.pending.unref();
  }

  private announce(): void {
    for (const subscription of this.open) {
      const now = subscription.view();
      if (now === subscription.last) continue;
      subscription.last = now;
      subscription.stream.send(notification('notifications/tools/list_changed', {}, subscription.id));
    }
  }

  private end(subscription: Subscription): void {
    subscription.stream.end({
      jsonrpc: '2.0',
      id: subscription.id,
      result: {
        resultType: 'complete',
        _meta: { [SUBSCRIPTION_ID_META_KEY]: subscription.id, [SERVER_INFO_META_KEY]: this.serverInfo },
      },
    });
  }
}

function notification(method: string, params: Record<string, unknown>, id: string | number): object {
  return { jsonrpc: '2.0', method, params: { ...params, _meta: { [SUBSCRIPTION_ID_META_KEY]: id } } };
}

function jsonRpcError(c: Context<AppEnv>, id: string | number, code: number, message: string): Response {
  return c.json({ jsonrpc: '2.0', id, error: { code, message } }, 200);
}
