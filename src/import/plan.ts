/**
 * @module import/plan: a client's servers as backends: named by the backend name rule, converted, deduplicated
 * (`~/.claude.json` repeats a server in every project that uses it), and each checked by the config's own schema,
 * so that what is printed or merged is a servers.yaml the gateway accepts.
 */
import { basename } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError, parseConfig } from '../config/index.js';
import type { ClientConfig, ClientServer } from './client-config.js';
import { convertServer, type BackendEntry } from './convert-server.js';
import { backendName, uniqueName } from './names.js';

export interface ImportedBackend {
  name: string;
  /** The client's server it came from. */
  from: ClientServer;
  entry: BackendEntry;
  notes: string[];
  secrets: string[];
}

export interface Skipped {
  /** Where the server sits in the client's file. */
  where: string;
  reason: string;
}

export interface ImportPlan {
  backends: ImportedBackend[];
  skipped: Skipped[];
}

export function planImport(config: ClientConfig): ImportPlan {
  const backends: ImportedBackend[] = [];
  const skipped: Skipped[] = [];
  const taken = new Set<string>();
  for (const server of config.servers) {
    const base = backendName(server.name);
    const converted = convertServer(server, base, config.inputs);
    if (!converted.ok) {
      skipped.push({ where: server.where, reason: converted.reason });
      continue;
    }
    const { entry, notes, secrets } = converted.server;
    const same = backends.find(
      (b) => backendName(b.from.name) === base && JSON.stringify(b.entry) === JSON.stringify(entry),
    );
    if (same) continue;
    const name = uniqueName(
      taken.has(base) && server.projectDir ? projectName(base, server.projectDir) : base,
      taken,
    );
    const problems = checkEntry(name, entry);
    if (problems.length > 0) {
      skipped.push({ where: server.where, reason: problems.join('; ') });
      continue;
    }
    taken.add(name);
    const renamed = name !== server.name ? [`named ${name} (was "${server.name}" in ${server.where})`] : [];
    backends.push({ name, from: server, entry, notes: [...renamed, ...notes], secrets });
  }
  return { backends, skipped };
}

/** A project's server whose name is taken by another: `db` of /src/shop becomes `db-shop`. */
function projectName(base: string, projectDir: string): string {
  return backendName(`${base}-${basename(projectDir)}`);
}

/**
 * The schema's problems with one backend, without their place in a file that does not exist. Variables are given a
 * value (a URL, which every string field accepts): that they are set where the gateway runs is doctor's question.
 */
function checkEntry(name: string, entry: BackendEntry): string[] {
  const text = stringify({ backends: { [name]: entry } });
  const env = Object.fromEntries(
    [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => [m[1]!, 'http://127.0.0.1/']),
  );
  try {
    parseConfig(text, { path: 'import.yaml', env });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const prefix = `backends.${name}.`;
    return error.problems.map((p) => p.replace(/^\S+:\d+:\d+ /, '').replace(prefix, ''));
  }
}
