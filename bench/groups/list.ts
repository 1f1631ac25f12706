/**
 * @module bench/groups/list: tools/list on /mcp/<backend> against the backend directly (stdio and HTTP), and on the
 * meta-tool endpoint /mcp.
 */
import { closeAll, listCall } from '../calls.js';
import { HTTP_BACKEND, STDIO_BACKEND } from '../fixtures.js';
import { HttpMcpSession, createAgent, type RpcClient } from '../mcp-client.js';
import { compare, runBlock, type ThroughputRow } from '../measure.js';
import type { Rig } from '../rig.js';

export async function listGroup(rig: Rig, rows: ThroughputRow[]): Promise<void> {
  const agent = createAgent(8);
  for (const transport of ['stdio', 'http'] as const) {
    const backend = transport === 'stdio' ? STDIO_BACKEND : HTTP_BACKEND;
    const gw = [await HttpMcpSession.open(agent, `${rig.gateway.url}/mcp/${backend}`)];
    const direct: RpcClient[] =
      transport === 'stdio' ? [rig.stdioDirect] : [await HttpMcpSession.open(agent, rig.http.url)];
    process.stderr.write(`  tools/list ${transport} c=1 …\n`);
    const result = await runBlock(
      [
        { label: 'direct', probe: { gatewayPid: rig.gateway.pid }, call: listCall(direct, 2) },
        { label: 'gateway', probe: { gatewayPid: rig.gateway.pid }, call: listCall(gw, 2) },
      ],
      1,
    );
    const d = result.get('direct')!;
    const g = result.get('gateway')!;
    const base = { group: 'tools/list', transport, concurrency: 1, sessions: 'per-worker' } as const;
    rows.push({ ...base, target: 'direct', summary: d });
    rows.push({ ...base, target: `/mcp/${backend}`, summary: g, vsDirect: compare(g, d) });
    await closeAll([...gw, ...(transport === 'http' ? direct : [])]);
  }
  process.stderr.write('  tools/list /mcp c=1 …\n');
  const meta = [await HttpMcpSession.open(agent, `${rig.gateway.url}/mcp`)];
  const result = await runBlock(
    [{ label: 'gateway', probe: { gatewayPid: rig.gateway.pid }, call: listCall(meta, 4) }],
    1,
  );
  rows.push({
    group: 'tools/list',
    transport: 'meta',
    concurrency: 1,
    sessions: 'per-worker',
    target: '/mcp',
    summary: result.get('gateway')!,
  });
  await closeAll(meta);
  agent.destroy();
}
