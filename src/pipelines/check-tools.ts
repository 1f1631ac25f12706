/**
 * @module check-tools: what `mcp-gateway check` adds to the config's own checks of pipelines: each step's tool exists
 * on its server, as far as the catalog knows the server (a server not indexed yet is its own judge, at run time).
 */
import type { Catalog } from '../catalog/catalog.js';
import { closest } from '../suggest.js';
import { PIPELINES_BACKEND, type GatewayConfig } from '../config/index.js';

export interface ToolFinding {
  /** The step's `call` in the file. */
  path: Array<string | number>;
  message: string;
}

export function unknownPipelineTools(config: GatewayConfig, catalog: Catalog): ToolFinding[] {
  const findings: ToolFinding[] = [];
  for (const pipeline of Object.values(config.pipelines)) {
    pipeline.stages.forEach((stage, i) => {
      stage.steps.forEach((step, j) => {
        if (step.server === PIPELINES_BACKEND) return;
        const entry = catalog.get(step.server);
        if (!entry || entry.tools.some((t) => t.tool.name === step.tool)) return;
        const names = entry.tools.map((t) => t.tool.name);
        const guess = closest(step.tool, names);
        const path = [
          'pipelines',
          pipeline.name,
          'steps',
          i,
          ...(stage.parallel ? ['parallel', j] : []),
          'call',
        ];
        findings.push({
          path,
          message:
            `server "${step.server}" has no tool "${step.tool}"${guess ? ` (did you mean "${guess}"?)` : ''}; ` +
            `its tools as last read (${entry.indexed_at}): ${names.join(', ')}`,
        });
      });
    });
  }
  return findings;
}
