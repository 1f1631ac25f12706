/**
 * @module backend-entries: backends as an admin sends them, validated exactly as `servers.yaml` is. A body is one
 * backend with its name (`{ "name": "x", "command": "…" }`, the keys of the file) or an `mcpServers` object, the shape
 * Claude Desktop, Cursor and others write (`{ "mcpServers": { "x": { "command", "args", "env" } | { "url" } } }`).
 */
import { join } from 'node:path';
import { ConfigError, parseConfig, type BackendConfig } from '../config/index.js';
import { convertServer } from '../import/convert-server.js';
import { isObject } from '../json-rpc.js';

export type Entries = Record<string, Record<string, unknown>>;

export type EntriesResult = { ok: true; entries: Entries } | { ok: false; message: string };

/** The backends a body names. `name` comes from the URL on an update; a body may then omit it. */
export function entriesOf(body: unknown, name?: string): EntriesResult {
  if (!isObject(body)) return { ok: false, message: 'the body must be a JSON object' };
  if (isObject(body.mcpServers)) {
    const entries: Entries = {};
    for (const [key, server] of Object.entries(body.mcpServers)) {
      // The same conversion as `mcp-gateway import`, so that both take a client's entry alike.
      const converted = convertServer(
        { name: key, entry: server, projectDir: undefined, where: `mcpServers.${key}` },
        key,
        [],
      );
      if (!converted.ok) return { ok: false, message: `mcpServers.${key}: ${converted.reason}` };
      entries[key] = converted.server.entry;
    }
    if (name !== undefined && (Object.keys(entries).length !== 1 || entries[name] === undefined))
      return { ok: false, message: `the body must define exactly the backend "${name}"` };
    return Object.keys(entries).length > 0
      ? { ok: true, entries }
      : { ok: false, message: 'mcpServers is empty' };
  }
  const { name: named, ...entry } = body;
  const resolved = name ?? named;
  if (typeof resolved !== 'string' || resolved === '')
    return { ok: false, message: 'the body must name the backend: "name": "…"' };
  if (name !== undefined && named !== undefined && named !== name)
    return { ok: false, message: `the body names "${String(named)}", the URL "${name}"` };
  return { ok: true, entries: { [resolved]: entry } };
}

export type ValidationResult =
  | { ok: true; backends: Record<string, BackendConfig>; secrets: string[] }
  | { ok: false; problems: string[] };

const SOURCE = 'request';

/**
 * Validates entries as the `backends:` of a file in `configDir` (relative `cwd:` resolve there). `${VAR}` does not
 * reach the gateway's environment: that would let whoever holds the admin token read any variable of the gateway (an
 * HTTP backend of theirs with a header `${OTHER_BACKEND_KEY}`); only `${VAR:-default}` values apply, and a definition
 * sends its secrets itself. Problems read `request:LINE:COL backends.x.key: message`, the entries one key a line.
 */
export function validateEntries(entries: Entries, configDir: string): ValidationResult {
  const path = join(configDir, SOURCE);
  try {
    const loaded = parseConfig(JSON.stringify({ backends: entries }, null, 1), { path, env: {} });
    return { ok: true, backends: loaded.config.backends, secrets: loaded.secrets };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return {
      ok: false,
      problems: error.problems.map((p) => (p.startsWith(path) ? SOURCE + p.slice(path.length) : p)),
    };
  }
}
