/**
 * @module origin: DNS-rebinding protection. Every request must name this gateway in its Host header, and a browser
 * Origin, when sent, must be a loopback origin or one the configuration allows; anything else is 403.
 */
import type { MiddlewareHandler } from 'hono';
import { fail } from './json-error.js';

export interface OriginPolicy {
  /** The address the gateway is bound to; accepted as a Host name when it is not a wildcard. */
  bindHost: string;
  /** Extra Host names (`name` or `name:port`); `*` accepts any Host (for containers behind a proxy). */
  allowedHosts: readonly string[];
  /** Extra origins, e.g. `https://app.example.com`. */
  allowedOrigins: readonly string[];
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackName(hostname: string): boolean {
  return LOOPBACK_NAMES.has(hostname.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** Why a request's Host or Origin is refused, or `undefined` when both are fine. */
export type HostCheck = (
  host: string | undefined,
  origin: string | undefined,
) => 'host' | 'origin' | undefined;

/** Host headers whose verdict is kept. */
const REMEMBERED_HOSTS = 32;

export function hostCheck(policy: OriginPolicy): HostCheck {
  const anyHost = policy.allowedHosts.includes('*');
  const hosts = new Set(policy.allowedHosts.map((h) => h.toLowerCase()));
  if (!['0.0.0.0', '::', ''].includes(policy.bindHost)) hosts.add(policy.bindHost.toLowerCase());
  const origins = new Set(policy.allowedOrigins.map((o) => o.toLowerCase().replace(/\/$/, '')));

  const decide = (host: string): boolean => {
    const value = host.toLowerCase();
    const name = value.replace(/:\d+$/, '');
    return isLoopbackName(name) || hosts.has(value) || hosts.has(name);
  };
  // A client sends the same Host on every request: its verdict is remembered (a few, so that no one can grow it).
  const verdicts = new Map<string, boolean>();
  const hostAllowed = (host: string | undefined): boolean => {
    if (anyHost) return true;
    if (!host) return false;
    let verdict = verdicts.get(host);
    if (verdict === undefined) {
      if (verdicts.size >= REMEMBERED_HOSTS) verdicts.clear();
      verdicts.set(host, (verdict = decide(host)));
    }
    return verdict;
  };

  const originAllowed = (origin: string | undefined): boolean => {
    if (origin === undefined) return true; // not a browser: CLIs and SDK clients send none
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false; // includes "null" and several Origin headers joined by a comma
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    if (origin !== url.origin && origin !== `${url.origin}/`) return false; // a path or credentials: not an origin
    return isLoopbackName(url.hostname) || origins.has(url.origin.toLowerCase());
  };

  return (host, origin) => (!hostAllowed(host) ? 'host' : !originAllowed(origin) ? 'origin' : undefined);
}

export function originGuard(policy: OriginPolicy): MiddlewareHandler {
  const refused = hostCheck(policy);
  return async function checkOrigin(c, next) {
    const why = refused(c.req.header('host'), c.req.header('origin'));
    if (why === 'host') {
      return fail(
        c,
        'forbidden',
        'Forbidden: Host header is not allowed (see allowed_hosts in servers.yaml)',
      );
    }
    if (why === 'origin') {
      return fail(c, 'forbidden', 'Forbidden: Origin is not allowed (see allowed_origins in servers.yaml)');
    }
    await next();
  };
}
