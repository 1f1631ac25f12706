/**
 * @module config/pipeline-schema — the zod schema of `pipelines:` in servers.yaml: named tools whose steps call
 * backends' tools. What one entry may say is checked here; what spans entries (servers, references between steps,
 * cycles) in pipeline-checks.ts, where the backends are known.
 */
import { z } from 'zod';
import { BACKEND_NAME_PATTERN, fromDigits, fromNull, type IssueParams } from './names.js';

/** A pipeline is an MCP tool: its name follows the tool-name rules and must also survive in `pipelines/<name>`. */
export const PIPELINE_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;
/** A step id is read in expressions as `steps.<id>`: a JSONata name without quoting (`-` would be a minus). */
export const STEP_ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** `server/tool`: a backend name (or `pipelines`), a slash, the tool's name. */
export const CALL_PATTERN = new RegExp(`^(${BACKEND_NAME_PATTERN.source.slice(1, -1)})/(\\S+)$`);
export const ON_ERROR = ['stop', 'continue'] as const;

const STEP_SHAPE = {
  id: z.string().regex(STEP_ID_PATTERN, {
    message: `must match ${STEP_ID_PATTERN.source}: expressions read it as steps.<id>`,
  }),
  call: z.string().regex(CALL_PATTERN, {
    message: 'must be server/tool: a backend name (or "pipelines"), a slash and the tool name',
  }),
  /** Any JSON; strings of the form `{% … %}` are expressions (pipeline-expressions.ts). */
  arguments: z.unknown(),
  timeout: z.preprocess(
    fromDigits,
    z.number().min(1).max(600).refine(Number.isSafeInteger, { message: 'must be a whole number' }),
  ),
  on_error: z.enum(ON_ERROR),
};

/** A step on its own; inside `parallel:`, where another group would mean nothing, this is all there is. */
export const PipelineStepSchema = z
  .strictObject({
    ...STEP_SHAPE,
    id: STEP_SHAPE.id.optional(),
    call: STEP_SHAPE.call.optional(),
    arguments: STEP_SHAPE.arguments.optional(),
    timeout: STEP_SHAPE.timeout.optional(),
    on_error: STEP_SHAPE.on_error.optional(),
  })
  .superRefine(requireIdAndCall, { when: () => true });

const STAGE_SHAPE = {
  ...PipelineStepSchema.shape,
  parallel: z.preprocess(fromNull, z.array(PipelineStepSchema).min(1).optional()),
};

/** An entry of `steps:`: a step, or `parallel: [ …steps ]`. */
const PipelineStageSchema = z.strictObject(STAGE_SHAPE).superRefine(
  (entry, ctx) => {
    if (entry === null || typeof entry !== 'object') return;
    if (entry.parallel === undefined) return requireIdAndCall(entry, ctx);
    for (const key of Object.keys(entry)) {
      if (key === 'parallel') continue;
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: 'a parallel group has only "parallel:"; put this on its steps',
        params: { at: 'key' } satisfies IssueParams,
      });
    }
  },
  { when: () => true },
);

function requireIdAndCall(entry: unknown, ctx: z.RefinementCtx): void {
  if (entry === null || typeof entry !== 'object') return;
  for (const key of ['id', 'call'] as const) {
    if ((entry as Record<string, unknown>)[key] !== undefined) continue;
    ctx.addIssue({
      code: 'custom',
      path: [],
      message: key === 'id' ? 'a step needs an id' : 'a step needs call: server/tool',
      params: { at: 'key' } satisfies IssueParams,
    });
  }
}

const inputSchema = z.preprocess(
  fromNull,
  z
    .record(z.string(), z.unknown())
    .refine((schema) => schema.type === 'object', {
      message: 'must be a JSON Schema of an object (type: object), as MCP requires of a tool input',
    })
    .optional(),
);

export const PIPELINE_SHAPE = {
  description: z.string().min(1),
  input: inputSchema,
  steps: z.array(PipelineStageSchema).min(1),
  output: z.unknown().optional(),
};

export const PipelineEntrySchema = z.strictObject(PIPELINE_SHAPE);

export const PIPELINE_KEYS: readonly string[] = Object.keys(PIPELINE_SHAPE);
export const STEP_KEYS: readonly string[] = [...Object.keys(STEP_SHAPE), 'parallel'];

export type PipelineEntry = z.output<typeof PipelineEntrySchema>;
