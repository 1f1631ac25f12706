/**
 * @module pipelines: the configured pipelines as the tools of the virtual backend `pipelines`: their definitions for
 * tools/list and the catalog, and their runs. A run belongs to a client session: its steps are calls through that
 * session's links to the backends (session/session-backends.ts), so timeouts, cancellation, the backends' requests
 * to the client and the call metrics are those of any call the session makes.
 */
import type { CallToolResult, ProgressToken, Tool } from '@modelcontextprotocol/sdk/types.js';
import { CfWorkerJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/cfworker';
import type { JsonSchemaType, JsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { PIPELINES_BACKEND, type PipelineConfig, type PipelineStep } from '../config/index.js';
import type { Logger } from '../log.js';
import type { CallMetrics } from '../metrics/metrics.js';
import type { CallRoute } from '../metrics/labels.js';
import type { CallContext } from '../session/forward.js';
import type { SessionBackends } from '../session/session-backends.js';
import { runPipeline, type CompiledPipeline } from './run-pipeline.js';
import type { StepCaller } from './run-step.js';
import { compileTemplate } from './templates.js';

export { PIPELINES_BACKEND };

/** What /mcp's gateway_list_servers says of the virtual backend. */
export const PIPELINES_DESCRIPTION =
  "Pipelines declared in the gateway's servers.yaml: each tool runs several tools of other servers in steps.";

export interface PipelinesDeps {
  log: Logger;
  /** Hard cap of one step's call, whatever its timeout says. */
  maxTotalMs: number;
  metrics?: CallMetrics | undefined;
}

/** One run: the caller's session, its call, the endpoint it came through. */
export interface PipelineCall {
  backends: SessionBackends;
  call: CallContext;
  progressToken?: ProgressToken | undefined;
  route: CallRoute;
}

interface Entry {
  compiled: CompiledPipeline;
  tool: Tool;
  validate: JsonSchemaValidator<unknown> | undefined;
}

export class Pipelines {
  private readonly entries = new Map<string, Entry>();

  constructor(
    configs: Record<string, PipelineConfig>,
    private readonly deps: PipelinesDeps,
  ) {
    const validators = new CfWorkerJsonSchemaValidator({ shortcircuit: false, draft: '2020-12' });
    for (const name of Object.keys(configs).sort()) {
      const config = configs[name]!;
      let validate: JsonSchemaValidator<unknown> | undefined;
      try {
        validate = validators.getValidator(config.input as JsonSchemaType);
      } catch {
        // A schema the validator cannot compile: the steps' backends still check what reaches them.
        validate = undefined;
      }
      this.entries.set(name, {
        compiled: {
          config,
          stages: config.stages.map((stage) => ({
            parallel: stage.parallel,
            steps: stage.steps.map((step) => ({ config: step, arguments: compileTemplate(step.arguments) })),
          })),
          output: config.output === undefined ? undefined : compileTemplate(config.output),
        },
        tool: { name, description: config.description, inputSchema: config.input as Tool['inputSchema'] },
        validate,
      });
    }
  }

  get size(): number {
    return this.entries.size;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The tools, sorted by name: the same list on every call. */
  tools(): Tool[] {
    return [...this.entries.values()].map((entry) => entry.tool);
  }

  /** Runs pipeline `name`; every failure is a result (isError) naming it, never a throw. */
  async run(name: string, args: Record<string, unknown>, run: PipelineCall): Promise<CallToolResult> {
    const entry = this.entries.get(name);
    if (!entry) {
      return failure(
        `unknown pipeline "${name}"; the pipelines are: ${[...this.entries.keys()].join(', ') || 'none'}`,
      );
    }
    const checked = entry.validate?.(args);
    if (checked && !checked.valid) {
      return failure(
        `arguments do not match the input schema of pipeline "${name}": ${checked.errorMessage}. ` +
          `Expected: ${JSON.stringify(entry.tool.inputSchema)}`,
      );
    }
    const log = this.deps.log.child({ pipeline: name });
    const caller: StepCaller = (step, stepArgs, call) => this.callStep(step, stepArgs, call, run, log);
    return runPipeline(entry.compiled, args, caller, run.call, run.progressToken);
  }

  private async callStep(
    step: PipelineStep,
    args: Record<string, unknown>,
    call: CallContext,
    run: PipelineCall,
    log: Logger,
  ): Promise<CallToolResult> {
    // The config check refused cycles, so a pipeline calling another ends.
    if (step.server === PIPELINES_BACKEND)
      return this.run(step.tool, args, { ...run, call, progressToken: undefined });
    const timeoutMs = Math.min(step.timeout * 1000, this.deps.maxTotalMs);
    const result = await run.backends.call(
      { method: 'tools/call', params: { name: step.tool, arguments: args } },
      call,
      {
        timeoutMs,
        maxTotalMs: timeoutMs,
        log: log.child({ backend: step.server, step: step.id }),
        route: run.route,
        backend: step.server,
        metrics: this.deps.metrics,
      },
    );
    return result as CallToolResult;
  }
}

function failure(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], structuredContent: { error: message }, isError: true };
}
