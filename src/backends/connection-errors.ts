/**
 * @module connection-errors: what a transport failure means for the caller, decided once. Every failure to reach a
 * backend is "backend unavailable" (retryable, the backend's fault, never the caller's); a backend that no longer
 * knows the session is told apart, since the request that learned it may be sent again on a new session.
 */
import { GatewayError, errorMessage } from '../errors.js';
import { HttpStatusError } from './http-client.js';

export function unavailable(backend: string, reason: string): GatewayError {
  return new GatewayError('backend_unavailable', `backend "${backend}" is unavailable: ${reason}`, {
    backend,
    retryable: true,
  });
}

/**
 * An HTTP backend's answer for a session it does not know: 404 per the spec; some servers (server-everything among
 * them) answer 400 with a message about the session instead. Our HTTP client reports the status as a field; the
 * SDK's SSE client only in its message ("… (HTTP 404): …"), so that is read there, here and nowhere else.
 */
export function isSessionGone(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status =
    error instanceof HttpStatusError ? error.status : Number(/\(HTTP (\d{3})\)/.exec(error.message)?.[1]);
  return status === 404 || (status === 400 && /session/i.test(error.message));
}

/** A short cause for a transport failure, without the SDK's "MCP error N: " prefix; its cause added if it has one. */
export function describeFailure(error: unknown): string {
  const message = errorMessage(error).replace(/^MCP error -?\d+: /, '');
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  return cause && !message.includes(cause) ? `${message} (${cause})` : message;
}
