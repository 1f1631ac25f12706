/**
 * @module registrations: what the admin API changed, kept in the state directory so that it outlives the gateway:
 * the backends it added (as their `servers.yaml` keys, `${VAR}` references unexpanded) and the backends it enabled
 * or disabled. With replicas (`state.store: redis`) the same document is shared through Redis as well
 * (shared-registrations.ts); the file keeps this replica's last copy.
 */
import { isObject } from '../json-rpc.js';
import type { SnapshotStore } from '../store/snapshot-file.js';

export interface Registrations {
  /** Backends added through the API, by name: the keys of a `servers.yaml` backend. */
  servers: Record<string, Record<string, unknown>>;
  /** `enabled` set through the API, by backend name (file or API), over what the definition says. */
  enabled: Record<string, boolean>;
}

export interface RegistrationStore {
  read(): Registrations;
  /** Writes the registrations and resolves once they are on disk (and shared, with replicas). */
  write(registrations: Registrations): Promise<void>;
  /** Keeps another replica's registrations on disk, without sharing them again. */
  keep(registrations: Registrations): Promise<void>;
}

/** The registrations a stored document holds; anything of another shape is left out. */
export function parseRegistrations(file: unknown): Registrations {
  const registrations: Registrations = { servers: {}, enabled: {} };
  if (!isObject(file) || file.version !== 1) return registrations;
  if (isObject(file.servers))
    for (const [name, entry] of Object.entries(file.servers))
      if (isObject(entry)) registrations.servers[name] = entry;
  if (isObject(file.enabled))
    for (const [name, on] of Object.entries(file.enabled))
      if (typeof on === 'boolean') registrations.enabled[name] = on;
  return registrations;
}

export function registrationStore(store: SnapshotStore): RegistrationStore {
  return {
    read() {
      return parseRegistrations(store.load());
    },
    async write(registrations) {
      store.save({ version: 1, ...registrations });
      await store.flush();
    },
    async keep(registrations) {
      store.save({ version: 1, ...registrations });
      await store.flush();
    },
  };
}
