/**
 * @module bench/groups/passthrough: tools/call echo through /mcp/<backend>, gateway_invoke on /mcp and the lean
 * prototype, each against a direct connection to the same backend, over stdio and HTTP at every concurrency block.
 */
import { closeAll, echoCall, invokeCall } from '../calls.js';
import { HTTP_BACKEND, STDIO_BACKEND } from '../fixtures.js';
import { HttpMcpSession, createAgent, type RpcClient } from '../mcp-client.js';
import { compare, runBlock, type Target, type ThroughputRow } from '../measure.js';
import { childPids } from '../procfs.js';
import { stdioBackendPid, type Rig } from '../rig.js';
import { CONCURRENCY } from '../settings.js';

export async function passthroughGroup(rig: Rig, rows: ThroughputRow[]): Promise<void> {
  const gwAgent = createAgent(128);
  const directAgent = createAgent(128);
  for (const transport of ['stdio', 'http'] as const) {
    const backend = transport === 'stdio' ? STDIO_BACKEND : HTTP_BACKEND;
    for (const { c, sharing } of CONCURRENCY) {
      const n = sharing === 'shared' ? 1 : c;
      const pass = await Promise.all(
        Array.from({ length: n }, () => HttpMcpSession.open(gwAgent, `${rig.gateway.url}/mcp/${backend}`)),
      );
      const meta = await Promise.all(
        Array.from({ length: n }, () => HttpMcpSession.open(gwAgent, `${rig.gateway.url}/mcp`)),
      );
      const direct: RpcClient[] =
        transport === 'stdio'
          ? [rig.stdioDirect]
          : await Promise.all(
              Array.from({ length: n }, () => HttpMcpSession.open(directAgent, rig.http.url)),
            );
      // The lean prototype only where the targets are set (c=1 and c=16), to keep the run short.
      const lean =
        c <= 16
          ? await Promise.all(
              Array.from({ length: n }, () =>
                HttpMcpSession.open(directAgent, `${rig.lean.url}/mcp/${backend}`),
              ),
            )
          : [];
      const gatewayBackend = transport === 'stdio' ? await stdioBackendPid(rig.gateway) : rig.http.pid;
      const leanBackend = transport === 'stdio' ? childPids(rig.lean.pid)[0] : rig.http.pid;
      const targets: Target[] = [
        {
          label: 'direct',
          probe: {
            gatewayPid: rig.gateway.pid,
            backendPid: () => (transport === 'stdio' ? rig.stdioDirect.pid : rig.http.pid),
          },
          call: echoCall(direct),
        },
        {
          label: 'passthrough',
          probe: { gatewayPid: rig.gateway.pid, backendPid: () => gatewayBackend },
          call: echoCall(pass),
        },
        {
          label: 'gateway_invoke',
          probe: { gatewayPid: rig.gateway.pid, backendPid: () => gatewayBackend },
          call: invokeCall(meta, backend),
        },
        ...(lean.length
          ? [
              {
                label: 'lean prototype',
                probe: { gatewayPid: rig.lean.pid, backendPid: () => leanBackend },
                call: echoCall(lean),
              },
            ]
          : []),
      ];
      const label = `${transport} c=${c} ${sharing}`;
      process.stderr.write(`  ${label} …\n`);
      const result = await runBlock(targets, c);
      const d = result.get('direct')!;
      const base = { transport, concurrency: c, sessions: sharing } as const;
      rows.push({ group: 'passthrough', ...base, target: 'direct', summary: d });
      for (const name of ['passthrough', 'gateway_invoke', 'lean prototype']) {
        const s = result.get(name);
        if (!s) continue;
        rows.push({
          group: name === 'passthrough' ? 'passthrough' : name === 'gateway_invoke' ? 'invoke' : 'prototype',
          ...base,
          target: name,
          summary: s,
          vsDirect: compare(s, d),
        });
      }
      await closeAll([...pass, ...meta, ...lean, ...(transport === 'http' ? direct : [])]);
    }
  }
  gwAgent.destroy();
  directAgent.destroy();
}
