/**
 * @module definitions: the four meta-tools as `/mcp` lists them. Fixed text, sorted by name, no live counts: the
 * list is byte-identical from call to call and across restarts, so clients' prompt caches hold.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';

export const META_TOOL_NAMES = [
  'gateway_invoke',
  'gateway_list_servers',
  'gateway_list_tools',
  'gateway_search_tools',
] as const;

const server = { type: 'string', description: 'Server name, as gateway_list_servers shows it.' } as const;

export const META_TOOLS: readonly Tool[] = [
  {
    name: 'gateway_invoke',
    description:
      "Call a tool on one of the gateway's servers and get the tool's own result. " +
      'Find the tool and its input schema with gateway_search_tools first.',
    inputSchema: {
      type: 'object',
      properties: {
        server,
        tool: { type: 'string', description: 'Tool name on that server.' },
        arguments: {
          type: 'object',
          description: "The tool's arguments, as its input schema describes them.",
        },
      },
      required: ['server', 'tool'],
    },
  },
  {
    name: 'gateway_list_servers',
    description:
      'List the MCP servers behind this gateway: name, description, transport, state, how many tools each has, and ' +
      'whether its tools are indexed yet.',
    inputSchema: { type: 'object', properties: {} },
  },
  {
    name: 'gateway_list_tools',
    description: "List every tool of one server with its full input schema (from the gateway's catalog).",
    inputSchema: { type: 'object', properties: { server }, required: ['server'] },
  },
  {
    name: 'gateway_search_tools',
    description:
      'Search all servers for tools that do what you need. Returns the best matches with server, tool, ' +
      'description and input schema, ready for gateway_invoke.',
    inputSchema: {
      type: 'object',
      properties: {
        query: {
          type: 'string',
          description: 'What the tool should do, in a few words; a pattern if regex is true.',
        },
        limit: {
          type: 'integer',
          minimum: 1,
          maximum: 50,
          default: 5,
          description: 'Most matches to return.',
        },
        server: { type: 'string', description: 'Only search this server.' },
        regex: {
          type: 'boolean',
          default: false,
          description: 'Match query as a regular expression on names and descriptions.',
        },
      },
      required: ['query'],
    },
  },
];
