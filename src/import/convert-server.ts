/**
 * @module import/convert-server: one client server entry as a servers.yaml backend. The clients' shapes differ in
 * small ways (Claude Code and VS Code say `type`, Cursor and Claude Desktop infer it from `url`); what the gateway
 * cannot carry over is named, never dropped in silence.
 */
import { resolve } from 'node:path';
import type { ClientInput, ClientServer } from './client-config.js';
import { isObject } from '../json-rpc.js';
import { quoteWord } from './quote.js';
import { translateReferences, type ReferenceContext } from './references.js';
import { headerTemplate, looksLikeLiteralSecret, variableFor } from './secrets.js';

/** A backend as written under `backends:`, its keys in the order the README documents them. */
export type BackendEntry = Record<string, unknown>;

export interface ConvertedServer {
  entry: BackendEntry;
  /** What changed in meaning on the way (references, ignored keys): told on stderr and written above the backend. */
  notes: string[];
  /** Each literal credential found: where it is and the `${VAR}` to write instead. */
  secrets: string[];
}

export type ConvertResult = { ok: true; server: ConvertedServer } | { ok: false; reason: string };

const REMOTE_TYPES: Record<string, 'http' | 'sse'> = {
  http: 'http',
  'streamable-http': 'http',
  streamablehttp: 'http',
  sse: 'sse',
};
const KNOWN_KEYS = [
  'type',
  'command',
  'args',
  'env',
  'cwd',
  'url',
  'serverUrl',
  'headers',
  'disabled',
  'enabled',
];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** JSON numbers and booleans in env and headers are meant as their text, as the clients pass them. */
const scalarText = (value: unknown): string | undefined =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : undefined;

/** `name` is the backend's (normalized) name: it names the variables suggested for header credentials. */
export function convertServer(
  server: ClientServer,
  name: string,
  inputs: readonly ClientInput[],
): ConvertResult {
  const e = server.entry;
  if (!isObject(e)) return { ok: false, reason: 'the entry is not an object' };
  const context: ReferenceContext = { projectDir: server.projectDir, inputs, notes: [] };
  const text = (value: string) => translateReferences(value, context);
  const type = typeof e.type === 'string' ? e.type.toLowerCase() : undefined;
  const url = e.url ?? e.serverUrl;
  if (type !== undefined && type !== 'stdio' && !REMOTE_TYPES[type]) {
    return { ok: false, reason: `type "${String(e.type)}" is not one the gateway speaks (stdio, http, sse)` };
  }
  const remote = type !== undefined ? type !== 'stdio' : url !== undefined && e.command === undefined;
  const entry: BackendEntry = {};
  const secrets: string[] = [];
  const used = new Set(['type', 'disabled', 'enabled']);

  if (remote) {
    if (typeof url !== 'string') return { ok: false, reason: 'a remote server without a "url"' };
    used.add(e.url !== undefined ? 'url' : 'serverUrl');
    const http_url = text(url);
    const transport = type ? REMOTE_TYPES[type]! : undefined;
    const inferred = http_url.split(/[?#]/)[0]!.endsWith('/sse') ? 'sse' : 'http';
    if (transport && transport !== inferred) entry.transport = transport;
    entry.http_url = http_url;
    secrets.push(...urlSecrets(http_url));
    if (isObject(e.headers)) {
      used.add('headers');
      const headers: Record<string, string> = {};
      for (const [key, raw] of Object.entries(e.headers)) {
        const value = scalarText(raw);
        if (value === undefined) continue;
        headers[key] = text(value);
        if (looksLikeLiteralSecret(key, headers[key])) {
          const variable = variableFor(name, key);
          secrets.push(
            `headers.${key} looks like a literal credential: write ${key}: "${headerTemplate(value, variable)}" ` +
              `and set ${variable} in the gateway's environment`,
          );
        }
      }
      if (Object.keys(headers).length > 0) entry.headers = headers;
    }
  } else {
    if (typeof e.command !== 'string' || e.command.trim() === '') {
      return { ok: false, reason: url === undefined ? 'neither "command" nor "url"' : 'no "command"' };
    }
    used.add('command');
    const args = Array.isArray(e.args) ? e.args.map(scalarText).filter((a) => a !== undefined) : [];
    if (Array.isArray(e.args)) used.add('args');
    entry.command = commandWord(text(e.command), args.length === 0, context.notes);
    if (args.length > 0) entry.args = args.map(text);
    if (isObject(e.env)) {
      used.add('env');
      const env: Record<string, string> = {};
      for (const [key, raw] of Object.entries(e.env)) {
        const value = scalarText(raw);
        if (value === undefined) continue;
        env[key] = text(value);
        if (looksLikeLiteralSecret(key, env[key])) {
          const variable = ENV_NAME.test(key) ? key : variableFor(name, key);
          secrets.push(
            `env.${key} looks like a literal credential: write ${key}: \${${variable}} ` +
              `and set ${variable} in the gateway's environment`,
          );
        }
      }
      if (Object.keys(env).length > 0) entry.env = env;
    }
    // A project's servers run in the project's folder in the client; the gateway's default is its config's folder.
    const cwd = typeof e.cwd === 'string' ? text(e.cwd) : undefined;
    if (cwd !== undefined) used.add('cwd');
    if (cwd !== undefined || server.projectDir !== undefined) {
      entry.cwd = server.projectDir !== undefined ? resolve(server.projectDir, cwd ?? '.') : cwd;
    }
  }
  if (e.disabled === true || e.enabled === false) entry.enabled = false;

  const ignored = Object.keys(e).filter((k) => !used.has(k));
  if (ignored.includes('envFile')) {
    context.notes.push(
      "envFile is not read by the gateway: put its variables in the gateway's environment and name them in env:",
    );
  }
  const others = ignored.filter((k) => k !== 'envFile');
  if (others.length > 0) {
    const known = others.filter((k) => KNOWN_KEYS.includes(k));
    const what =
      known.length === others.length ? `for a ${remote ? 'remote' : 'stdio'} server` : 'by the gateway';
    context.notes.push(`not carried over (not used ${what}): ${others.join(', ')}`);
  }
  return { ok: true, server: { entry, notes: [...new Set(context.notes)], secrets } };
}

/**
 * servers.yaml splits `command:` into words. A client's `command` is one program, so it is quoted to stay one word,
 * except a whole command line written there with no `args` (`"npx -y server"`), which the clients pass to a shell.
 */
function commandWord(command: string, noArgs: boolean, notes: string[]): string {
  if (noArgs && /\s/.test(command.trim()) && !/^([/.~]|[A-Za-z]:\\)/.test(command.trim())) {
    notes.push(
      'command holds a whole command line: it is split into words as servers.yaml does (no shell is run)',
    );
    return command.trim();
  }
  return quoteWord(command);
}

/** Credentials passed in the URL's query (`?api_key=…`), which some hosted servers ask for. */
function urlSecrets(url: string): string[] {
  if (!URL.canParse(url)) return [];
  const found: string[] = [];
  for (const [key, value] of new URL(url).searchParams) {
    if (looksLikeLiteralSecret(key, value) && /key|token|secret|auth/i.test(key)) {
      found.push(
        `http_url has a literal credential in its query (${key}=…): write ${key}=\${…} with a variable`,
      );
    }
  }
  return found;
}
