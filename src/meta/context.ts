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
import type { Access } from '../auth/access.js';
import type { CatalogEntry, CatalogTool } from '../catalog/catalog.js';

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

/**
 * Enabled backends and, when there are pipelines, `pipelines`, sorted: the names the meta-tools accept; with a
 * profile, only those it reaches.
 */
export function enabledServers(context: MetaContext, access?: Access): readonly string[] {
  const names = context.pipelines?.size
    ? [...context.registry.enabledNames, PIPELINES_BACKEND].sort()
    : context.registry.enabledNames;
  return access ? names.filter((n) => access.backend(n)) : names;
}

/** The catalog as a profile sees it: a tool it does not allow is as absent as one the backend does not have. */
export type CatalogView = {
  get(server: string): CatalogEntry | undefined;
  find(server: string, tool: string): CatalogTool | undefined;
};

export function catalogView(context: MetaContext, access: Access | undefined): CatalogView {
  const { catalog } = context;
  if (!access?.profile) return catalog;
  return {
    get(server) {
      const entry = access.backend(server) ? catalog.get(server) : undefined;
      return entry && { ...entry, tools: entry.tools.filter((t) => access.tool(server, t.tool.name)) };
    },
    find: (server, tool) => (access.tool(server, tool) ? catalog.find(server, tool) : undefined),
  };
}
