/**
 * @module templates: a pipeline's `arguments` and `output`, compiled once: literal values stay as they are, each
 * `{% … %}` string becomes its JSONata expression, evaluated against `{ input, steps }` when the step runs. The
 * config check has already parsed every expression and checked what it reads.
 */
import { expressionSource, loadJsonata } from '../config/index.js';

/** What expressions read: the pipeline's arguments and the values of the steps finished so far. */
export interface Scope {
  input: Record<string, unknown>;
  steps: Record<string, StepValue>;
}

/** A finished step as expressions see it (`steps.<id>.structuredContent`, `steps.<id>.text`, …). */
export interface StepValue {
  status: 'ok' | 'failed' | 'timeout' | 'cancelled';
  structuredContent?: unknown;
  content?: unknown[];
  /** The text blocks of the result, joined: for tools that answer in text (`$eval(steps.x.text)` parses JSON). */
  text?: string;
  isError?: boolean;
  /** Why it failed. */
  error?: string;
}

export type Template = (scope: Scope) => Promise<unknown>;

/**
 * Bounds on one evaluation: expressions come from the config, but the data they walk come from callers and
 * backends, and the event loop serves every session.
 */
const LIMITS = { timeout: 1_000, stack: 200 };

export function compileTemplate(value: unknown): Template {
  const source = expressionSource(value);
  if (source !== undefined) {
    const expression = loadJsonata()(source, LIMITS);
    return async (scope) => plain(await expression.evaluate(scope));
  }
  if (Array.isArray(value)) {
    const items = value.map(compileTemplate);
    return async (scope) => Promise.all(items.map((item) => item(scope)));
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([key, item]) => [key, compileTemplate(item)] as const);
    return async (scope) => {
      const out: Record<string, unknown> = {};
      // An expression that matches nothing leaves its key out (JSON has no undefined).
      for (const [key, item] of entries) {
        const result = await item(scope);
        if (result !== undefined) out[key] = result;
      }
      return out;
    };
  }
  return () => Promise.resolve(value);
}

/**
 * JSONata's results carry markers of its own (sequence arrays with extra properties, functions): a JSON copy is
 * what a backend gets anyway, and what the result shows.
 */
function plain(value: unknown): unknown {
  if (value === undefined || typeof value === 'function') return undefined;
  return JSON.parse(JSON.stringify(value)) as unknown;
}
