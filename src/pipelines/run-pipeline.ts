/**
 * @module run-pipeline: a pipeline's stages in order, the steps of a parallel group at the same time. After each
 * stage, a failed step with `on_error: stop` ends the run (its group's other steps are let finish: their results
 * are part of the answer); `continue` lets later steps run and read the failure. Cancelling the pipeline's call
 * cancels every step in flight. The answer says what each step returned or why it failed, and what the pipeline
 * returns.
 */
import type { CallToolResult, ProgressToken } from '@modelcontextprotocol/sdk/types.js';
import type { Cancellation } from '../cancellation.js';
import type { PipelineConfig } from '../config/index.js';
import { errorMessage } from '../errors.js';
import type { CallContext } from '../session/forward.js';
import { runStep, stepValue, type CompiledStep, type StepCaller, type StepReport } from './run-step.js';
import type { Scope, Template } from './templates.js';

export interface CompiledPipeline {
  config: PipelineConfig;
  stages: Array<{ parallel: boolean; steps: CompiledStep[] }>;
  output: Template | undefined;
}

export type PipelineStatus = 'ok' | 'failed' | 'cancelled';

export async function runPipeline(
  pipeline: CompiledPipeline,
  input: Record<string, unknown>,
  caller: StepCaller,
  call: CallContext,
  progressToken: ProgressToken | undefined,
): Promise<CallToolResult> {
  const scope: Scope = { input, steps: {} };
  const reports: StepReport[] = [];
  const total = pipeline.stages.reduce((n, stage) => n + stage.steps.length, 0);
  const running = new Set<Cancellation>();
  // One listener on the call's cancellation (it takes one), reaching every step in flight.
  const stopListening = call.cancellation.onCancel((reason) => {
    for (const step of running) step.cancel(reason);
  });
  const inFlight = {
    add(cancellation: Cancellation) {
      running.add(cancellation);
      if (call.cancellation.cancelled) cancellation.cancel(call.cancellation.reason!);
      return () => running.delete(cancellation);
    },
  };
  const report = (step: StepReport) => {
    if (progressToken === undefined) return;
    const detail = step.status === 'ok' ? 'ok' : `${step.status}: ${step.error ?? ''}`;
    call.progress({
      progressToken,
      progress: reports.length,
      total,
      message: `${step.id} (${step.call}): ${detail}`,
    });
  };

  let status: PipelineStatus = 'ok';
  let stoppedBy: string | undefined;
  try {
    for (const stage of pipeline.stages) {
      if (status !== 'ok') {
        for (const step of stage.steps) reports.push(skipped(step));
        continue;
      }
      const finished = await Promise.all(
        stage.steps.map(async (step) => {
          const done = await runStep(step, scope, caller, call, inFlight);
          reports.push(done);
          report(done);
          return done;
        }),
      );
      for (const [i, done] of finished.entries()) {
        scope.steps[done.id] = stepValue(done);
        if (done.status === 'ok' || stage.steps[i]!.config.on_error === 'continue') continue;
        stoppedBy ??= done.id;
      }
      if (call.cancellation.cancelled) status = 'cancelled';
      else if (stoppedBy !== undefined) status = 'failed';
    }
  } finally {
    stopListening();
  }
  // Reported in the pipeline's order, whatever order the steps of a group finished in.
  const order = pipeline.stages.flatMap((stage) => stage.steps.map((s) => s.config.id));
  reports.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));

  let output: unknown = null;
  let outputError: string | undefined;
  if (status === 'ok') {
    try {
      output = pipeline.output ? ((await pipeline.output(scope)) ?? null) : defaultOutput(reports);
    } catch (error) {
      status = 'failed';
      outputError = `the output could not be evaluated: ${errorMessage(error)}`;
    }
  }
  const structured = {
    pipeline: pipeline.config.name,
    status,
    ...(stoppedBy !== undefined ? { stopped_at: stoppedBy } : {}),
    ...(outputError !== undefined ? { error: outputError } : {}),
    output,
    steps: reports,
  };
  return {
    content: [{ type: 'text', text: JSON.stringify(structured) }],
    structuredContent: structured,
    ...(status === 'ok' ? {} : { isError: true }),
  };
}

/** Without `output:`, a pipeline returns each step's value by id: its structuredContent, else its text. */
function defaultOutput(reports: readonly StepReport[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const report of reports) {
    if (report.status !== 'ok') continue;
    const value = stepValue(report);
    out[report.id] = value.structuredContent ?? value.text ?? null;
  }
  return out;
}

function skipped(step: CompiledStep): StepReport {
  const { id, server, tool } = step.config;
  return { id, call: `${server}/${tool}`, status: 'skipped' };
}
