/**
 * @module modern-client helper: an SDK v2 client on a gateway URL that settles on the 2026-07-28 revision, as a
 * modern client does (`auto`: a `server/discover` probe first; `pin` skips the probe). Refuses to return a client
 * that fell back to the legacy `initialize`, so no test runs its modern checks on a legacy session by mistake.
 */
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
  type ClientCapabilities,
} from '@modelcontextprotocol/client';

export const MODERN_VERSION = '2026-07-28';

export interface ModernClientOptions {
  /** The client's name in its `_meta` (default `modern-test`). */
  name?: string;
  capabilities?: ClientCapabilities;
  /** Headers on every request (an `Authorization`). */
  headers?: Record<string, string>;
  /** Pin the revision instead of probing for it. */
  pin?: boolean;
  /** Called before connecting (notification handlers). */
  setup?: (client: ModernClient) => void;
}

export async function connectModernClient(
  url: string,
  options: ModernClientOptions = {},
): Promise<ModernClient> {
  const client = new ModernClient(
    { name: options.name ?? 'modern-test', version: '1.0.0' },
    {
      versionNegotiation: { mode: options.pin ? { pin: MODERN_VERSION } : 'auto' },
      ...(options.capabilities ? { capabilities: options.capabilities } : {}),
    },
  );
  options.setup?.(client);
  const transport = new ModernTransport(
    new URL(url),
    options.headers ? { requestInit: { headers: options.headers } } : undefined,
  );
  await client.connect(transport);
  const negotiated = client.getNegotiatedProtocolVersion();
  if (negotiated !== MODERN_VERSION) {
    await client.close();
    throw new Error(`${url}: the client settled on ${String(negotiated)}, not ${MODERN_VERSION}`);
  }
  return client;
}
