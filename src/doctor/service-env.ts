/**
 * @module doctor/service-env: the environment a service manager gives the gateway, which is not the shell's: no
 * profile is read, PATH is the manager's own, and only what the unit or plist names is added.
 */

export type ServiceKind = 'systemd' | 'launchd' | 'none';

/** systemd's default PATH for services (system and user managers alike, unless environment.d changes it). */
export const SYSTEMD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** What launchd itself gives a job: neither Homebrew's nor uv's directories are on it. */
export const LAUNCHD_DEFAULT_PATH = '/usr/bin:/bin:/usr/sbin:/sbin';

/**
 * The PATH set by launchd/local.mcp-gateway.plist (with `/Users/YOU` being the user's home): uv's installer
 * directory, Homebrew on Apple silicon and on Intel, then launchd's own. A test keeps the two equal.
 */
export function launchdPlistPath(home: string): string {
  return `${home}/.local/bin:/opt/homebrew/bin:/usr/local/bin:${LAUNCHD_DEFAULT_PATH}`;
}

/** Variables a service manager sets from the account it runs the service as. */
const ACCOUNT_VARIABLES = ['HOME', 'USER', 'LOGNAME', 'SHELL'] as const;

/**
 * The environment the gateway will have under `kind`, assuming the doctor runs as the service's user (so HOME, USER,
 * … are that user's): the manager's PATH, the account variables, then `extra` (the unit's EnvironmentFile or the
 * plist's EnvironmentVariables), which may override PATH too. `none` is the current environment as it is.
 */
export function serviceEnvironment(
  kind: ServiceKind,
  current: NodeJS.ProcessEnv,
  extra: Readonly<Record<string, string>> = {},
): NodeJS.ProcessEnv {
  if (kind === 'none') return { ...current, ...extra };
  const env: NodeJS.ProcessEnv = {};
  for (const name of ACCOUNT_VARIABLES) if (current[name] !== undefined) env[name] = current[name];
  if (kind === 'launchd' && current.TMPDIR !== undefined) env.TMPDIR = current.TMPDIR;
  env.PATH = kind === 'systemd' ? SYSTEMD_PATH : launchdPlistPath(current.HOME ?? '/Users/YOU');
  return { ...env, ...extra };
}

/** Where a user adds a variable (or a PATH entry) for each kind of service; used in fixes. */
export function whereToSet(kind: ServiceKind, what: string): string {
  switch (kind) {
    case 'systemd':
      return `add ${what} to the unit's EnvironmentFile (e.g. /etc/mcp-gateway/env) and pass it to doctor with --env-file`;
    case 'launchd':
      return `add ${what} under EnvironmentVariables in ~/Library/LaunchAgents/local.mcp-gateway.plist`;
    case 'none':
      return `export ${what} in the environment that starts the gateway`;
  }
}

export interface EnvFile {
  values: Record<string, string>;
  /** 1-based line numbers that are not `NAME=value`, a comment or blank. */
  badLines: number[];
}

const ASSIGNMENT = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

/**
 * Reads a systemd EnvironmentFile (also fine for a hand-written list): `NAME=value` lines, `#` or `;` comments,
 * blank lines. A value in matching single or double quotes loses them; backslash escapes are not interpreted.
 */
export function parseEnvFile(text: string): EnvFile {
  const values: Record<string, string> = {};
  const badLines: number[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const match = ASSIGNMENT.exec(line);
    if (!match) {
      badLines.push(index + 1);
      return;
    }
    let value = match[2]!;
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
      value = value.slice(1, -1);
    }
    values[match[1]!] = value;
  });
  return { values, badLines };
}
