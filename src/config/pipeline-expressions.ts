/**
 * @module config/pipeline-expressions — the expressions inside a pipeline's `arguments` and `output`: where they are
 * and what they refer to. An expression is a whole string `{% … %}` holding JSONata (the convention of AWS Step
 * Functions' JSONata mode); every other value is literal. Analysis only: the pipelines module compiles and runs them.
 */
import { loadJsonata } from './jsonata.js';
import type { PathSegment } from './env.js';

/** Expressions see one document: `input` (the pipeline's arguments) and `steps` (earlier steps' results by id). */
export const EXPRESSION_ROOTS = ['input', 'steps'] as const;

const EXPRESSION = /^\s*\{%([^]*)%\}\s*$/;

/** The JSONata source of a `{% … %}` string; undefined for any other value (a literal). */
export function expressionSource(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = EXPRESSION.exec(value);
  return match ? match[1]! : undefined;
}

/** Every expression in a template (a value of `arguments` or `output`), with its path inside the template. */
export function templateExpressions(
  value: unknown,
  path: PathSegment[] = [],
): Array<{ path: PathSegment[]; source: string }> {
  const source = expressionSource(value);
  if (source !== undefined) return [{ path, source }];
  if (Array.isArray(value)) return value.flatMap((item, i) => templateExpressions(item, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => templateExpressions(item, [...path, key]));
  }
  return [];
}

export type ExpressionAnalysis =
  | {
      ok: true;
      /** Names the expression reads at the top of the document (`input`, `steps`, or a mistake). */
      roots: string[];
      /** Step ids it reads as `steps.<id>`. */
      steps: string[];
    }
  | { ok: false; message: string };

interface Node {
  type?: string;
  value?: unknown;
  steps?: Node[];
  [key: string]: unknown;
}

/** Parses the expression and lists the names it reads from the document's top; a syntax error is a message. */
export function analyzeExpression(source: string): ExpressionAnalysis {
  const jsonata = loadJsonata();
  let ast: Node;
  try {
    ast = jsonata(source).ast() as Node;
  } catch (error) {
    const { message, position } = error as { message: string; position?: number };
    return { ok: false, message: `${message}${position !== undefined ? ` (at character ${position})` : ''}` };
  }
  const roots = new Set<string>();
  const steps = new Set<string>();

  const reference = (names: readonly Node[]) => {
    const [root, id] = names;
    if (root?.type !== 'name' || typeof root.value !== 'string') return;
    roots.add(root.value);
    if (root.value === 'steps' && id?.type === 'name' && typeof id.value === 'string') steps.add(id.value);
  };

  // `atTop`: whether a bare name here is read from the document itself. Inside a filter, a block after a path step
  // or a function's body, names are read from whatever the context is there: not references.
  const visit = (node: unknown, atTop: boolean): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, atTop);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const n = node as Node;
    if (n.type === 'path' && Array.isArray(n.steps)) {
      const [first] = n.steps;
      // `$$` is the document wherever it appears; `$` only where the context is the document.
      const rootVariable =
        first?.type === 'variable' && (first.value === '$' || (first.value === '' && atTop));
      if (rootVariable) reference(n.steps.slice(1));
      else if (atTop) reference(n.steps);
      n.steps.forEach((step, i) => {
        const { type, value: _value, ...children } = step;
        // A name step is done; its filters and stages are relative. The first step of another kind keeps the context.
        visit(type === 'name' ? children : step, atTop && i === 0 && type !== 'name');
      });
      return;
    }
    if (n.type === 'name' && atTop && typeof n.value === 'string') reference([n]);
    for (const [key, child] of Object.entries(n)) {
      if (key === 'type' || key === 'value' || key === 'position') continue;
      visit(child, atTop && n.type !== 'lambda');
    }
  };
  visit(ast, true);
  return { ok: true, roots: [...roots], steps: [...steps] };
}
