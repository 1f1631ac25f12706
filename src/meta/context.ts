/**
 * @module context: what the meta-tools read and use, handed to each of them.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Registry } from '../registry/registry.js';
import type { ArgumentChecker } from './arguments.js';

export interface MetaContext {
  registry: Registry;
  catalog: Catalog;
  checker: ArgumentChecker;
  log: Logger;
  /** Hard cap of one invoked call, however much progress resets its timeout. */
  maxTotalMs: number;
  metrics?: Pick<Metrics, 'requestDone' | 'metaToolCall' | 'searched'>;
}

/** Enabled backends, sorted: the names the meta-tools accept. */
export function enabledServers(context: MetaContext): readonly string[] {
  return context.registry.enabledNames;
}
