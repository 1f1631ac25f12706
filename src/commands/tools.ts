/**
 * @module commands/tools: `mcp-gateway tools search QUERY` and `mcp-gateway tools call SERVER TOOL [ARGS]`, through
 * the running gateway's meta-tools gateway_search_tools and gateway_invoke, the way a model would use them.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { OptionSpec, PositionalSpec } from '../cli-args.js';
import { EXIT } from '../exit-codes.js';
import { findDaemon, JSON_OPTION, URL_OPTION, type DaemonArgs } from './daemon-address.js';
import type { CommandIo } from './io.js';
import { callMetaTool } from './meta-client.js';
import { cell, formatColumns } from './table.js';

export const SEARCH_POSITIONALS: readonly PositionalSpec[] = [{ name: 'QUERY', rest: true }];
export const SEARCH_OPTIONS: readonly OptionSpec[] = [
  { name: 'server', type: 'string', describe: "search only this backend's tools" },
  { name: 'limit', type: 'number', describe: 'at most this many results (1-50, default 5)' },
  { name: 'regex', type: 'boolean', describe: 'QUERY is a regular expression (RE2) instead of words' },
  URL_OPTION,
  JSON_OPTION,
];

export const CALL_POSITIONALS: readonly PositionalSpec[] = [
  { name: 'SERVER' },
  { name: 'TOOL' },
  { name: 'ARGS', optional: true },
];
export const CALL_OPTIONS: readonly OptionSpec[] = [URL_OPTION, JSON_OPTION];

export interface SearchArgs extends DaemonArgs {
  QUERY?: string;
  server?: string;
  limit?: number;
  regex?: boolean;
}

export interface CallArgs extends DaemonArgs {
  SERVER?: string;
  TOOL?: string;
  ARGS?: string;
}

interface SearchAnswer {
  results: { server: string; tool: string; description: string }[];
  not_indexed?: string[];
}

export async function runToolsSearchCommand(args: SearchArgs, io: CommandIo): Promise<number> {
  const found = findDaemon(args, io);
  if (!found.ok) return fail(io, found.message);
  const called = await callMetaTool(found.daemon.url, 'gateway_search_tools', {
    query: args.QUERY ?? '',
    ...(args.server !== undefined ? { server: args.server } : {}),
    ...(args.limit !== undefined ? { limit: args.limit } : {}),
    ...(args.regex ? { regex: true } : {}),
  });
  if (!called.ok) return fail(io, called.message);
  const { result } = called;
  if (result.isError) return fail(io, texts(result).join('\n'));
  if (args.json) {
    io.stdout(`${JSON.stringify(result.structuredContent ?? parseText(result))}\n`);
    return EXIT.ok;
  }
  const answer = (result.structuredContent ?? parseText(result)) as SearchAnswer;
  const lines: string[] = [];
  if (answer.results.length === 0) lines.push(`No tool matches "${args.QUERY}".`);
  else {
    const rows = answer.results.map((r) => [r.server, r.tool, cell(r.description.split('\n')[0] ?? '', 80)]);
    lines.push(formatColumns(['SERVER', 'TOOL', 'DESCRIPTION'], rows));
  }
  if (answer.not_indexed?.length) {
    lines.push(
      '',
      `Not searchable until first started: ${answer.not_indexed.join(', ')} (mcp-gateway servers shows them).`,
    );
  }
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

export async function runToolsCallCommand(args: CallArgs, io: CommandIo): Promise<number> {
  let toolArgs: unknown = {};
  if (args.ARGS !== undefined) {
    try {
      toolArgs = JSON.parse(args.ARGS);
    } catch {
      toolArgs = undefined;
    }
  }
  if (toolArgs === null || typeof toolArgs !== 'object' || Array.isArray(toolArgs)) {
    io.stderr(`mcp-gateway: ARGS must be a JSON object, such as '{"message": "hello"}'\n`);
    return EXIT.usage;
  }
  const found = findDaemon(args, io);
  if (!found.ok) return fail(io, found.message);
  const called = await callMetaTool(found.daemon.url, 'gateway_invoke', {
    server: args.SERVER,
    tool: args.TOOL,
    arguments: toolArgs,
  });
  if (!called.ok) return fail(io, called.message);
  const { result } = called;
  if (args.json) io.stdout(`${JSON.stringify(result)}\n`);
  else {
    const shown = texts(result);
    // A result with only structured content still has something to show.
    if (shown.length === 0 && result.structuredContent)
      shown.push(JSON.stringify(result.structuredContent, null, 2));
    (result.isError ? io.stderr : io.stdout)(shown.length > 0 ? `${shown.join('\n')}\n` : '');
  }
  return result.isError ? EXIT.failure : EXIT.ok;
}

/** Each content block as a line of text: text as it is, anything else named by its kind. */
function texts(result: CallToolResult): string[] {
  return result.content.map((block) => {
    switch (block.type) {
      case 'text':
        return block.text;
      case 'image':
      case 'audio':
        return `[${block.type} ${block.mimeType}, ${Math.floor((block.data.length * 3) / 4)} bytes]`;
      case 'resource':
        return 'text' in block.resource ? block.resource.text : `[resource ${block.resource.uri}]`;
      case 'resource_link':
        return `[link ${block.uri}]`;
      default:
        return `[${(block as { type: string }).type}]`;
    }
  });
}

function parseText(result: CallToolResult): unknown {
  const text = texts(result)[0] ?? '{}';
  try {
    return JSON.parse(text);
  } catch {
    return { results: [] };
  }
}

function fail(io: CommandIo, message: string): number {
  io.stderr(`mcp-gateway: ${message}\n`);
  return EXIT.failure;
}
