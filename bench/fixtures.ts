/**
 * @module bench/fixtures: what the benchmark's gateways run on: servers.yaml files (the echo backends, or a large
 * installation of ~750 stdio servers for the search benchmark) and a persisted catalog.json of 1,000 or 10,000 tools
 * made by replicating the 20-server catalog fixture of test/fixtures/catalog.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { toolHash } from '../src/catalog/catalog.js';
import { replicateTools, type CatalogServer, type QualityQuery } from '../test/fixtures/catalog/catalog.js';
import { ECHO_SERVER } from './processes.js';

/** The JSON fixture files live in the source tree (tsc does not copy them to dist/). */
const CATALOG_FIXTURE = fileURLToPath(new URL('../../test/fixtures/catalog/', import.meta.url));

export const STDIO_BACKEND = 'echo-stdio';
export const HTTP_BACKEND = 'echo-http';

export function loadFixtureServers(): CatalogServer[] {
  const dir = join(CATALOG_FIXTURE, 'servers');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CatalogServer);
}

export function loadFixtureQueries(): string[] {
  const queries = JSON.parse(readFileSync(join(CATALOG_FIXTURE, 'queries.json'), 'utf8')) as QualityQuery[];
  return queries.map((q) => q.query);
}

/** A YAML string scalar (JSON is YAML). */
const q = (value: string) => JSON.stringify(value);

/** The echo server over stdio as a servers.yaml entry; `command` is shell-split, so the path is single-quoted. */
function stdioEcho(name: string, description: string): string {
  return [
    `  ${q(name)}:`,
    `    command: ${q(`'${process.execPath.replaceAll("'", `'"'"'`)}'`)}`,
    `    args: [${q(ECHO_SERVER)}, "--stdio"]`,
    `    description: ${q(description)}`,
  ].join('\n');
}

function header(stateDir: string): string {
  return [`host: "127.0.0.1"`, `idle_timeout: 0`, `state_dir: ${q(stateDir)}`, `backends:`].join('\n');
}

/** A gateway in front of the two echo backends (stdio, shared; Streamable HTTP at `httpUrl`). */
export function writeEchoConfig(dir: string, httpUrl: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'servers.yaml');
  const yaml = [
    header(join(dir, 'state')),
    stdioEcho(STDIO_BACKEND, 'Echo over stdio (benchmark backend).'),
    `  ${q(HTTP_BACKEND)}:`,
    `    http_url: ${q(httpUrl)}`,
    `    description: "Echo over Streamable HTTP (benchmark backend)."`,
  ].join('\n');
  writeFileSync(path, `${yaml}\n`);
  return path;
}

/**
 * A gateway configured with as many servers as `toolCount` tools need (copies of the catalog fixture: github,
 * github-2, …) and a persisted catalog holding them all, so that it searches without starting any backend. Every
 * backend is the stdio echo server, should one be started after all.
 */
export function writeLargeCatalog(dir: string, toolCount: number): { configPath: string; servers: number } {
  const fixture = loadFixtureServers();
  const descriptions = new Map(fixture.map((s) => [s.name, s.description]));
  const tools = replicateTools(fixture, toolCount);
  const byServer = new Map<string, { description: string; tools: Tool[] }>();
  for (const { server, serverDescription, tool } of tools) {
    const entry = byServer.get(server) ?? { description: serverDescription, tools: [] };
    entry.tools.push(tool);
    byServer.set(server, entry);
  }
  const stateDir = join(dir, 'state');
  mkdirSync(stateDir, { recursive: true });
  const now = new Date().toISOString();
  const servers = Object.fromEntries(
    [...byServer].map(([name, { tools: list }]) => [
      name,
      {
        tools: [...list]
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
          .map((tool) => ({ tool, hash: toolHash(tool) })),
        indexed_at: now,
      },
    ]),
  );
  writeFileSync(join(stateDir, 'catalog.json'), JSON.stringify({ version: 1, servers }));
  const entries = [...byServer].map(([name, { description }]) =>
    stdioEcho(name, description || descriptions.get(name) || ''),
  );
  const configPath = join(dir, 'servers.yaml');
  writeFileSync(configPath, `${[header(stateDir), ...entries].join('\n')}\n`);
  return { configPath, servers: byServer.size };
}
