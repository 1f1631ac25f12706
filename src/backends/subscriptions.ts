/**
 * @module subscriptions: who subscribed to which resource on a shared backend connection. The backend keeps one
 * subscription per URI for the whole connection, so the gateway counts the subscribers: only the first subscribe
 * and the last unsubscribe of a URI reach the backend, and `resources/updated` goes only to the URI's subscribers.
 */
export class SubscriptionTable<Peer> {
  private readonly byUri = new Map<string, Set<Peer>>();

  /** Records the subscription; true if it is the URI's first (then the backend must be told). */
  add(uri: string, peer: Peer): boolean {
    const peers = this.byUri.get(uri) ?? new Set<Peer>();
    const first = peers.size === 0;
    peers.add(peer);
    this.byUri.set(uri, peers);
    return first;
  }

  /** Drops the subscription; true if it was the URI's last (then the backend must be told). */
  remove(uri: string, peer: Peer): boolean {
    const peers = this.byUri.get(uri);
    if (!peers?.delete(peer) || peers.size > 0) return false;
    this.byUri.delete(uri);
    return true;
  }

  /** Drops every subscription of a departing peer; returns the URIs nobody subscribes to any more. */
  removePeer(peer: Peer): string[] {
    const orphaned: string[] = [];
    for (const uri of [...this.byUri.keys()]) if (this.remove(uri, peer)) orphaned.push(uri);
    return orphaned;
  }

  subscribers(uri: string): Iterable<Peer> {
    return this.byUri.get(uri) ?? [];
  }
}
