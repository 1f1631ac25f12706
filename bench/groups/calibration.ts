/**
 * @module bench/groups/calibration: the floor of one hop on this machine: echo calls to SDK-less echo servers over
 * HTTP and stdio, no MCP library at either end.
 */
import { echoCall } from '../calls.js';
import { HttpMcpSession, StdioMcpConnection, createAgent } from '../mcp-client.js';
import { runBlock, type ThroughputRow } from '../measure.js';
import { ECHO_SERVER, startHttpEcho } from '../processes.js';

/** The floor: the same calls to SDK-less echo servers (one hop over each transport, no MCP library at either end). */
export async function calibrationGroup(rows: ThroughputRow[]): Promise<void> {
  const rawHttp = await startHttpEcho(true);
  const rawStdio = await StdioMcpConnection.spawn(process.execPath, [ECHO_SERVER, '--raw', '--stdio']);
  const agent = createAgent(64);
  try {
    for (const c of [1, 16]) {
      process.stderr.write(`  raw http and raw stdio c=${c} …\n`);
      const http = await Promise.all(
        Array.from({ length: c }, () => HttpMcpSession.open(agent, rawHttp.url)),
      );
      const result = await runBlock(
        [
          { label: 'http', probe: { backendPid: () => rawHttp.pid }, call: echoCall(http) },
          { label: 'stdio', probe: { backendPid: () => rawStdio.pid }, call: echoCall([rawStdio]) },
        ],
        c,
      );
      for (const transport of ['http', 'stdio'] as const) {
        rows.push({
          group: 'calibration',
          transport,
          concurrency: c,
          sessions: 'per-worker',
          target: transport === 'http' ? 'raw node:http' : 'raw stdio',
          summary: result.get(transport)!,
        });
      }
    }
  } finally {
    agent.destroy();
    await rawStdio.close();
    await rawHttp.stop();
  }
}
