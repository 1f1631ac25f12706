/**
 * @module transports: builds the client transport that speaks to one backend from its config: our own for stdio
 * children and Streamable HTTP, the SDK's for legacy HTTP+SSE, and what differs between them behind one shape (how
 * a session ends, which errors end the connection). Nothing here knows about client sessions or retries.
 */
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { BackendConfig } from '../config/index.js';
import { HttpClientTransport } from './http-client.js';
import { createStderrRing, type StderrRing } from './stderr-ring.js';
import { StdioProcessTransport, type ExitInfo } from './stdio-process.js';
import type { ProcessLedger } from './process-ledger.js';

export interface BackendTransport {
  transport: Transport;
  /** The child's pid for stdio backends once started. */
  pid(): number | undefined;
  /** How the child ended, once it has (stdio only). */
  exit(): ExitInfo | undefined;
  /** Last lines of the child's stderr (empty for remote backends). */
  stderr: StderrRing;
  /** Ends the backend's session (Streamable HTTP: DELETE); absent where closing the transport says it all. */
  terminate?(): Promise<void>;
  /** True for a transport error after which the connection is over though the transport says nothing more. */
  isFatal?(error: Error): boolean;
  /** The backend session, for a replica to continue it (Streamable HTTP). */
  session?(): { sessionId: string; protocolVersion: string } | undefined;
  /** Takes over a backend session another replica opened; the returned callback runs once connected. */
  resume?(ref: { sessionId: string; protocolVersion: string }): () => void;
}

export interface TransportHooks {
  onStderrLine?: (line: string) => void;
  /** A stdout line of a stdio backend that is not protocol (skipped). */
  onGarbage?: (preview: string) => void;
  ledger?: ProcessLedger;
}

export function createBackendTransport(config: BackendConfig, hooks: TransportHooks = {}): BackendTransport {
  const stderr = createStderrRing();
  if (config.transport === 'stdio') {
    const transport = new StdioProcessTransport({
      command: config.command,
      args: config.args,
      // Only the SDK's small allow-list (HOME, PATH, USER, …) plus what the config names: the gateway's own
      // environment may hold secrets meant for other backends.
      env: { ...getDefaultEnvironment(), ...config.env },
      cwd: config.cwd,
      onStderr: (chunk) => {
        for (const line of stderr.push(chunk)) hooks.onStderrLine?.(line);
      },
      onGarbage: (preview) => hooks.onGarbage?.(preview),
      ...(hooks.ledger ? { ledger: hooks.ledger } : {}),
    });
    return { transport, pid: () => transport.pid, exit: () => transport.exit, stderr };
  }
  const url = new URL(config.url);
  const none = { pid: () => undefined, exit: () => undefined, stderr };
  if (config.transport === 'sse') {
    const transport = new SSEClientTransport(url, { requestInit: { headers: config.headers } });
    // The legacy SSE client reconnects its event stream by itself and never reports a close, so calls in flight
    // would wait for their timeout: a lost stream ends the connection instead, and the next call opens a new one.
    return { transport, ...none, isFatal: (error) => error instanceof SseError };
  }
  const transport = new HttpClientTransport(url, config.headers);
  return {
    transport,
    ...none,
    terminate: () => transport.terminateSession(),
    session: () => transport.sessionRef(),
    resume: (ref) => transport.resume(ref),
  };
}
