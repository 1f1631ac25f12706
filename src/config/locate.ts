/** @module config/locate — where to look for servers.yaml when no path is given. */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { CONFIG_DEFAULTS } from './defaults.js';

export interface FindConfigOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Injected so the search order can be tested without touching the disk. */
  exists?: (path: string) => boolean;
}

/** The candidate paths, most specific first; pure given cwd and env. */
export function configCandidates(cwd: string, env: NodeJS.ProcessEnv): string[] {
  const { file_name, app_dir_name, system_config_path } = CONFIG_DEFAULTS;
  const candidates = [join(cwd, file_name)];
  // The XDG spec says a relative or empty XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME;
  const configHome = xdg && isAbsolute(xdg) ? xdg : env.HOME ? join(env.HOME, '.config') : undefined;
  if (configHome) candidates.push(join(configHome, app_dir_name, file_name));
  candidates.push(system_config_path);
  return candidates;
}

/** First existing of ./servers.yaml, $XDG_CONFIG_HOME/mcp-gateway/servers.yaml (or ~/.config/…), /etc/mcp-gateway/servers.yaml. */
export function findConfigFile(opts: FindConfigOptions = {}): string | undefined {
  const exists = opts.exists ?? isFile;
  return configCandidates(opts.cwd ?? process.cwd(), opts.env ?? process.env).find((p) => exists(p));
}

function isFile(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isFile();
  } catch {
    return false;
  }
}
