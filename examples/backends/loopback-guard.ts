/** @module DNS-rebinding protection for the HTTP demos: only loopback Host and Origin values are let in. */

/** The Host header values a loopback server on `port` may legitimately see (plus its own bind address). */
export function allowedHostsFor(bindHost: string, port: number): Set<string> {
  const own = bindHost.includes(':') && !bindHost.startsWith('[') ? `[${bindHost}]` : bindHost;
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${own}:${port}`]);
}

/**
 * A web page on evil.example can resolve its own name to 127.0.0.1 and then talk to us from the user's browser; the
 * browser still sends the attacker's Host or Origin, which is what we refuse. No Origin at all is fine: that is a
 * non-browser client such as the gateway or curl. An Origin that is not a URL (including the literal "null") is not.
 */
export function isAllowedRequest(
  host: string | undefined,
  origin: string | undefined,
  allowed: Set<string>,
): boolean {
  if (host === undefined || !allowed.has(host.toLowerCase())) return false;
  if (origin === undefined) return true;
  try {
    return allowed.has(new URL(origin).host);
  } catch {
    return false;
  }
}
