/**
 * @module run-step: one step of a pipeline: its arguments evaluated, its call made within the step's `timeout` (the
 * start of a sleeping backend included), given up at the backend when the time is up or the pipeline is cancelled,
 * and what came of it written down for the result and for later steps' expressions.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Cancellation } from '../cancellation.js';
import type { PipelineStep } from '../config/index.js';
import { GatewayError, errorMessage } from '../errors.js';
import { isObject } from '../json-rpc.js';
import type { CallContext } from '../session/forward.js';
import type { Scope, StepValue, Template } from './templates.js';

export interface CompiledStep {
  config: PipelineStep;
  arguments: Template;
}

/** Makes a step's call: to a backend through the session, or to another pipeline. */
export type StepCaller = (
  step: PipelineStep,
  args: Record<string, unknown>,
  call: CallContext,
) => Promise<CallToolResult>;

/** A step in the pipeline's result. */
export interface StepReport {
  id: string;
  call: string;
  status: StepValue['status'] | 'skipped';
  ms?: number;
  arguments?: Record<string, unknown>;
  /** The tool's result as it came, when there was one. */
  result?: CallToolResult;
  error?: string;
}

/** Where a step's cancellation is kept while it runs, so that cancelling the pipeline reaches it. */
export interface InFlight {
  add(cancellation: Cancellation): () => void;
}

export async function runStep(
  step: CompiledStep,
  scope: Scope,
  caller: StepCaller,
  parent: CallContext,
  inFlight: InFlight,
): Promise<StepReport> {
  const { id, server, tool, timeout } = step.config;
  const started = performance.now();
  const done = (fields: Partial<StepReport>): StepReport => ({
    id,
    call: `${server}/${tool}`,
    status: 'failed',
    ms: Math.round(performance.now() - started),
    ...fields,
  });

  let args: unknown;
  try {
    args = await step.arguments(scope);
  } catch (error) {
    return done({ error: `its arguments could not be evaluated: ${errorMessage(error)}` });
  }
  if (!isObject(args)) {
    return done({
      error: `its arguments must evaluate to an object, not ${Array.isArray(args) ? 'a list' : typeof args}`,
    });
  }

  const cancellation = new Cancellation();
  const forget = inFlight.add(cancellation);
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const expired = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      timedOut = true;
      cancellation.cancel(`the step "${id}" timed out after ${timeout} s`);
      resolve(undefined);
    }, timeout * 1000);
  });
  const call: CallContext = {
    requestId: parent.requestId,
    cancellation,
    // The pipeline reports progress per step; a step's own progress is not the caller's.
    progress: () => {},
    httpRequestId: parent.httpRequestId,
  };
  try {
    // The race, not only the cancellation: a backend still starting is not waited for beyond the step's time.
    const result = await Promise.race([caller(step.config, args, call), expired]);
    if (timedOut || result === undefined)
      return done({ status: 'timeout', arguments: args, error: timeoutMessage(step) });
    if (cancellation.cancelled)
      return done({ status: 'cancelled', arguments: args, error: cancellation.reason });
    if (result.isError === true)
      return done({ arguments: args, result, error: textOf(result) || 'the tool reported an error' });
    return done({ status: 'ok', arguments: args, result });
  } catch (error) {
    const code = error instanceof GatewayError ? error.code : undefined;
    if (timedOut || code === 'backend_timeout') {
      return done({ status: 'timeout', arguments: args, error: timeoutMessage(step) });
    }
    if (cancellation.cancelled)
      return done({ status: 'cancelled', arguments: args, error: cancellation.reason });
    return done({ arguments: args, error: errorMessage(error) });
  } finally {
    clearTimeout(timer);
    forget();
  }
}

/** How later expressions see a step that ran. */
export function stepValue(report: StepReport): StepValue {
  const status = report.status === 'skipped' ? 'cancelled' : report.status;
  const result = report.result;
  return {
    status,
    ...(result?.structuredContent !== undefined ? { structuredContent: result.structuredContent } : {}),
    ...(result ? { content: result.content, text: textOf(result), isError: result.isError === true } : {}),
    ...(report.error !== undefined ? { error: report.error } : {}),
  };
}

export function textOf(result: CallToolResult): string {
  return (result.content ?? [])
    .filter((block) => block.type === 'text')
    .map((block) => (block as { text: string }).text)
    .join('\n');
}

function timeoutMessage(step: CompiledStep): string {
  return `no answer from ${step.config.server}/${step.config.tool} within the step's timeout of ${step.config.timeout} s`;
}
