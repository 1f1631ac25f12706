/**
 * @module cli: the commands: `serve` (the default) runs the daemon, `stdio` serves one client on stdin/stdout (or
 * bridges it to a running daemon), `check` validates a config and prints it normalized with secrets redacted,
 * `doctor` checks the backends. Each returns an exit code; only main.ts exits.
 */
import { readFile } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { parseCommandLine, type CommandSpec } from './cli-args.js';
import { checkPipelineTools } from './check-pipelines.js';
import { IMPORT_OPTIONS, IMPORT_POSITIONALS, runImportCommand } from './commands/import.js';
import { INIT_OPTIONS, INIT_POSITIONALS, runInitCommand } from './commands/init.js';
import { RELOAD_OPTIONS, runReloadCommand } from './commands/reload.js';
import { runServersCommand, SERVERS_OPTIONS } from './commands/servers.js';
import * as tools from './commands/tools.js';
import { ConfigError, findConfigFile, loadConfigFile, type LoadedConfig } from './config/index.js';
import { createLogger, type LogLevel } from './log.js';
import { createGateway, RUNTIME_DEFAULTS, STATE_DIR_LOCKED, UNAUTHENTICATED_BIND } from './daemon.js';
import { runRemoteBridge } from './stdio/remote-bridge.js';
import { runStdioGateway } from './stdio-gateway.js';
import { compileAccess, type Access } from './auth/access.js';
import { DOCTOR_OPTIONS, runDoctorCommand } from './doctor/command.js';
import type { ServiceKind } from './doctor/service-env.js';
import { EXIT } from './exit-codes.js';
import { clientConfigHint } from './import/client-config.js';
import { VERSION } from './version.js';

/** Documented in the README; scripts and service managers rely on them. */
export { EXIT };

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Resolves when the daemon should stop (SIGTERM/SIGINT in production). */
  stopSignal: () => Promise<string>;
  /** Calls `listener` whenever the daemon should reload its config (SIGHUP in production). */
  onReloadSignal?: (listener: () => void) => void;
  /** The streams `mcp-gateway stdio` speaks MCP on; the process's own by default. */
  stdin?: Readable;
  stdoutStream?: Writable;
}

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

interface CommonArgs {
  config?: string;
}

interface ServeArgs extends CommonArgs {
  port?: number;
  host?: string;
  'log-level'?: LogLevel;
  'meta-mcp'?: boolean;
  watch?: boolean;
}

interface StdioArgs extends CommonArgs {
  url?: string;
  'log-level'?: LogLevel;
  surface?: string;
  profile?: string;
}

