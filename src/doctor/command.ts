/**
 * @module doctor/command: the `mcp-gateway doctor` command: its options, and the table and exit code it produces.
 * Kept out of cli.ts so that the CLI only registers it.
 */
import type { OptionSpec } from '../cli-args.js';
import { findConfigFile } from '../config/index.js';
import { runDoctor } from './doctor.js';
import { formatTable } from './format.js';
import type { ServiceKind } from './service-env.js';

export interface DoctorArgs {
  config?: string;
  service: ServiceKind;
  start: boolean;
  'env-file'?: string;
}

export interface DoctorIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const DOCTOR_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'service',
    type: 'string',
    choices: ['systemd', 'launchd', 'none'],
    describe: "check with that service manager's PATH and variables instead of this shell's (default none)",
  },
  {
    name: 'env-file',
    type: 'string',
    describe: 'NAME=value file the service also gets (the unit EnvironmentFile, the plist variables)',
  },
  {
    name: 'start',
    type: 'boolean',
    describe: 'also start every backend and send it MCP initialize (runs them; npx/uvx may download)',
  },
];

/** Exit code 0 when every check passed, 1 when any found a problem (or no config was found). */
export async function runDoctorCommand(args: DoctorArgs, io: DoctorIo): Promise<number> {
  const configPath = args.config ?? findConfigFile({ cwd: io.cwd, env: io.env });
  if (!configPath) {
    io.stderr(
      'mcp-gateway: no configuration found. Looked for ./servers.yaml, $XDG_CONFIG_HOME/mcp-gateway/servers.yaml ' +
        '(~/.config/mcp-gateway/servers.yaml) and /etc/mcp-gateway/servers.yaml; pass one with --config.\n',
    );
    return 1;
  }
  const report = await runDoctor({
    configPath,
    service: args.service,
    env: io.env,
    envFile: args['env-file'],
    start: args.start,
    execPath: process.execPath,
  });
  const how = args.service === 'none' ? 'this environment' : `a ${args.service} service's environment`;
  io.stdout(`Checking ${configPath} with ${how} (PATH=${report.path})\n\n${formatTable(report.rows)}\n\n`);
  const hint = args.start ? '' : ' Add --start to also start each backend and initialize it.';
  io.stdout(
    report.problems === 0
      ? `No problems found.${hint}\n`
      : `${report.problems} problem${report.problems === 1 ? '' : 's'} found: see the fix column.${hint}\n`,
  );
  return report.problems === 0 ? 0 : 1;
}
