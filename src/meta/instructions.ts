/**
 * @module instructions: what a meta endpoint tells its client about itself, the same in either protocol era.
 */
export const FLAT_INSTRUCTIONS =
  "This gateway fronts several MCP servers; their tools are listed here as server__tool, each description starting with the server's name.";
export const INSTRUCTIONS =
  'This gateway fronts several MCP servers. Find a tool with gateway_search_tools, then call it with ' +
  'gateway_invoke({ server, tool, arguments }).';
