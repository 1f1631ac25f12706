/**
 * @module stdio-server: one MCP client on stdin/stdout, served the meta-tools of `/mcp` by the same meta session
 * (meta/meta-server.ts) over the SDK's stdio transport. stdout carries JSON-RPC and nothing else. Over stdio the client
 * can always receive a backend's request, call or no call (no GET stream to wait for).
 */
import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { Access } from '../auth/access.js';
import type { MetaContext } from '../meta/context.js';
import { createMetaSession } from '../meta/meta-server.js';

export interface StdioStreams {
  stdin: Readable;
  stdout: Writable;
}

export interface StdioSession {
  /** Resolves, with why, once the client is gone: stdin ended or closed, or stdout can no longer be written. */
  readonly ended: Promise<string>;
  /** Ends the session: its links to the backends are released (the caller stops the backends themselves). */
  close(): Promise<void>;
}

/** What the client sees: the meta-tools or the flat surface, of the whole gateway or of one profile. */
export interface StdioSurface {
  flat?: boolean;
  access?: Access;
}

export async function serveStdio(
  meta: MetaContext,
  version: string,
  streams: StdioStreams,
  log: Logger,
  surface: StdioSurface = {},
): Promise<StdioSession> {
  const { stdin, stdout } = streams;
  let end!: (why: string) => void;
  const ended = new Promise<string>((resolve) => (end = resolve));
  stdin.once('end', () => end('stdin ended'));
  stdin.once('close', () => end('stdin closed'));
  // A client that went away leaves a broken pipe: without a listener, EPIPE would kill the process before the backends
  // are stopped.
  stdout.on('error', (error) => end(`stdout failed: ${errorMessage(error)}`));

  const transport = new StdioServerTransport(stdin, stdout);
  transport.onerror = (error) =>
    log.warn({ err: errorMessage(error) }, 'stdio: unreadable message from the client');
  // The client's capabilities are read from the Server once its initialize has arrived.
  const session = createMetaSession(meta, version, { canReachClient: () => true, ...surface });
  await session.server.connect(transport);
  // After connect, which sets the Server's own handler.
  const onclose = transport.onclose;
  transport.onclose = () => {
    onclose?.();
    end('the transport closed');
  };
  let closing: Promise<void> | undefined;
  return {
    ended,
    close() {
      closing ??= (async () => {
        await session.close();
        await session.server.close().catch(() => {});
      })();
      return closing;
    },
  };
}
