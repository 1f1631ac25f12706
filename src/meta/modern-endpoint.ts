/**
 * @module modern-endpoint: what an endpoint the gateway serves itself (the meta-tools, the flat surface, the
 * pipelines, the admin tools) answers to a 2026-07-28 request with no session: its discover and list results as
 * rendered bytes, and one tool call on links of the request's own.
 */
import type { ClientCapabilities as ModernClientCapabilities } from '@modelcontextprotocol/server';
import type { CallToolRequest, CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Access } from '../auth/access.js';
import { Cancellation } from '../cancellation.js';
import type { CallContext } from '../session/forward.js';
import { statelessPeer, type PeerRefusal, type StatelessPeer } from '../session/unreachable-peer.js';

export interface ModernCaller {
  access: Access;
  /** Serve the flat surface whatever the profile says (`/mcp/flat`); meaningless elsewhere. */
  flat: boolean;
  /** From the request's `_meta`: advertised on the request's own backend links. */
  capabilities: ModernClientCapabilities | undefined;
  authorization: string | undefined;
}

export interface ModernEndpoint {
  /** The `server/discover` result, as JSON text. */
  discover(caller: Pick<ModernCaller, 'access' | 'flat'>): string;
  /** The `tools/list` result, as JSON text. */
  listTools(caller: Pick<ModernCaller, 'access' | 'flat'>): string;
  callTool(
    caller: ModernCaller,
    params: CallToolRequest['params'],
    call: CallContext,
  ): Promise<CallToolResult>;
  /**
   * Present on an endpoint that announces changes on `subscriptions/listen`: what the caller's tools depend on, as
   * bytes that change when they change.
   */
  catalogView?(access: Access): string;
}

/** A stateless call that cannot be answered with a result: its answer is this JSON-RPC error. */
export class ModernCallRefusal extends Error {
  readonly code: number;
  readonly data: Record<string, unknown> | undefined;
  constructor(refusal: PeerRefusal) {
    super(refusal.message);
    this.code = refusal.code;
    this.data = refusal.data;
  }
}

/**
 * Runs one stateless call with a peer of its own (session/unreachable-peer.ts): a backend's request to the client
 * cancels the call at once and the call is answered with the refusal (ModernCallRefusal), never left waiting.
 */
export async function withStatelessPeer<R>(
  capabilities: ModernCaller['capabilities'],
  call: CallContext,
  run: (peer: StatelessPeer['peer'], call: CallContext) => Promise<R>,
): Promise<R> {
  const stateless = statelessPeer(capabilities as Record<string, unknown> | undefined);
  const cancellation = new Cancellation();
  call.cancellation.onCancel((reason) => cancellation.cancel(reason));
  stateless.onRefusal((refusal) => cancellation.cancel(refusal.message));
  let result: R;
  try {
    result = await run(stateless.peer, { ...call, cancellation });
  } catch (error) {
    const refusal = stateless.refusal();
    throw refusal ? new ModernCallRefusal(refusal) : error;
  }
  const refusal = stateless.refusal();
  if (refusal) throw new ModernCallRefusal(refusal);
  return result;
}
