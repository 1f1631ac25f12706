/**
 * @module shared-registrations: the admin API's changes on every replica (`state.store: redis`). A change made on one
 * replica is written as a new version of one shared document and announced; the others apply it (as a reload
 * would, registry.apply) when they hear of it, or, since an announcement can be lost, when they find a newer
 * version by comparing every `pollMs`. A replica starting finds the current document before it serves.
 */
import type { Logger } from '../log.js';
import type { SharedDocs } from '../store/shared-docs.js';
import { parseRegistrations, type Registrations, type RegistrationStore } from './registrations.js';

const NAME = 'all';

export interface SharedRegistrations {
  /** The store the runtime writes through: the local file, then the shared document. */
  store: RegistrationStore;
  /** The shared registrations when Redis has any (undefined: none yet, or Redis away). */
  current(): Promise<Registrations | undefined>;
  /** Starts following the other replicas' changes; `adopt` applies one. */
  follow(adopt: (registrations: Registrations) => Promise<void>): void;
  stop(): void;
}

export function shareRegistrations(
  local: RegistrationStore,
  docs: SharedDocs,
  log: Logger,
  pollMs = 500,
): SharedRegistrations {
  let seen = 0;
  let poller: NodeJS.Timeout | undefined;
  let adopt: ((registrations: Registrations) => Promise<void>) | undefined;
  let checking: Promise<void> | undefined;

  async function check(): Promise<void> {
    const versions = await docs.versions([NAME]);
    if (!versions || !adopt) return;
    const [version = 0] = versions;
    if (version === 0) {
      // Redis lost them (restarted empty), or had none when this replica started without it: this replica's copy
      // is shared (again), as a first replica's is at its start.
      const mine = local.read();
      if (seen === 0 && Object.keys(mine.servers).length + Object.keys(mine.enabled).length === 0) return;
      seen = 0;
      const again = await docs.put(NAME, { version: 1, ...mine });
      if (again !== undefined) seen = again;
      return;
    }
    if (version <= seen) return;
    const doc = await docs.get(NAME);
    if (!doc || doc.version <= seen) return;
    seen = doc.version;
    log.info({ version: doc.version }, 'registrations changed on another replica; applying');
    await adopt(parseRegistrations(doc.value));
  }

  /** One check at a time: an announcement and the poll arriving together apply a version once. */
  function checkSoon(): void {
    checking ??= check()
      .catch((error: unknown) => log.warn({ err: String(error) }, 'shared registrations: check failed'))
      .finally(() => (checking = undefined));
  }

  return {
    store: {
      read: () => local.read(),
      keep: (registrations) => local.keep(registrations),
      async write(registrations) {
        await local.write(registrations);
        const version = await docs.put(NAME, { version: 1, ...registrations });
        if (version !== undefined) seen = Math.max(seen, version);
        else log.warn('shared registrations: redis unreachable; the change holds on this replica only');
      },
    },
    async current() {
      const doc = await docs.get(NAME);
      if (!doc) return undefined;
      seen = Math.max(seen, doc.version);
      return parseRegistrations(doc.value);
    },
    follow(apply) {
      adopt = apply;
      docs.onChange((name, version) => {
        if (name === NAME && version > seen) checkSoon();
      });
      docs.onRecover(checkSoon);
      poller = setInterval(checkSoon, pollMs);
      poller.unref();
    },
    stop() {
      clearInterval(poller);
      poller = undefined;
    },
  };
}
