/**
 * @module fingerprint: what identifies a backend's tool list in the catalog. Two definitions under one name that run
 * a different program, with different arguments or environment, or reach a different URL, may serve different tools:
 * the catalog keys an entry by this hash, so that a changed definition is indexed again. What cannot change the
 * tools (description, timeouts, hibernation, enabled) is left out, so that editing it keeps the entry. Only the hash
 * is written to the state directory: env and header values (often secrets) never are.
 */
import { createHash } from 'node:crypto';
import type { BackendConfig } from '../config/index.js';
import { stableJson } from '../stable-json.js';

export function backendFingerprint(backend: BackendConfig): string {
  const defining =
    backend.transport === 'stdio'
      ? {
          transport: backend.transport,
          command: backend.command,
          args: backend.args,
          env: backend.env,
          cwd: backend.cwd,
        }
      : { transport: backend.transport, url: backend.url, headers: backend.headers };
  return createHash('sha256').update(stableJson(defining)).digest('hex').slice(0, 32);
}
