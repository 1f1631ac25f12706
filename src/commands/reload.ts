/**
 * @module commands/reload: `mcp-gateway reload`: asks the running gateway to read its servers.yaml again
 * (`POST /api/v1/reload`, with the config's admin token), then says what changed, or why nothing did.
 */
import type { OptionSpec } from '../cli-args.js';
import { EXIT } from '../exit-codes.js';
import { findDaemon, JSON_OPTION, URL_OPTION, type DaemonArgs } from './daemon-address.js';
import { requestDaemon } from './daemon-request.js';
import type { CommandIo } from './io.js';

export const RELOAD_OPTIONS: readonly OptionSpec[] = [URL_OPTION, JSON_OPTION];

/** A reload may restart changed backends before it answers. */
const RELOAD_TIMEOUT_MS = 60_000;

interface Reloaded {
  generation: number;
  loaded_at: string;
  diff: { added: string[]; removed: string[]; changed: string[]; unchanged: string[] };
  restart_needed: unknown[];
}

interface Refused {
  error?: { code?: string; message?: string; problems?: unknown[] };
}

export async function runReloadCommand(args: DaemonArgs, io: CommandIo): Promise<number> {
  const found = findDaemon(args, io);
  if (!found.ok) return fail(io, found.message);
  const { url, token, configPath } = found.daemon;
  const answer = await requestDaemon(url, '/api/v1/reload', {
    method: 'POST',
    headers: token.ok ? { authorization: `Bearer ${token.value}` } : {},
    timeoutMs: RELOAD_TIMEOUT_MS,
  });
  if (!answer.ok) return fail(io, answer.message);
  if (args.json) {
    io.stdout(`${answer.text}\n`);
    return answer.status === 200 ? EXIT.ok : EXIT.failure;
  }
  const { status } = answer;
  if (status === 200 && isReloaded(answer.json)) {
    io.stdout(describeReload(answer.json, url));
    return EXIT.ok;
  }
  const refused = (answer.json ?? {}) as Refused;
  const file = configPath ?? 'servers.yaml';
  switch (status) {
    case 400: {
      const problems = (refused.error?.problems ?? []).map(
        (p) => `  ${typeof p === 'string' ? p : JSON.stringify(p)}`,
      );
      const message = refused.error?.message ?? 'invalid configuration';
      return fail(
        io,
        `the gateway kept its configuration: ${message}${problems.length ? `\n${problems.join('\n')}` : ''}`,
      );
    }
    case 401:
    case 403:
      return fail(
        io,
        token.ok
          ? `the gateway refused the admin token of ${file} (HTTP ${status}): it runs with another admin.token; restart it to apply this one`
          : `the gateway wants an admin token (HTTP ${status}): ${token.reason}`,
      );
    case 404:
      return fail(
        io,
        `admin API is off: set admin.token in ${file} (a long random string) and restart the gateway at ${url}`,
      );
    default:
      return fail(
        io,
        `unexpected answer from ${url}/api/v1/reload: HTTP ${status}${refused.error?.message ? `: ${refused.error.message}` : ''}`,
      );
  }
}

function isReloaded(json: unknown): json is Reloaded {
  const r = json as Reloaded | undefined;
  return typeof r?.generation === 'number' && typeof r.diff === 'object' && r.diff !== null;
}

function describeReload(r: Reloaded, url: string): string {
  const list = (names: string[] | undefined) => (names && names.length > 0 ? names.join(', ') : '-');
  const lines = [
    `Reloaded the gateway at ${url}: generation ${r.generation}, loaded at ${r.loaded_at}`,
    `  added      ${list(r.diff.added)}`,
    `  removed    ${list(r.diff.removed)}`,
    `  changed    ${list(r.diff.changed)}`,
    `  unchanged  ${r.diff.unchanged?.length ?? 0} backend${r.diff.unchanged?.length === 1 ? '' : 's'}`,
  ];
  const restart = (r.restart_needed ?? []).map((item) =>
    typeof item === 'string' ? item : JSON.stringify(item),
  );
  if (restart.length > 0) {
    lines.push(`Restart the gateway to apply: ${restart.join(', ')} (these cannot change while it runs)`);
  }
  return `${lines.join('\n')}\n`;
}

function fail(io: CommandIo, message: string): number {
  io.stderr(`mcp-gateway: ${message}\n`);
  return EXIT.failure;
}