const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'serve',
    describe: 'run the gateway',
    options: [
      { name: 'port', short: 'p', type: 'number', describe: 'port to listen on (overrides the file)' },
      { name: 'host', type: 'string', describe: 'address to bind (overrides the file)' },
      { name: 'log-level', type: 'string', choices: LOG_LEVELS, describe: 'log level' },
      {
        name: 'meta-mcp',
        type: 'boolean',
        negatable: true,
        describe: 'serve the meta-tools at /mcp (--no-meta-mcp turns it off)',
      },
      {
        name: 'watch',
        type: 'boolean',
        negatable: true,
        describe: 'reload when the config file changes (--no-watch: only on SIGHUP or POST /api/v1/reload)',
      },
    ],
  },
  {
    name: 'stdio',
    describe:
      'serve one MCP client on stdin/stdout: the meta-tools, running the backends here (or --url: a running gateway)',
    options: [
      {
        name: 'url',
        type: 'string',
        describe:
          'bridge to a running gateway instead, e.g. http://127.0.0.1:39400/mcp (token: $MCP_GATEWAY_TOKEN)',
      },
      { name: 'log-level', type: 'string', choices: LOG_LEVELS, describe: 'log level (logs go to stderr)' },
      {
        name: 'surface',
        type: 'string',
        describe: 'meta (the meta-tools, default) or flat (every tool as server__tool)',
      },
      {
        name: 'profile',
        type: 'string',
        describe: 'serve what this profile of the config allows (and its surface)',
      },
    ],
  },
  {
    name: 'check',
    describe: 'validate a config file and print it normalized, secrets redacted',
    options: [],
  },
  {
    name: 'doctor',
    describe: 'check that every backend can be found, started and reached as the service will run it',
    options: DOCTOR_OPTIONS,
  },
  {
    name: 'import',
    describe:
      "print a client's MCP config (Claude Desktop, Claude Code, Cursor, VS Code) as backends, or merge it",
    positionals: IMPORT_POSITIONALS,
    options: IMPORT_OPTIONS,
  },
  {
    name: 'init',
    describe: 'write a commented starter servers.yaml (default ./servers.yaml)',
    positionals: INIT_POSITIONALS,
    options: INIT_OPTIONS,
  },
  { name: 'servers', describe: "the running gateway's backends and their state", options: SERVERS_OPTIONS },
  {
    name: 'tools search',
    describe: "search the running gateway's tools",
    positionals: tools.SEARCH_POSITIONALS,
    options: tools.SEARCH_OPTIONS,
  },
  {
    name: 'tools call',
    describe: 'call a tool through the running gateway; ARGS is a JSON object',
    positionals: tools.CALL_POSITIONALS,
    options: tools.CALL_OPTIONS,
  },
  {
    name: 'reload',
    describe: 'make the running gateway read its servers.yaml again',
    options: RELOAD_OPTIONS,
  },
];

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine(argv, COMMANDS, VERSION);
  if (parsed.kind === 'print') {
    io.stdout(parsed.text);
    return EXIT.ok;
  }
  if (parsed.kind === 'usage') {
    io.stderr(`mcp-gateway: ${parsed.message}\nRun mcp-gateway --help for usage.\n`);
    return EXIT.usage;
  }
  const args = parsed.args;
  switch (parsed.command) {
    case 'check':
      return check(args as CommonArgs, io);
    case 'stdio':
      return stdio(args as StdioArgs, io);
    case 'doctor':
      return runDoctorCommand(
        { ...args, service: (args.service as ServiceKind | undefined) ?? 'none', start: args.start === true },
        io,
      );
    case 'import':
      return runImportCommand(args, io);
    case 'init':
      return runInitCommand(args, io);
    case 'servers':
      return runServersCommand(args, io);
    case 'tools search':
      return tools.runToolsSearchCommand(args, io);
    case 'tools call':
      return tools.runToolsCallCommand(args, io);
    case 'reload':
      return runReloadCommand(args, io);
    default:
      return serve(args as ServeArgs, io);
  }
}

async function load(args: CommonArgs, io: CliIo, refusal: string): Promise<LoadedConfig | number> {
  const path = args.config ?? findConfigFile({ cwd: io.cwd, env: io.env });
  if (!path) {
    io.stderr(
      'mcp-gateway: no configuration found. Looked for ./servers.yaml, $XDG_CONFIG_HOME/mcp-gateway/servers.yaml ' +
        '(~/.config/mcp-gateway/servers.yaml) and /etc/mcp-gateway/servers.yaml; pass one with --config.\n',
    );
    return EXIT.failure;
  }
  try {
    return await loadConfigFile(path, io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // A client's MCP file given as a servers.yaml: how to import it says more than "unknown key mcpServers".
    const text = await readFile(path, 'utf8').catch(() => '');
    io.stderr(`mcp-gateway: ${refusal}:\n${clientConfigHint(text, path) ?? error.message}\n`);
    return EXIT.failure;
  }
}

function usage(io: CliIo, message: string): number {
  io.stderr(`mcp-gateway: ${message}\nRun mcp-gateway --help for usage.\n`);
  return EXIT.usage;
}

async function check(args: CommonArgs, io: CliIo): Promise<number> {
  const loaded = await load(args, io, 'invalid configuration');
  if (typeof loaded === 'number') return loaded;
  // What the file alone cannot tell: the tools the pipelines call, as far as the catalog knows them.
  const problems = checkPipelineTools(loaded);
  if (problems.length > 0) {
    io.stderr(`mcp-gateway: invalid configuration:\n${problems.join('\n')}\n`);
    return EXIT.failure;
  }
  io.stderr(`mcp-gateway: ${loaded.path} is valid\n`);
  io.stdout(`${JSON.stringify(loaded.redacted, null, 2)}\n`);
  return EXIT.ok;
}

async function serve(args: ServeArgs, io: CliIo): Promise<number> {
  const loaded = await load(args, io, 'invalid configuration, not started');
  if (typeof loaded === 'number') return loaded;
  const config = {
    ...loaded.config,
    ...(args.port !== undefined ? { port: args.port } : {}),
    ...(args.host !== undefined ? { host: args.host } : {}),
    ...(args['log-level'] !== undefined ? { log_level: args['log-level'] } : {}),
    ...(args['meta-mcp'] !== undefined ? { enable_meta_mcp: args['meta-mcp'] } : {}),
  };
  const log = createLogger({ level: config.log_level, secrets: loaded.secrets });
  log.info({ config: loaded.path, version: VERSION }, 'configuration loaded');

  // Listened for before anything starts: a SIGTERM that arrives just after the port opens must still stop backends.
  const stopped = io.stopSignal();
  const gateway = createGateway(config, log, {
    secrets: loaded.secrets,
    configFile: { path: loaded.path, config: loaded.config },
    watchConfig: args.watch !== false,
    env: io.env,
  });
  io.onReloadSignal?.(() => void gateway.runtime.reload());
  let url: string;
  try {
    url = await gateway.listen();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === STATE_DIR_LOCKED || code === UNAUTHENTICATED_BIND) {
      io.stderr(`mcp-gateway: cannot start: ${(error as Error).message}\n`);
      await gateway.close();
      return EXIT.failure;
    }
    const reason =
      code === 'EADDRINUSE'
        ? `port ${config.port} on ${config.host} is already in use`
        : code === 'EADDRNOTAVAIL'
          ? `address ${config.host} is not available on this machine`
          : String(error);
    io.stderr(`mcp-gateway: cannot listen: ${reason}\n`);
    await gateway.close();
    return EXIT.failure;
  }
  log.info({ url, backends: gateway.registry.names() }, 'mcp-gateway listening');
  const signal = await stopped;
  log.info({ signal }, 'stopping');
  await gateway.close();
  return EXIT.ok;
}

