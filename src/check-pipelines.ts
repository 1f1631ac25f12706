/**
 * @module check-pipelines: `mcp-gateway check`'s look at the catalog in the state directory for the tools that the
 * pipelines call (pipelines/check-tools.ts), each problem as `FILE:LINE:COL path: message` like the config's own.
 */
import { join } from 'node:path';
import { Catalog } from './catalog/catalog.js';
import { formatPath, PIPELINES_BACKEND, type LoadedConfig } from './config/index.js';
import { silentLogger } from './log.js';
import { unknownPipelineTools } from './pipelines/check-tools.js';
import { snapshotFile } from './store/snapshot-file.js';
import { CATALOG_FILE } from './gateway-core.js';

export function checkPipelineTools(loaded: LoadedConfig): string[] {
  const { config } = loaded;
  if (Object.keys(config.pipelines).length === 0) return [];
  const servers = new Map(Object.values(config.backends).map((b) => [b.name, b.description]));
  servers.delete(PIPELINES_BACKEND);
  const catalog = new Catalog(snapshotFile(join(config.state_dir, CATALOG_FILE), silentLogger()), servers);
  catalog.load();
  return unknownPipelineTools(config, catalog).map(
    (finding) => `${loaded.where(finding.path)} ${formatPath(finding.path)}: ${finding.message}`,
  );
}
