/** @module config/env — ${VAR} and ${VAR:-default} expansion of the parsed YAML values. */

export type PathSegment = string | number;

/** A problem found while expanding, tied to the value it came from. Never holds a variable's value. */
export interface ExpansionProblem {
  path: PathSegment[];
  message: string;
}

export interface ExpandedTree {
  /** A fresh copy of the input with every string value expanded (keys are left alone). */
  value: unknown;
  /** Original text of every string that contained a reference, keyed by `pathKey(path)`. */
  templates: Map<string, string>;
  /** Every non-empty value read from the environment. */
  fromEnv: string[];
  problems: ExpansionProblem[];
}

type ExpandResult =
  { ok: true; value: string; expanded: boolean; fromEnv: string[] } | { ok: false; messages: string[] };

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([^]*))?$/;
// Line breaks would let an environment value smuggle extra header lines or arguments; NUL cannot be passed to exec at all.
const FORBIDDEN = /[\r\n\0]/;

/**
 * Expands one string. Only `${NAME}` and `${NAME:-default}` are special: a lone `$`, `$NAME` and
 * `$$` stay literal, substituted text is never expanded again, and the default is literal text.
 * `:-` follows the shell: the default also applies when the variable is set but empty.
 */
export function expandString(text: string, env: NodeJS.ProcessEnv): ExpandResult {
  let out = '';
  let expanded = false;
  const fromEnv: string[] = [];
  const messages: string[] = [];
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf('${', i);
    if (start < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, start);
    const end = text.indexOf('}', start + 2);
    if (end < 0) {
      messages.push('unterminated "${": write ${NAME} or ${NAME:-default}');
      break;
    }
    const inner = text.slice(start + 2, end);
    const match = REFERENCE.exec(inner);
    i = end + 1;
    expanded = true;
    if (!match || match[2]?.includes('${')) {
      // The reference is config text, not a value, so quoting it helps without leaking anything.
      messages.push(
        match
          ? `nested references are not supported in "\${${inner}}"`
          : `malformed reference "\${${inner}}": write \${NAME} or \${NAME:-default}`,
      );
      continue;
    }
    const name = match[1]!;
    const fallback = match[2];
    const value = env[name];
    let substitute: string;
    if (fallback !== undefined && (value === undefined || value === '')) {
      substitute = fallback;
    } else if (value === undefined) {
      messages.push(`environment variable ${name} is not set (write \${${name}:-default} to give a default)`);
      continue;
    } else {
      substitute = value;
      if (value !== '') fromEnv.push(value);
    }
    if (FORBIDDEN.test(substitute)) {
      messages.push(`the value of ${name} contains a line break or NUL character, which is not allowed`);
      continue;
    }
    out += substitute;
  }
  return messages.length > 0 ? { ok: false, messages } : { ok: true, value: out, expanded, fromEnv };
}

/** Stable key for a path, used to join values, templates and YAML nodes. */
export function pathKey(path: readonly PathSegment[]): string {
  return JSON.stringify(path);
}

/**
 * Expands every string value of a parsed YAML tree. Builds a copy rather than mutating: YAML
 * aliases make one object reachable by two paths, and expanding it twice would expand substituted
 * text — the recursion we promise not to do. A value that fails to expand keeps its template so
 * that schema validation can still report the file's other problems.
 */
export function expandTree(root: unknown, env: NodeJS.ProcessEnv): ExpandedTree {
  const templates = new Map<string, string>();
  const fromEnv: string[] = [];
  const problems: ExpansionProblem[] = [];

  // Objects on the current path: a YAML alias inside its own anchor (`a: &x [*x]`) makes a cycle.
  const ancestors = new Set<object>();

  function walk(value: unknown, path: PathSegment[]): unknown {
    if (typeof value === 'string') {
      const result = expandString(value, env);
      if (!result.ok) {
        for (const message of result.messages) problems.push({ path, message });
        return value;
      }
      if (result.expanded) templates.set(pathKey(path), value);
      fromEnv.push(...result.fromEnv);
      return result.value;
    }
    if (value === null || typeof value !== 'object') return value;
    if (ancestors.has(value)) {
      problems.push({ path, message: 'refers to itself through a YAML alias' });
      return null;
    }
    ancestors.add(value);
    try {
      if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
      // fromEntries defines own properties, so a "__proto__" key stays a key (and an unknown-key error).
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, walk(item, [...path, key])]),
      );
    } finally {
      ancestors.delete(value);
    }
  }

  return { value: walk(root, []), templates, fromEnv, problems };
}
