/**
 * @module commands/init: `mcp-gateway init [FILE] [--force]` writes a commented starter servers.yaml: valid as it
 * is (no backend yet), with the next steps and an example of each kind of backend to uncomment.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OptionSpec, PositionalSpec } from '../cli-args.js';
import { CONFIG_DEFAULTS } from '../config/index.js';
import { EXIT } from '../exit-codes.js';
import { quoteWord } from '../import/quote.js';
import type { CommandIo } from './io.js';
import { replaceFile } from './write-file.js';

export const INIT_POSITIONALS: readonly PositionalSpec[] = [{ name: 'FILE', optional: true }];

export const INIT_OPTIONS: readonly OptionSpec[] = [
  { name: 'force', type: 'boolean', describe: 'overwrite FILE if it exists' },
];

export interface InitArgs {
  FILE?: string;
  config?: string;
  force?: boolean;
}

export async function runInitCommand(args: InitArgs, io: CommandIo): Promise<number> {
  const path = resolve(io.cwd, args.FILE ?? args.config ?? CONFIG_DEFAULTS.file_name);
  if (existsSync(path) && args.force !== true) {
    io.stderr(`mcp-gateway: ${path} exists: nothing was written (--force overwrites it)\n`);
    return EXIT.failure;
  }
  try {
    mkdirSync(dirname(path), { recursive: true });
    replaceFile(path, starterConfig(path, demoToolbox()));
  } catch (error) {
    io.stderr(
      `mcp-gateway: cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`,
    );
    return EXIT.failure;
  }
  const file = quoteWord(path);
  io.stdout(
    `Wrote ${path}\n\n` +
      `  mcp-gateway import ~/.cursor/mcp.json --into ${file}   # add the servers a client already has\n` +
      `  mcp-gateway check -c ${file}                           # validate it\n` +
      `  mcp-gateway serve -c ${file}                           # run the gateway\n`,
  );
  return EXIT.ok;
}

/**
 * The toolbox demo's script as installed beside this code (dist/examples, in the npm package and the image), so
 * that its example can be uncommented as it is. Undefined when it is not there (a source checkout before a build).
 */
function demoToolbox(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'dist', 'examples', 'backends', 'toolbox.js');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function starterConfig(path: string, toolbox: string | undefined): string {
  const file = quoteWord(path);
  const { port, host, idle_timeout } = CONFIG_DEFAULTS;
  const demo = toolbox
    ? [
        '  # The offline demo server shipped with mcp-gateway (time, arithmetic, echo, UUIDs, base64), to try it out:',
        '  # toolbox:',
        `  #   command: node ${quoteWord(toolbox)}`,
        '  #   description: Offline utilities - current time, arithmetic, echo, random UUIDs, base64.',
        '  #',
      ]
    : [];
  return [
    '# mcp-gateway configuration, written by `mcp-gateway init`.',
    '#',
    `#   mcp-gateway import ~/.cursor/mcp.json --into ${file}   # add the servers of a client`,
    '#                    (Claude Desktop, Claude Code, Cursor and VS Code files are understood)',
    `#   mcp-gateway check -c ${file}                           # validate this file`,
    `#   mcp-gateway serve -c ${file}                           # run the gateway (or as a service: see the README)`,
    '#',
    `# Then point MCP clients at http://${host}:${port}/mcp (every backend's tools through four meta-tools) or at`,
    `# http://${host}:${port}/mcp/<backend> (one backend, unchanged).`,
    '#',
    "# ${VAR} and ${VAR:-default} read the gateway's environment: keep secrets there, not in this file.",
    '',
    '# Where the gateway listens. Keep it on loopback unless something authenticates in front of it.',
    `port: ${port}`,
    `host: ${host}`,
    '',
    '# Seconds a backend may sit unused before the gateway stops it; the next call starts it again.',
    `idle_timeout: ${idle_timeout}`,
    '',
    '# The admin API (/api/v1; `mcp-gateway reload` applies this file to a running gateway) is off until a token is',
    '# set: a long random string (openssl rand -hex 32), from the environment.',
    '# admin:',
    '#   token: ${MCP_GATEWAY_ADMIN_TOKEN}',
    '',
    '# Each backend has a name (its endpoint is /mcp/<name>) and either a command (stdio) or an http_url.',
    'backends:',
    ...demo,
    '  # A server run with npx, its secret read from the environment:',
    '  # github:',
    '  #   command: npx',
    "  #   args: ['-y', '@modelcontextprotocol/server-github']",
    "  #   env: { GITHUB_PERSONAL_ACCESS_TOKEN: '${GITHUB_TOKEN}' }",
    '  #',
    '  # A remote server over Streamable HTTP (an http_url ending in /sse is the legacy SSE transport):',
    '  # notes:',
    '  #   http_url: https://mcp.example.com/mcp',
    "  #   headers: { Authorization: 'Bearer ${NOTES_TOKEN}' }",
    '',
  ].join('\n');
}
