/**
 * @module doctor/rows: what the doctor reports, one row per check, and the options it runs with.
 */
import type { BackendConfig } from '../config/index.js';
import type { ServiceKind } from './service-env.js';

export type CheckStatus = 'ok' | 'problem';

export interface DoctorRow {
  /** A backend's name, or `(gateway)` for the gateway's own checks. */
  backend: string;
  transport: string;
  check: string;
  status: CheckStatus;
  /** What was found: a path, an HTTP status, the reason of a problem. */
  detail: string;
  /** How to fix a problem; empty for ok rows. */
  fix: string;
}

export interface DoctorOptions {
  configPath: string;
  service: ServiceKind;
  /** This process's environment: the shell the doctor runs in. */
  env: NodeJS.ProcessEnv;
  /** A `NAME=value` file the service reads too (systemd's EnvironmentFile). */
  envFile?: string;
  /** Also start each backend and send MCP `initialize`. */
  start?: boolean;
  probeTimeoutMs?: number;
  startTimeoutMs?: number;
  /** The node binary running this, for hints when the service's PATH has no node. */
  execPath?: string;
}

/** The row of the gateway's own checks (the env file, node, the config, top-level variables). */
export const GATEWAY_ROW = '(gateway)';

/** A row of one backend's check. */
export function row(
  backend: BackendConfig,
  check: string,
  status: CheckStatus,
  detail: string,
  fix = '',
): DoctorRow {
  return { backend: backend.name, transport: backend.transport, check, status, detail, fix };
}
