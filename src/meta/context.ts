/**
 * @module context: what the meta-tools read and use, handed to each of them.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { SemanticSearch } from '../catalog/semantic-search.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { PIPELINES_BACKEND, type Pipelines } from '../pipelines/pipelines.js';
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
  /** The configured pipelines, the tools of the virtual backend `pipelines`; absent or empty when there are none. */
  pipelines?: Pipelines | undefined;
  /** The semantic ranking fused into search (`search.embeddings`); absent: lexical ranking only. */
  semantic?: SemanticSearch | undefined;
}

/** Enabled backends and, when there are pipelines, `pipelines`, sorted: the names the meta-tools accept. */
export function enabledServers(context: MetaContext): readonly string[] {
  if (!context.pipelines?.size) return context.registry.enabledNames;
  return [...context.registry.enabledNames, PIPELINES_BACKEND].sort();
}
