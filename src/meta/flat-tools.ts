/**
 * @module flat-tools: the flat surface (`/mcp/flat`, and a profile with `surface: flat`): every allowed backend's
 * tools under one list, each named `server__tool` and described as `[server] …`. Built from the catalog alone, so that
 * listing never wakes a backend; sorted by server then tool, so that the list is byte-identical across calls and
 * restarts. A name must fit 64 characters (what many clients accept) and the alphabet they accept: one that does not,
 * or that two tools would share, is cut and ends with a hash of `server/tool`, the same every time.
 */
import { createHash } from 'node:crypto';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Access } from '../auth/access.js';
import { catalogView, enabledServers, type MetaContext } from './context.js';

export const FLAT_SEPARATOR = '__';
export const MAX_FLAT_NAME = 64;
const SAFE_NAME = /^[A-Za-z0-9_-]+$/;

export interface FlatSurface {
  tools: Tool[];
  /** A flat name's server and tool. */
  targets: Map<string, { server: string; tool: string }>;
}

/** The surface for one access; the last one is kept while the catalog entries it was built from are the same. */
export function flatSurface(context: MetaContext, access: Access, cache: FlatCache): FlatSurface {
  const catalog = catalogView(context, access);
  const servers = enabledServers(context, access);
  const entries = servers.map((s) => context.catalog.get(s));
  if (cache.built && sameEntries(cache.entries, entries) && cache.servers.join() === servers.join())
    return cache.built;
  const tools: Tool[] = [];
  const targets = new Map<string, { server: string; tool: string }>();
  for (const server of servers) {
    const entry = catalog.get(server);
    if (!entry) continue; // not indexed yet: listed once it is (listing never starts a backend)
    const sorted = [...entry.tools].sort((a, b) =>
      a.tool.name < b.tool.name ? -1 : a.tool.name > b.tool.name ? 1 : 0,
    );
    for (const { tool } of sorted) {
      const name = flatName(server, tool.name, targets);
      targets.set(name, { server, tool: tool.name });
      const description = tool.description ? `[${server}] ${tool.description}` : `[${server}]`;
      tools.push({ ...tool, name, description });
    }
  }
  cache.entries = entries;
  cache.servers = servers;
  cache.built = { tools, targets };
  return cache.built;
}

export interface FlatCache {
  entries: unknown[];
  servers: readonly string[];
  built: FlatSurface | undefined;
}

export function newFlatCache(): FlatCache {
  return { entries: [], servers: [], built: undefined };
}

function flatName(server: string, tool: string, taken: ReadonlyMap<string, unknown>): string {
  const plain = `${server}${FLAT_SEPARATOR}${tool}`;
  if (plain.length <= MAX_FLAT_NAME && SAFE_NAME.test(tool) && !taken.has(plain)) return plain;
  const hash = createHash('sha256').update(`${server}/${tool}`, 'utf8').digest('hex').slice(0, 8);
  const head = plain.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, MAX_FLAT_NAME - hash.length - 1);
  return `${head}_${hash}`;
}

function sameEntries(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((e, i) => e === b[i]);
}
