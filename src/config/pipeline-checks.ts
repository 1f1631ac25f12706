/**
 * @module config/pipeline-checks — what a pipeline says about the rest of the file: each step calls a configured
 * backend (or another pipeline, without a cycle), and each expression parses and reads only the pipeline's input and
 * steps that have finished before it runs. Runs even when other parts failed, so it reads the file defensively.
 */
import type { z } from 'zod';
import { closest } from '../suggest.js';
import { PIPELINES_BACKEND, type IssueParams } from './names.js';
import { analyzeExpression, EXPRESSION_ROOTS, templateExpressions } from './pipeline-expressions.js';
import { CALL_PATTERN, PIPELINE_NAME_PATTERN } from './pipeline-schema.js';
import type { PathSegment } from './env.js';

interface StepAt {
  step: Record<string, unknown>;
  path: PathSegment[];
  /** Index of its entry in `steps:`; the steps of one parallel group share it. */
  stage: number;
}

type Report = (path: PathSegment[], message: string, at?: IssueParams['at']) => void;

export function checkPipelines(file: unknown, ctx: z.RefinementCtx): void {
  if (!isRecord(file) || !isRecord(file.pipelines)) return;
  const report: Report = (path, message, at = 'value') =>
    ctx.addIssue({ code: 'custom', path, message, params: { at } satisfies IssueParams });
  const backends = isRecord(file.backends) ? Object.keys(file.backends) : [];
  const pipelines = file.pipelines;
  const calls = new Map<string, Array<{ target: string; path: PathSegment[] }>>();

  for (const [name, entry] of Object.entries(pipelines)) {
    const at: PathSegment[] = ['pipelines', name];
    if (!PIPELINE_NAME_PATTERN.test(name)) {
      report(at, `pipeline name must match ${PIPELINE_NAME_PATTERN.source}: it is a tool name`, 'key');
    }
    if (!isRecord(entry)) continue;
    const steps = stepsOf(entry.steps, at);
    const ids = new Map<string, StepAt>();
    for (const s of steps) {
      const id = s.step.id;
      if (typeof id !== 'string') continue;
      if (ids.has(id)) report([...s.path, 'id'], `step id "${id}" is used twice in this pipeline`);
      else ids.set(id, s);
    }
    const own: Array<{ target: string; path: PathSegment[] }> = [];
    for (const s of steps) {
      const target = checkCall(s, backends, pipelines, report);
      if (target !== undefined) own.push({ target, path: [...s.path, 'call'] });
      checkReferences(s.step.arguments, [...s.path, 'arguments'], ids, s, report);
    }
    calls.set(name, own);
    checkReferences(entry.output, [...at, 'output'], ids, undefined, report);
  }
  checkCycles(calls, report);
}

/** Every step of the pipeline in order, the steps of a parallel group with their group's index. */
function stepsOf(stages: unknown, at: PathSegment[]): StepAt[] {
  if (!Array.isArray(stages)) return [];
  const out: StepAt[] = [];
  stages.forEach((stage, i) => {
    if (!isRecord(stage)) return;
    const path = [...at, 'steps', i];
    if (Array.isArray(stage.parallel)) {
      stage.parallel.forEach((step, j) => {
        if (isRecord(step)) out.push({ step, path: [...path, 'parallel', j], stage: i });
      });
    } else out.push({ step: stage, path, stage: i });
  });
  return out;
}

/** The called pipeline's name when the step calls one; reports a server or pipeline that does not exist. */
function checkCall(
  s: StepAt,
  backends: readonly string[],
  pipelines: Record<string, unknown>,
  report: Report,
): string | undefined {
  const match = typeof s.step.call === 'string' ? CALL_PATTERN.exec(s.step.call) : null;
  if (!match) return undefined;
  const [, server, tool] = match as unknown as [string, string, string];
  const path = [...s.path, 'call'];
  if (server === PIPELINES_BACKEND) {
    if (Object.hasOwn(pipelines, tool)) return tool;
    const guess = closest(tool, Object.keys(pipelines));
    report(path, `no pipeline "${tool}"${guess ? ` (did you mean "${guess}"?)` : ''}`);
    return undefined;
  }
  if (!backends.includes(server)) {
    const guess = closest(server, backends);
    const known = backends.length ? `; known: ${backends.join(', ')}` : '; no backends are configured';
    report(path, `unknown server "${server}"${guess ? ` (did you mean "${guess}"?)` : ''}${known}`);
  }
  return undefined;
}

/**
 * Each expression in `template` must parse and read only `input` and steps that are finished when it runs: for a
 * step (`self`), those of earlier entries of `steps:`; for the output, any step.
 */
function checkReferences(
  template: unknown,
  path: PathSegment[],
  ids: ReadonlyMap<string, StepAt>,
  self: StepAt | undefined,
  report: Report,
): void {
  for (const { path: inner, source } of templateExpressions(template)) {
    const where = [...path, ...inner];
    const analysis = analyzeExpression(source);
    if (!analysis.ok) {
      report(where, `expression does not parse: ${analysis.message}`);
      continue;
    }
    for (const root of analysis.roots) {
      if ((EXPRESSION_ROOTS as readonly string[]).includes(root)) continue;
      report(
        where,
        `expression reads "${root}", which is not there: expressions read input.<name> (the pipeline's ` +
          'arguments) and steps.<id> (the result of an earlier step)',
      );
    }
    for (const id of analysis.steps) {
      const target = ids.get(id);
      if (!target) {
        const guess = closest(id, [...ids.keys()]);
        report(
          where,
          `expression reads steps.${id}, but no step has that id${guess ? ` (did you mean "${guess}"?)` : ''}`,
        );
      } else if (self && target === self) {
        report(where, `expression reads steps.${id}, its own step: a step can read only the steps before it`);
      } else if (self && target.stage === self.stage) {
        report(where, `expression reads steps.${id}, which runs at the same time (the same parallel group)`);
      } else if (self && target.stage > self.stage) {
        report(
          where,
          `expression reads steps.${id}, which runs later: a step can read only the steps before it`,
        );
      }
    }
  }
}

/** A pipeline that calls itself, directly or through others, would never end. */
function checkCycles(
  calls: ReadonlyMap<string, Array<{ target: string; path: PathSegment[] }>>,
  report: Report,
) {
  const reported = new Set<string>();
  const visit = (name: string, trail: string[]): void => {
    for (const { target, path } of calls.get(name) ?? []) {
      if (trail.includes(target)) {
        // Told from the pipeline of the step: a → b → a.
        const loop = trail.slice(trail.indexOf(target));
        const cycle = [name, ...loop.slice(0, -1), name];
        const key = JSON.stringify(path);
        if (!reported.has(key)) report(path, `pipelines call each other in a cycle: ${cycle.join(' → ')}`);
        reported.add(key);
        continue;
      }
      visit(target, [...trail, target]);
    }
  };
  for (const name of calls.keys()) visit(name, [name]);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
