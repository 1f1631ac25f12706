/**
 * @module doctor/variables: which `${NAME}`s each part of servers.yaml needs, and a row per one the service lacks.
 */
import { parse as parseYaml } from 'yaml';
import { GATEWAY_ROW, type DoctorRow } from './rows.js';
import { whereToSet, type ServiceKind } from './service-env.js';

/** Unset variables are given values with this prefix, so that the rest of the file can still be checked. */
export const STAND_IN = 'mcp-gateway-doctor-unset';

/**
 * The variables each part of the file needs: `${NAME}` without a default, grouped by backend (or GATEWAY_ROW for
 * top-level keys). Expansion itself stays with config/env.ts; this only names what it will look up.
 */
export function referencedVariables(text: string): Map<string, string[]> {
  const found = new Map<string, Set<string>>();
  let raw: unknown;
  try {
    raw = parseYaml(text, { merge: true, maxAliasCount: 100 });
  } catch {
    return new Map(); // the load reports the syntax error with its position
  }
  const walk = (value: unknown, scope: string, depth: number, key?: string): void => {
    if (typeof value === 'string') {
      for (const match of value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
        if (!found.has(scope)) found.set(scope, new Set());
        found.get(scope)!.add(match[1]!);
      }
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, scope, depth + 1);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        // backends.<name>.… belongs to that backend.
        walk(v, depth === 1 && key === 'backends' ? k : scope, depth + 1, k);
      }
    }
  };
  walk(raw, GATEWAY_ROW, 0);
  return new Map([...found].map(([scope, names]) => [scope, [...names].sort()]));
}

export function variableRows(
  scope: string,
  transport: string,
  names: readonly string[],
  env: NodeJS.ProcessEnv,
  shell: NodeJS.ProcessEnv,
  kind: ServiceKind,
): DoctorRow[] {
  if (names.length === 0) return [];
  const missing = names.filter((n) => env[n] === undefined);
  if (missing.length === 0) {
    return [
      {
        backend: scope,
        transport,
        check: 'variables',
        status: 'ok',
        detail: `${names.join(', ')} set`,
        fix: '',
      },
    ];
  }
  return missing.map((name) => ({
    backend: scope,
    transport,
    check: `variable ${name}`,
    status: 'problem' as const,
    detail:
      kind !== 'none' && shell[name] !== undefined
        ? `\${${name}} is set in your shell, but a ${kind} service does not inherit it`
        : `\${${name}} is not set`,
    fix: `${whereToSet(kind, `${name}=…`)}, or write \${${name}:-default} in servers.yaml`,
  }));
}
