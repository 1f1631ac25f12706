/**
 * @module modern-backend: how a request reaches a 2026-07-28 backend: one stateless POST per request, to the backend's
 * URL with the headers a connection of this caller would carry (configured, or the client's own with
 * `forward_authorization`). Nothing is held between requests. `relay` hands back the backend's response unread (a
 * modern client's request passed through); `request` reads the answer (the gateway's own requests for a legacy
 * client).
 */
import { MODERN_VERSION, postModern, requestModern, type ModernAnswer } from '../backends/modern-http.js';
import { GatewayError } from '../errors.js';
import type { ConnectionCredential, Registry } from '../registry/registry.js';

export { MODERN_VERSION, type ModernAnswer };

interface ModernBackendRequest {
  id: string | number;
  method: string;
  params: Record<string, unknown>;
}

export function relayToModern(
  registry: Pick<Registry, 'modernTarget'>,
  name: string,
  credential: ConnectionCredential | undefined,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<Response> {
  return postModern(target(registry, name, credential), body, headers, signal);
}

export function requestModernBackend(
  registry: Pick<Registry, 'modernTarget'>,
  name: string,
  credential: ConnectionCredential | undefined,
  message: ModernBackendRequest,
  options: { signal?: AbortSignal; onNotification?: (message: { method: string; params?: unknown }) => void },
): Promise<ModernAnswer> {
  return requestModern(target(registry, name, credential), message, options);
}

function target(registry: Pick<Registry, 'modernTarget'>, name: string, credential?: ConnectionCredential) {
  const found = registry.modernTarget(name, credential);
  if (!found)
    throw new GatewayError('backend_unavailable', `backend "${name}" is not a Streamable HTTP backend`);
  return found;
}
