/**
 * @module tool-server helper: a Streamable HTTP MCP backend written in-test with the SDK, serving the tools it is
 * given, on a port that may be chosen before it listens (a backend that comes up after the gateway).
 */
import { createServer as createNetServer } from 'node:net';
import { startHttpBackend, type HttpBackend } from './http-backend.js';

export type ToolServer = HttpBackend;

/** Serves `tools`, each answering its own name. */
export function startToolServer(
  tools: ReadonlyArray<{ name: string; description: string }>,
  port = 0,
): Promise<ToolServer> {
  return startHttpBackend({
    name: 'tool-server',
    port,
    strictSessions: true,
    tools(server) {
      for (const tool of tools)
        server.registerTool(tool.name, { description: tool.description, inputSchema: {} }, () => ({
          content: [{ type: 'text', text: tool.name }],
        }));
    },
  });
}

/** A loopback port free now (nothing listens on it until a test starts a server there). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}
