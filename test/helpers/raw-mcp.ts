/**
 * What a test that speaks MCP without the SDK sends: the headers of a Streamable HTTP POST and an initialize request
 * (protocol 2025-06-18, no capabilities).
 */
export const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
};
