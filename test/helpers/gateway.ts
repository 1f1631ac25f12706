/**
 * @module gateway helper: runs a real gateway in this process on an ephemeral loopback port, from servers.yaml text,
 * and connects SDK clients to it over real HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { parseConfig } from '../../src/config/index.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/daemon.js';
import { createLogger, type Logger } from '../../src/log.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface RunningGateway {
  gateway: Gateway;
  url: string;
  /** A temporary state directory of its own, removed by close(). */
  stateDir: string;
  close(): Promise<void>;
}

/** `yaml` is a servers.yaml body; relative paths in it resolve against the repo root. */
export async function startGateway(
  yaml: string,
  options: {
    env?: NodeJS.ProcessEnv;
    log?: Logger;
    supervision?: GatewayOptions['supervision'];
    /** Cold-start discovery starts backends by itself; off unless a test is about it. */
    discover?: boolean;
    stateDir?: string;
    http?: GatewayOptions['http'];
  } = {},
) {
  const { config, secrets } = parseConfig(yaml, {
    path: resolve(REPO_ROOT, 'servers.yaml'),
    env: options.env ?? process.env,
  });
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'mcp-gateway-state-'));
  const gateway = createGateway(
    { ...config, port: 0, host: '127.0.0.1', state_dir: stateDir },
    options.log ?? createLogger({ level: process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'silent' }),
    {
      secrets,
      discover: options.discover ?? false,
      ...(options.http ? { http: options.http } : {}),
      ...(options.supervision ? { supervision: options.supervision } : {}),
    },
  );
  const url = await gateway.listen();
  const close = async () => {
    await gateway.close();
    if (!options.stateDir) rmSync(stateDir, { recursive: true, force: true });
  };
  return { gateway, url, stateDir, close } satisfies RunningGateway;
}

export async function connectClient(
  url: string,
  capabilities: ClientCapabilities = {},
  /** Sent with every request (an Authorization header, say). */
  headers?: Record<string, string>,
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'gateway-test', version: '1.0.0' }, { capabilities });
  const transport = new StreamableHTTPClientTransport(
    new URL(url),
    headers ? { requestInit: { headers } } : undefined,
  );
  await client.connect(transport);
  return { client, transport };
}

/**
 * Ends the client's session at the gateway (DELETE), then closes the client, as a client does when it is done:
 * Client.close() alone leaves the session open until session_idle_timeout.
 */
export async function endSession(client: Client): Promise<void> {
  const transport = client.transport;
  if (transport instanceof StreamableHTTPClientTransport) await transport.terminateSession();
  await client.close();
}

/** Text of the first content block of a tool result. */
export function firstText(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content;
  const block = content?.find((c) => c.type === 'text');
  if (!block?.text) throw new Error(`no text content in ${JSON.stringify(result)}`);
  return block.text;
}
