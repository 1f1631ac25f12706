/**
 * @module backend-eras: which protocol era each backend speaks, learnt once. A Streamable HTTP backend is asked
 * `server/discover` at its first use (modern first: only an answer listing 2026-07-28 makes it modern); stdio and
 * HTTP+SSE backends are legacy (a stdio probe costs a second process, and a silent legacy server would stall every
 * start for the whole probe timeout; HTTP+SSE is the legacy transport itself). The verdict is kept on the backend's
 * catalog entry, under its fingerprint, so that neither the next request nor a restart asks again; a new definition
 * of the backend is asked again. `era: legacy|modern` in the config states the era and skips the question (a stated
 * modern backend is still asked once for its discover answer, which a legacy client's initialize is answered from).
 */
import type { Logger } from '../log.js';
import type { ConnectionCredential, Registry } from '../registry/registry.js';
import type { Catalog, EraVerdict } from './catalog.js';

/** A backend's era, and for a modern one what it answered to `server/discover` (when it could be asked). */
export interface BackendEra {
  era: 'modern' | 'legacy';
  discover?: Record<string, unknown>;
}

/**
 * A legacy verdict is asked again after a day: a backend upgraded to the new revision must not stay bridged through
 * the old one forever. A modern verdict lasts as long as the definition.
 */
const LEGACY_VERDICT_MS = 86_400_000;
/** A backend that could not be asked (down, refusing the credential) is taken as legacy, and asked again after this. */
const UNKNOWN_RETRY_MS = 30_000;

export class BackendEras {
  private readonly asking = new Map<string, Promise<BackendEra>>();
  private readonly unknownUntil = new Map<string, number>();

  constructor(
    private readonly catalog: Catalog,
    private readonly registry: Pick<Registry, 'lookup' | 'probeEra'>,
    private readonly log?: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The backend's era; asks it only when nothing current is known. Never throws for a reachable name. */
  async of(name: string, authorization?: ConnectionCredential): Promise<BackendEra> {
    const config = this.registry.lookup(name);
    if (config.transport !== 'http' || config.era === 'legacy') return { era: 'legacy' };
    const known = this.catalog.eraOf(name);
    if (known && this.current(known, config.era)) return asEra(known, config.era);
    if ((this.unknownUntil.get(name) ?? 0) > this.now()) return { era: config.era ?? 'legacy' };
    let asking = this.asking.get(name);
    if (!asking) {
      asking = this.ask(name, config.era, authorization).finally(() => this.asking.delete(name));
      this.asking.set(name, asking);
    }
    return asking;
  }

  private current(known: EraVerdict, stated: 'modern' | undefined): boolean {
    if (stated === 'modern') return known.era === 'modern';
    return known.era === 'modern' || this.now() - Date.parse(known.probed_at) < LEGACY_VERDICT_MS;
  }

  private async ask(
    name: string,
    stated: 'modern' | undefined,
    authorization: ConnectionCredential | undefined,
  ): Promise<BackendEra> {
    const probe = await this.registry.probeEra(name, authorization);
    const probed_at = new Date(this.now()).toISOString();
    if (probe.era === 'unknown') {
      this.unknownUntil.set(name, this.now() + UNKNOWN_RETRY_MS);
      this.log?.warn({ backend: name, err: probe.reason }, 'could not ask the backend its protocol era');
      return { era: stated ?? 'legacy' };
    }
    this.unknownUntil.delete(name);
    if (probe.era === 'modern') {
      this.catalog.setEra(name, { era: 'modern', discover: probe.discover, probed_at });
      this.log?.info({ backend: name, era: 'modern' }, 'backend protocol era');
      return { era: 'modern', discover: probe.discover };
    }
    // Stated modern but not answering as one: the statement stands (it is not kept as a verdict).
    if (stated === 'modern') {
      this.log?.warn(
        { backend: name, err: probe.reason },
        'backend stated modern does not answer server/discover',
      );
      return { era: 'modern' };
    }
    this.catalog.setEra(name, { era: 'legacy', probed_at });
    this.log?.info({ backend: name, era: 'legacy', reason: probe.reason }, 'backend protocol era');
    return { era: 'legacy' };
  }
}

function asEra(verdict: EraVerdict, stated: 'modern' | undefined): BackendEra {
  const era = stated ?? verdict.era;
  return verdict.discover ? { era, discover: verdict.discover } : { era };
}
