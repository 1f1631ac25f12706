/**
 * @module import/client-config: reads an MCP client's configuration file (Claude Desktop, Claude Code, Cursor, VS
 * Code) and says which one it is and which servers it declares, each with the project it belongs to, if any.
 */
import { homedir } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseJsonc } from './jsonc.js';
import { quoteWord } from './quote.js';

export type ClientFormat = 'claude-desktop' | 'claude-code' | 'cursor' | 'vscode' | 'mcp-servers';

export const FORMAT_LABELS: Record<ClientFormat, string> = {
  'claude-desktop': 'Claude Desktop',
  'claude-code': 'Claude Code',
  cursor: 'Cursor',
  vscode: 'VS Code',
  'mcp-servers': 'Claude Desktop, Claude Code or Cursor',
};

export interface ClientServer {
  /** The server's name in the client's file. */
  name: string;
  /** The client's entry, as read. */
  entry: unknown;
  /** The folder of the project whose server this is (servers run there); undefined for a user-wide server. */
  projectDir: string | undefined;
  /** Where the entry sits in the file, for messages: `mcpServers.github`, `projects["/src/app"].mcpServers.db`. */
  where: string;
}

/** A VS Code `inputs` item: a value VS Code asks the user for, referenced as `${input:id}`. */
export interface ClientInput {
  id: string;
  description: string | undefined;
  password: boolean;
}

export interface ClientConfig {
  format: ClientFormat;
  servers: ClientServer[];
  inputs: ClientInput[];
}

export type ReadResult = { ok: true; config: ClientConfig } | { ok: false; message: string };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The client's servers in `text`, the content of the file at `path` (its name and folder tell the clients apart,
 * since three of them share the `mcpServers` shape). `home` is where user-wide files live.
 */
export function readClientConfig(text: string, path: string, home: string = homedir()): ReadResult {
  const parsed = parseJsonc(text);
  // The message starts with `line:col ` when JSON.parse tells the place, with a space when it does not.
  if (!parsed.ok) return { ok: false, message: `${path}:${parsed.message}` };
  const root = parsed.value;
  if (!isObject(root)) return { ok: false, message: `${path}: expected a JSON object at the top` };
  const format = detectFormat(root, path);
  if (!format) {
    return {
      ok: false,
      message:
        `${path} is not an MCP client configuration: it has neither "mcpServers" (Claude Desktop, Claude Code, ` +
        'Cursor) nor "servers" (VS Code) at the top',
    };
  }
  const servers: ClientServer[] = [];
  const projectDir = projectOf(path, format, home);
  const vscode = format === 'vscode' ? (isObject(root.servers) ? root : (root.mcp as Json)) : undefined;
  const prefix = vscode && vscode !== root ? 'mcp.' : '';
  const top = vscode ? vscode.servers : root.mcpServers;
  servers.push(...entries(top, `${prefix}${vscode ? 'servers' : 'mcpServers'}`, projectDir));
  // ~/.claude.json keeps the servers of each project under projects.<absolute path>.mcpServers.
  if (format === 'claude-code' && isObject(root.projects)) {
    for (const [dir, project] of Object.entries(root.projects)) {
      if (!isObject(project)) continue;
      servers.push(...entries(project.mcpServers, `projects[${JSON.stringify(dir)}].mcpServers`, dir));
    }
  }
  const inputs = Array.isArray(vscode?.inputs) ? vscode.inputs.filter(isObject).map(toInput) : [];
  return { ok: true, config: { format, servers, inputs } };
}

function entries(servers: unknown, where: string, projectDir: string | undefined): ClientServer[] {
  if (!isObject(servers)) return [];
  return Object.entries(servers).map(([name, entry]) => ({
    name,
    entry,
    projectDir,
    where: `${where}${/^[A-Za-z0-9_-]+$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`}`,
  }));
}

function toInput(item: Json): ClientInput {
  return {
    id: String(item.id ?? ''),
    description: typeof item.description === 'string' ? item.description : undefined,
    password: item.password === true,
  };
}

/** Which client wrote the file, from its name and folder first, then from its shape. */
export function detectFormat(root: Json, path: string): ClientFormat | undefined {
  const name = basename(path);
  const folder = basename(dirname(resolve(path)));
  const hasServers = isObject(root.servers) || (isObject(root.mcp) && isObject(root.mcp.servers));
  if (isObject(root.mcpServers) || (name === '.claude.json' && isObject(root.projects))) {
    if (name === 'claude_desktop_config.json') return 'claude-desktop';
    if (name === '.mcp.json' || name === '.claude.json' || isObject(root.projects)) return 'claude-code';
    if (folder === '.cursor') return 'cursor';
    return 'mcp-servers';
  }
  if (hasServers) return 'vscode';
  return undefined;
}

/**
 * The project a file belongs to: the folder holding `.mcp.json`, or holding the `.vscode` or `.cursor` folder of
 * the file. The same names in the home folder (`~/.cursor/mcp.json`) are the user's, for every project.
 */
function projectOf(path: string, format: ClientFormat, home: string): string | undefined {
  const file = resolve(path);
  const folder = dirname(file);
  let project: string | undefined;
  if (format === 'claude-code' && basename(file) === '.mcp.json') project = folder;
  else if (
    (format === 'cursor' || format === 'vscode') &&
    ['.cursor', '.vscode'].includes(basename(folder))
  ) {
    project = dirname(folder);
  }
  return project !== undefined && resolve(project) !== resolve(home) ? project : undefined;
}

/**
 * For `mcp-gateway check`: when the file given as a servers.yaml is a client's configuration, what to say instead
 * of "unknown key". Undefined for anything else, including a servers.yaml with a stray `servers:` beside `backends:`.
 */
export function clientConfigHint(text: string, path: string): string | undefined {
  let root: unknown;
  const parsed = parseJsonc(text);
  if (parsed.ok) root = parsed.value;
  else {
    try {
      root = parseYaml(text);
    } catch {
      return undefined;
    }
  }
  if (!isObject(root) || root.backends !== undefined) return undefined;
  const format = detectFormat(root, path);
  if (!format) return undefined;
  const key = format === 'vscode' ? 'servers' : 'mcpServers';
  const file = quoteWord(path);
  return (
    `${path} is a ${FORMAT_LABELS[format]} configuration ("${key}"), not a servers.yaml. Import its servers with:\n` +
    `  mcp-gateway import ${file}                      # prints them as servers.yaml backends\n` +
    `  mcp-gateway import ${file} --into servers.yaml  # adds them to a servers.yaml`
  );
}
