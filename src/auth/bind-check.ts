/**
 * @module bind-check: a gateway reachable beyond this machine serves only authenticated callers, unless the config
 * says `auth: none` on purpose. Loopback without auth keeps working as before: only local processes reach it.
 */
import { isIP } from 'node:net';
import type { AuthConfig } from '../config/index.js';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
}

/** Why the gateway must not listen on `host`, or undefined when it may. */
export function bindRefusal(host: string, auth: Pick<AuthConfig, 'mode'>): string | undefined {
  if (auth.mode !== 'off' || isLoopbackHost(host)) return undefined;
  return (
    `refusing to listen on ${host} without authentication: anyone who can reach it could run every backend's ` +
    'tools. Add an auth: section with clients (see README "Authentication and profiles"), listen on 127.0.0.1, ' +
    'or write "auth: none" to serve without authentication on purpose'
  );
}
