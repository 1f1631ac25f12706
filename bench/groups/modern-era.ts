/**
 * @module bench/groups/modern-era: a 2026-07-28 client (no session: every request carries the `_meta` envelope and
 * the mirrored MCP-Protocol-Version, Mcp-Method and Mcp-Name headers) against the legacy session client in the same
 * block: gateway_invoke on /mcp, and tools/call on /mcp/<backend> where the gateway serves that route to modern clients
 * (probed once with server/discover; left out when it answers legacy only), each beside a direct connection.
 */
import { Agent, request as httpRequest } from 'node:http';
import { closeAll, echoCall, invokeCall } from '../calls.js';
import { HTTP_BACKEND, STDIO_BACKEND } from '../fixtures.js';
import { HttpMcpSession, RpcFailure, createAgent, type RpcClient } from '../mcp-client.js';
import { compare, runBlock, type Target, type ThroughputRow } from '../measure.js';
import { stdioBackendPid, type Rig } from '../rig.js';
import { QUICK } from '../settings.js';

const MODERN = '2026-07-28';
const REQUEST_TIMEOUT_MS = 30_000;
const CLIENT_INFO = { name: 'mcp-gateway-bench', version: '1.0.0' };
/** Where the targets are set for the other groups; c=64 adds little here and doubles the group's time. */
const BLOCKS = QUICK ? [1, 16] : [1, 16, 64];

/** A stateless 2026-07-28 client of one URL: no session, nothing kept between requests but the keep-alive socket. */
class ModernHttpClient implements RpcClient {
  private nextId = 1;

  constructor(
    private readonly agent: Agent,
    private readonly url: URL,
  ) {}

  async request(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    });
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': method,
      'content-length': Buffer.byteLength(body),
    };
    if (method === 'tools/call' && typeof params.name === 'string') headers['mcp-name'] = params.name;
    const answer = await post(this.agent, this.url, headers, body);
    let message: { id?: unknown; result?: unknown; error?: { code: number; message: string } } | undefined;
    if (answer.type.startsWith('text/event-stream')) {
      for (const line of answer.text.split('\n'))
        if (line.startsWith('data:')) {
          const parsed = JSON.parse(line.slice(5)) as typeof message;
          if (parsed?.id === id) message = parsed;
        }
    } else if (answer.type.includes('json')) message = JSON.parse(answer.text) as typeof message;
    if (!message) throw new Error(`HTTP ${answer.status}: ${answer.text.slice(0, 200)}`);
    if (message.error) throw new RpcFailure(message.error.code, message.error.message);
    return message.result;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function post(
  agent: Agent,
  url: URL,
  headers: Record<string, string | number>,
  body: string,
): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers,
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', text }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Whether `url` answers server/discover with a 2026-07-28 result (the route serves modern clients). */
async function servesModern(agent: Agent, url: URL): Promise<boolean> {
  try {
    const result = (await new ModernHttpClient(agent, url).request('server/discover')) as {
      supportedVersions?: string[];
    };
    return result.supportedVersions?.includes(MODERN) === true;
  } catch {
    return false;
  }
}

export async function modernEraGroup(rig: Rig, rows: ThroughputRow[]): Promise<void> {
  const agent = createAgent(128);
  const directAgent = createAgent(128);
  for (const transport of ['stdio', 'http'] as const) {
    const backend = transport === 'stdio' ? STDIO_BACKEND : HTTP_BACKEND;
    const passUrl = new URL(`${rig.gateway.url}/mcp/${backend}`);
    const modernPassthrough = await servesModern(agent, passUrl);
    const gatewayBackend = transport === 'stdio' ? await stdioBackendPid(rig.gateway) : rig.http.pid;
    for (const c of BLOCKS) {
      const legacy = await Promise.all(
        Array.from({ length: c }, () => HttpMcpSession.open(agent, `${rig.gateway.url}/mcp`)),
      );
      const modern = Array.from(
        { length: c },
        () => new ModernHttpClient(agent, new URL(`${rig.gateway.url}/mcp`)),
      );
      const modernPass = modernPassthrough
        ? Array.from({ length: c }, () => new ModernHttpClient(agent, passUrl))
        : [];
      const direct: RpcClient[] =
        transport === 'stdio'
          ? [rig.stdioDirect]
          : await Promise.all(
              Array.from({ length: c }, () => HttpMcpSession.open(directAgent, rig.http.url)),
            );
      const probe = { gatewayPid: rig.gateway.pid, backendPid: () => gatewayBackend };
      const targets: Target[] = [
        {
          label: 'direct',
          probe: {
            gatewayPid: rig.gateway.pid,
            backendPid: () => (transport === 'stdio' ? rig.stdioDirect.pid : rig.http.pid),
          },
          call: echoCall(direct),
        },
        { label: 'legacy gateway_invoke', probe, call: invokeCall(legacy, backend) },
        { label: 'modern gateway_invoke', probe, call: invokeCall(modern, backend) },
        ...(modernPass.length ? [{ label: 'modern passthrough', probe, call: echoCall(modernPass) }] : []),
      ];
      const label = `${transport} c=${c} per-worker`;
      process.stderr.write(`  ${label}${modernPassthrough ? '' : ' (passthrough serves legacy only)'} …\n`);
      const result = await runBlock(targets, c);
      const d = result.get('direct')!;
      const base = { group: 'modern-era', transport, concurrency: c, sessions: 'per-worker' } as const;
      rows.push({ ...base, target: 'direct', summary: d });
      for (const name of ['legacy gateway_invoke', 'modern gateway_invoke', 'modern passthrough']) {
        const s = result.get(name);
        if (s) rows.push({ ...base, target: name, summary: s, vsDirect: compare(s, d) });
      }
      await closeAll([...legacy, ...(transport === 'http' ? direct : [])]);
    }
  }
  agent.destroy();
  directAgent.destroy();
}
