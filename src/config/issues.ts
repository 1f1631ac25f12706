/** @module config/issues — turns zod issues into short messages a person can act on. */
import type { z } from 'zod';
import type { PathSegment } from './env.js';
import type { Anchor } from './positions.js';
import { BACKEND_KEYS, PIPELINE_KEYS, ROOT_KEYS, STEP_KEYS, type IssueParams } from './schema.js';
import { closest } from '../suggest.js';

export interface Finding {
  path: PathSegment[];
  at: Anchor;
  message: string;
}

// Names people bring from other gateways' formats, too far from ours for edit distance to catch.
const ALIASES: Record<string, string> = {
  url: 'http_url',
  type: 'transport',
  environment: 'env',
  cmd: 'command',
  working_dir: 'cwd',
  workdir: 'cwd',
};

const EXPECTED: Record<string, string> = {
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
  // Every number in the file is a whole number (ports, seconds, bytes).
  number: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
};

/**
 * One finding per problem. Messages describe the kind of value found, never the value itself: it
 * may have come from the environment. `input` is the (expanded) data zod saw.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown): Finding[] {
  const findings: Finding[] = [];
  // Backends whose unknown key looks like command/http_url: "needs command or http_url" is noise there.
  const explained = new Set<string>();

  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const known = knownKeys(issue.path);
    for (const key of issue.keys) {
      const suggestion = suggest(key, known);
      if (suggestion === 'command' || suggestion === 'http_url') explained.add(JSON.stringify(issue.path));
      findings.push({
        path: [...(issue.path as PathSegment[]), key],
        at: 'key',
        message: suggestion ? `unknown key (did you mean "${suggestion}"?)` : 'unknown key',
      });
    }
  }

  for (const issue of issues) {
    const path = issue.path as PathSegment[];
    switch (issue.code) {
      case 'unrecognized_keys':
        break;
      case 'invalid_type':
        findings.push({
          path,
          at: 'value',
          message: `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeValue(valueAt(input, path))}`,
        });
        break;
      case 'too_small':
        findings.push({ path, at: 'value', message: tooSmall(issue) });
        break;
      case 'too_big':
        findings.push({ path, at: 'value', message: `must be at most ${String(issue.maximum)}` });
        break;
      case 'invalid_value':
        findings.push({
          path,
          at: 'value',
          message: `must be one of: ${issue.values.map(String).join(', ')}`,
        });
        break;
      case 'invalid_key':
        // Record keys (env and header names) carry their own message from the schema.
        findings.push({ path, at: 'key', message: issue.issues[0]?.message ?? 'invalid key' });
        break;
      case 'custom': {
        const params = (issue.params ?? {}) as IssueParams;
        if (params.kind === 'missing-endpoint' && explained.has(JSON.stringify(path))) break;
        findings.push({ path, at: params.at ?? 'value', message: issue.message });
        break;
      }
      default:
        findings.push({ path, at: 'value', message: issue.message });
    }
  }
  return findings;
}

function tooSmall(issue: z.core.$ZodIssueTooSmall): string {
  if (issue.origin === 'string')
    return Number(issue.minimum) <= 1
      ? 'must not be empty'
      : `must be at least ${String(issue.minimum)} characters`;
  if (issue.minimum === 0) return 'must not be negative';
  return `must be at least ${String(issue.minimum)}`;
}

function knownKeys(path: PropertyKey[]): readonly string[] {
  if (path.length === 0) return ROOT_KEYS;
  if (path.length === 2 && path[0] === 'backends') return BACKEND_KEYS;
  if (path[0] !== 'pipelines') return [];
  if (path.length === 2) return PIPELINE_KEYS;
  // pipelines.<name>.steps[i], and pipelines.<name>.steps[i].parallel[j] (where a group cannot be).
  if (path.length === 4 && path[2] === 'steps') return STEP_KEYS;
  if (path.length === 6 && path[4] === 'parallel') return STEP_KEYS.filter((k) => k !== 'parallel');
  return [];
}

/** The closest known key, if close enough to be a plausible typo. */
export function suggest(key: string, known: readonly string[]): string | undefined {
  const alias = ALIASES[key.toLowerCase()];
  if (alias && known.includes(alias)) return alias;
  return closest(key, known);
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let value = root;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PathSegment, unknown>)[segment];
  }
  return value;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a whole number' : 'a fractional number';
  if (typeof value === 'boolean') return 'true/false';
  return typeof value;
}
