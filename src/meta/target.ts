/**
 * @module target: which backend tool a gateway_invoke (or gateway_list_tools) means, forgiving the slips models
 * make: `server__tool` or `server.tool` in the tool field, a near-miss server or tool name (answered with "did you
 * mean"), a tool named on the wrong server.
 */
import { closest } from '../suggest.js';
import type { CatalogTool } from '../catalog/catalog.js';
import type { CatalogView } from './context.js';

export type ServerLookup = { ok: true; server: string } | { ok: false; message: string };
export type ToolLookup =
  { ok: true; server: string; tool: string; entry: CatalogTool | undefined } | { ok: false; message: string };

export function findServer(server: unknown, names: readonly string[]): ServerLookup {
  if (typeof server !== 'string' || server === '') {
    return { ok: false, message: `"server" is required: one of ${names.join(', ')}` };
  }
  if (names.includes(server)) return { ok: true, server };
  const lower = names.find((n) => n === server.toLowerCase());
  if (lower) return { ok: true, server: lower };
  const guess = closest(server, names);
  return {
    ok: false,
    message: `unknown server "${server}"${guess ? `; did you mean "${guess}"?` : ''} Known servers: ${names.join(', ')}`,
  };
}

export function findTool(
  server: unknown,
  tool: unknown,
  names: readonly string[],
  catalog: CatalogView,
): ToolLookup {
  if (typeof tool !== 'string' || tool === '') return { ok: false, message: '"tool" is required' };
  // `server__tool` / `server.tool` in the tool field, with the server left out or repeated.
  const split = splitQualified(tool, names);
  if (split && (server === undefined || server === '' || server === split.server)) {
    return findTool(split.server, split.tool, names, catalog);
  }
  const found = findServer(server, names);
  if (!found.ok) return found;
  const entry = catalog.get(found.server);
  // Not indexed yet: the backend itself is the judge of the name.
  if (!entry) return { ok: true, server: found.server, tool, entry: undefined };
  const exact = entry.tools.find((t) => t.tool.name === tool);
  if (exact) return { ok: true, server: found.server, tool, entry: exact };

  const elsewhere = names.filter((n) => n !== found.server && catalog.find(n, tool));
  const guess = closest(
    tool,
    entry.tools.map((t) => t.tool.name),
  );
  const hints = [
    guess ? `did you mean "${guess}"?` : '',
    elsewhere.length ? `"${tool}" is a tool of ${elsewhere.map((n) => `"${n}"`).join(', ')}.` : '',
  ].filter(Boolean);
  return {
    ok: false,
    message: `server "${found.server}" has no tool "${tool}"${hints.length ? `; ${hints.join(' ')}` : ''} (gateway_list_tools lists them)`,
  };
}

function splitQualified(
  tool: string,
  names: readonly string[],
): { server: string; tool: string } | undefined {
  for (const separator of ['__', '.', '/', ':']) {
    const at = tool.indexOf(separator);
    if (at <= 0) continue;
    const server = tool.slice(0, at);
    if (names.includes(server)) return { server, tool: tool.slice(at + separator.length) };
  }
  return undefined;
}
