/**
 * @module commands/servers: `mcp-gateway servers`: the running gateway's backends and their state, from its
 * `GET /health` (which never starts or dials a backend, so asking is free).
 */
import type { OptionSpec } from '../cli-args.js';
import { EXIT } from '../exit-codes.js';
import { findDaemon, JSON_OPTION, URL_OPTION, type DaemonArgs } from './daemon-address.js';
import { requestDaemon } from './daemon-request.js';
import type { CommandIo } from './io.js';
import { cell, formatColumns } from './table.js';

export const SERVERS_OPTIONS: readonly OptionSpec[] = [URL_OPTION, JSON_OPTION];

/** The fields of /health this command shows (health-route.ts). */
interface BackendHealth {
  state: string;
  transport: string;
  pid: number | null;
  pids?: number[];
  restart_count: number;
  tools_cached: number;
  last_used: string | null;
  last_error: string | null;
  retry_after_s: number | null;
}

interface Health {
  status: string;
  version: string;
  uptime_s: number;
  backends: Record<string, BackendHealth>;
}

export async function runServersCommand(args: DaemonArgs, io: CommandIo): Promise<number> {
  const found = findDaemon(args, io);
  if (!found.ok) {
    io.stderr(`mcp-gateway: ${found.message}\n`);
    return EXIT.failure;
  }
  const { url } = found.daemon;
  const answer = await requestDaemon(url, '/health');
  if (!answer.ok) {
    io.stderr(`mcp-gateway: ${answer.message}\n`);
    return EXIT.failure;
  }
  const health = answer.json as Health | undefined;
  if (answer.status !== 200 || typeof health?.backends !== 'object' || health.backends === null) {
    io.stderr(
      `mcp-gateway: ${url}/health answered HTTP ${answer.status}, not a gateway's health: is ${url} the gateway?\n`,
    );
    return EXIT.failure;
  }
  if (args.json) {
    io.stdout(`${answer.text}\n`);
    return EXIT.ok;
  }
  const names = Object.keys(health.backends);
  const rows = names.map((name) => row(name, health.backends[name]!, Date.now()));
  io.stdout(
    `mcp-gateway ${health.version} at ${url}: ${health.status}, up ${duration(health.uptime_s)}, ` +
      `${names.length} backend${names.length === 1 ? '' : 's'}\n\n` +
      (rows.length > 0
        ? `${formatColumns(['BACKEND', 'STATE', 'TRANSPORT', 'PID', 'TOOLS', 'RESTARTS', 'LAST USED', 'LAST ERROR'], rows)}\n`
        : 'No backends are configured.\n'),
  );
  return EXIT.ok;
}

function row(name: string, b: BackendHealth, now: number): string[] {
  const retry =
    b.retry_after_s !== null && b.retry_after_s !== undefined ? ` (retry in ${b.retry_after_s} s)` : '';
  const pids = b.pids && b.pids.length > 1 ? b.pids.join(',') : b.pid !== null ? String(b.pid) : '-';
  const used = b.last_used ? `${duration((now - Date.parse(b.last_used)) / 1000)} ago` : '-';
  return [
    name,
    `${b.state}${retry}`,
    b.transport,
    cell(pids, 20),
    String(b.tools_cached),
    String(b.restart_count),
    used,
    b.last_error ? cell(b.last_error) : '-',
  ];
}

/** `42 s`, `3 min`, `2 h 5 min`, `3 d 4 h`: as precise as a glance needs. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}