async function stdio(args: StdioArgs, io: CliIo): Promise<number> {
  if (args.surface !== undefined && args.surface !== 'meta' && args.surface !== 'flat') {
    return usage(
      io,
      `--surface is meta (the meta-tools of /mcp) or flat (every tool as server__tool, as /mcp/flat)`,
    );
  }
  if (args.url !== undefined && (args.surface !== undefined || args.profile !== undefined)) {
    return usage(
      io,
      '--surface and --profile choose what a local stdio gateway serves; with --url, choose the URL',
    );
  }
  const streams = { stdin: io.stdin ?? process.stdin, stdout: io.stdoutStream ?? process.stdout };
  if (args.url !== undefined) {
    if (args.config !== undefined) {
      return usage(
        io,
        '--url and --config exclude each other: with --url, the running gateway uses its own config',
      );
    }
    const url = URL.canParse(args.url) ? new URL(args.url) : undefined;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      return usage(io, `--url takes the http:// URL of a gateway endpoint, e.g. http://127.0.0.1:39400/mcp`);
    }
    return runRemoteBridge({
      url,
      token: io.env.MCP_GATEWAY_TOKEN || undefined,
      ...streams,
      say: (line) => io.stderr(`${line}\n`),
    });
  }

  const loaded = await load(args, io, 'invalid configuration, not started');
  if (typeof loaded === 'number') return loaded;
  const config = {
    ...loaded.config,
    ...(args['log-level'] !== undefined ? { log_level: args['log-level'] } : {}),
  };
  const log = createLogger({ level: config.log_level, secrets: loaded.secrets });
  log.info({ config: loaded.path, version: VERSION }, 'configuration loaded');
  let access: Access | undefined;
  if (args.profile !== undefined) {
    const profile = config.profiles[args.profile];
    if (!profile) {
      const names = Object.keys(config.profiles);
      return usage(
        io,
        `no profile "${args.profile}" in ${loaded.path} (${names.length ? names.join(', ') : 'it has none'})`,
      );
    }
    access = compileAccess(profile);
  }
  // The profile's surface unless --surface says otherwise.
  const flat = args.surface === undefined ? access?.surface === 'flat' : args.surface === 'flat';
  await runStdioGateway(config, log, streams, {
    surface: { flat, ...(access ? { access } : {}) },
    maxCallMs: RUNTIME_DEFAULTS.maxCallMs,
    shutdownGraceMs: RUNTIME_DEFAULTS.shutdownGraceMs,
    stopSignal: io.stopSignal(),
  });
  return EXIT.ok;
}
