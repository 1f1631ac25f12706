/**
 * @module commands/daemon-address: where the running gateway is, for the commands that talk to it: `--url`, else
 * the `port` and `host` of the config that `serve` would use (-c FILE or the search order), else the defaults; and
 * the admin token from the same file. Only those three keys are read, so that a backend's variable that is set for
 * the service but not in this shell does not stop `mcp-gateway servers`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { OptionSpec } from '../cli-args.js';
import { CONFIG_DEFAULTS, expandString, findConfigFile } from '../config/index.js';
import type { CommandIo } from './io.js';

export const URL_OPTION: OptionSpec = {
  name: 'url',
  type: 'string',
  describe: "the gateway's address (default: from the config's host and port)",
};
export const JSON_OPTION: OptionSpec = { name: 'json', type: 'boolean', describe: 'print the raw JSON' };

export interface DaemonArgs {
  config?: string;
  url?: string;
  json?: boolean;
}

export interface Daemon {
  /** `http://127.0.0.1:39400`, without a trailing slash. */
  url: string;
  /** The file read, if any. */
  configPath: string | undefined;
  /** The admin token, or why there is none (reload says it when the gateway asks for one). */
  token: { ok: true; value: string } | { ok: false; reason: string };
}

export type FindResult = { ok: true; daemon: Daemon } | { ok: false; message: string };

type Json = Record<string, unknown>;

export function findDaemon(args: DaemonArgs, io: CommandIo): FindResult {
  const configPath = args.config
    ? resolve(io.cwd, args.config)
    : findConfigFile({ cwd: io.cwd, env: io.env });
  let root: Json = {};
  if (configPath) {
    try {
      const parsed: unknown = parseYaml(readFileSync(configPath, 'utf8'));
      if (parsed !== null && typeof parsed === 'object') root = parsed as Json;
    } catch (error) {
      // With --url the file is only wanted for the token; without, where to connect is unknown.
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message.split('\n')[0];
      if (!args.url) return { ok: false, message: `cannot read ${configPath} (${reason}): pass --url` };
    }
  }
  const token = adminToken(root, configPath, io.env);
  if (args.url) {
    const url = args.url.replace(/\/+$/, '');
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      return { ok: false, message: `--url must be an http:// or https:// URL, not "${args.url}"` };
    }
    return { ok: true, daemon: { url, configPath, token } };
  }
  const port = setting(root.port, io.env) ?? String(CONFIG_DEFAULTS.port);
  const host = setting(root.host, io.env) ?? CONFIG_DEFAULTS.host;
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    return {
      ok: false,
      message: `${configPath} has no port a client can connect to (port: ${port}): pass --url`,
    };
  }
  return { ok: true, daemon: { url: `http://${connectable(host)}:${port}`, configPath, token } };
}

/** A value of the file, its `${VAR}` expanded; undefined when absent or when a variable is missing. */
function setting(value: unknown, env: NodeJS.ProcessEnv): string | undefined {
  if (value === undefined || value === null) return undefined;
  const expanded = expandString(String(value), env);
  return expanded.ok ? expanded.value.trim() : undefined;
}

function adminToken(root: Json, configPath: string | undefined, env: NodeJS.ProcessEnv): Daemon['token'] {
  const file = configPath ?? 'servers.yaml';
  const admin = root.admin as Json | null | undefined;
  const raw = admin && typeof admin === 'object' ? admin.token : undefined;
  if (raw === undefined || raw === null) {
    return { ok: false, reason: `admin.token is not set in ${configPath ?? 'any servers.yaml found'}` };
  }
  const expanded = expandString(String(raw), env);
  if (!expanded.ok) return { ok: false, reason: `admin.token of ${file}: ${expanded.messages.join('; ')}` };
  return { ok: true, value: expanded.value };
}

/** A gateway bound to every address is reached on loopback; an IPv6 literal needs its brackets in a URL. */
function connectable(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
