/** @module config/load — reads servers.yaml, validates it and reports every problem as FILE:LINE:COL. */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, visit } from 'yaml';
import { expandTree, pathKey, type PathSegment } from './env.js';
import { ConfigError } from './errors.js';
import { describeIssues, type Finding } from './issues.js';
import { normalizeConfig } from './normalize.js';
import { createPositionFinder, type Position } from './positions.js';
import { collectSecrets, redactConfig } from './redact.js';
import { ConfigFileSchema, type ConfigFile } from './schema.js';
import type { LoadedConfig } from './types.js';

export interface ParseOptions {
  /**
   * The file's path. Messages name it exactly as given (so `check servers.yaml` says
   * `servers.yaml:7:5`, and an absolute path stays clickable in editors and terminals); relative
   * `cwd:` values are resolved against its directory.
   */
  path: string;
  env?: NodeJS.ProcessEnv;
}

/** Reads and parses a config file; an unreadable file is a ConfigError like any other problem. */
export async function loadConfigFile(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError([`${path}: cannot read: ${code}`]);
  }
  return parseConfig(text, { path, env });
}

/**
 * Parses, expands `${VAR}`, validates and normalizes. Throws one ConfigError listing every problem,
 * each `FILE:LINE:COL path: message`, sorted by position. YAML syntax errors come alone: after one,
 * the tree is a guess and schema errors on it would mislead.
 */
export function parseConfig(text: string, opts: ParseOptions): LoadedConfig {
  const file = opts.path;
  const env = opts.env ?? process.env;
  const lineCounter = new LineCounter();
  // merge: users come from a PyYAML-based gateway, where `<<: *defaults` works.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const where = ({ line, col }: Position) => `${file}:${line}:${col}`;

  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => `${where(lineCounter.linePos(e.pos[0]))} ${e.message}`));
  }
  // toJS reports an unknown anchor without a position; find it first so the message can point at it.
  const unresolved: string[] = [];
  visit(doc, {
    Alias(_, alias) {
      if (!alias.resolve(doc)) {
        const position = lineCounter.linePos(alias.range?.[0] ?? 0);
        unresolved.push(
          `${where(position)} unknown alias *${alias.source} (define &${alias.source} before it)`,
        );
      }
    },
  });
  if (unresolved.length > 0) throw new ConfigError(unresolved);
  let raw: unknown;
  try {
    // The alias limit defuses "billion laughs" files.
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError([`${file}:1:1 ${(err as Error).message}`]);
  }

  const expansion = expandTree(raw ?? {}, env);
  const parsed = ConfigFileSchema.safeParse(expansion.value);
  const findings: Finding[] = expansion.problems.map((p) => ({ ...p, at: 'value' }));
  if (!parsed.success) {
    // A value that failed to expand also fails the schema (it kept its template); one message is enough.
    const unexpanded = new Set(expansion.problems.map((p) => pathKey(p.path)));
    const described = describeIssues(parsed.error.issues, expansion.value);
    findings.push(...described.filter((f) => !unexpanded.has(pathKey(f.path))));
  }
  if (findings.length > 0 || !parsed.success) {
    throw new ConfigError(formatFindings(findings, createPositionFinder(doc, lineCounter), file));
  }

  const config = normalizeConfig(parsed.data, dirname(resolve(file)), env);
  const positionOf = createPositionFinder(doc, lineCounter);
  return {
    config,
    path: resolve(file),
    secrets: collectSecrets(expansion.fromEnv, config, clientTokens(parsed.data)),
    redacted: redactConfig(config, parsed.data, expansion.templates),
    where: (path, at = 'value') => where(positionOf(path, at)),
  };
}

/** The tokens the file gives its clients, hashed in the config and kept here only to scrub them. */
function clientTokens(file: ConfigFile): string[] {
  const auth = file.auth;
  if (auth === undefined || auth === 'none') return [];
  return Object.values(auth.clients ?? {}).flatMap((c) => (c.token === undefined ? [] : [c.token]));
}

function formatFindings(
  findings: readonly Finding[],
  positionOf: (path: readonly PathSegment[], at: Finding['at']) => Position,
  file: string,
): string[] {
  const located = findings.map((f) => ({
    ...positionOf(f.path, f.at),
    text: formatPath(f.path),
    message: f.message,
  }));
  located.sort((a, b) => a.line - b.line || a.col - b.col);
  const lines = located.map((f) => `${file}:${f.line}:${f.col} ${f.text ? `${f.text}: ` : ''}${f.message}`);
  return [...new Set(lines)];
}

/** `backends.tavily.args[2]`; keys outside the plain alphabet are quoted: `backends["My Server"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
