/**
 * @module effective-backends: the backends the gateway serves: the file's, then those the admin API added (a name the
 * file defines stays the file's), each with `enabled` as the API last set it.
 */
import type { BackendConfig, GatewayConfig } from '../config/index.js';
import type { Logger } from '../log.js';
import { validateEntries } from './backend-entries.js';
import type { Registrations } from './registrations.js';

export type BackendSource = 'file' | 'api';

export interface EffectiveBackends {
  backends: Record<string, BackendConfig>;
  /** Values no client may read that the API's backends brought. */
  secrets: string[];
  sources: Map<string, BackendSource>;
}

export function effectiveBackends(
  file: GatewayConfig,
  registrations: Registrations,
  configDir: string,
  log: Logger,
): EffectiveBackends {
  const backends: Record<string, BackendConfig> = { ...file.backends };
  const sources = new Map<string, BackendSource>(Object.keys(backends).map((name) => [name, 'file']));
  const secrets: string[] = [];
  for (const [name, entry] of Object.entries(registrations.servers)) {
    if (sources.has(name)) {
      log.warn(
        { backend: name },
        'a backend added through the admin API is now defined in the file; the file wins',
      );
      continue;
    }
    // One at a time: a registration that no longer validates (a variable gone) must not take the others with it.
    const valid = validateEntries({ [name]: entry }, configDir);
    if (!valid.ok) {
      log.error(
        { backend: name, problems: valid.problems },
        'a backend added through the admin API is invalid now; skipped',
      );
      continue;
    }
    backends[name] = valid.backends[name]!;
    secrets.push(...valid.secrets);
    sources.set(name, 'api');
  }
  for (const [name, enabled] of Object.entries(registrations.enabled)) {
    const backend = backends[name];
    if (backend) backends[name] = { ...backend, enabled };
  }
  return { backends, secrets, sources };
}
