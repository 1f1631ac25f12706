/**
 * @module transport-tap: a Transport in front of another, so that the code around an SDK Client or Server can take
 * some messages out of the stream before the SDK sees them (answers to frames the gateway sent itself, a call's
 * progress) or send some of the SDK's messages elsewhere (to the HTTP response of a call). The SDK's `connect()` only
 * chains callbacks, it cannot hand a message to one party alone; the `Transport` interface is its documented seam, so
 * the tap is a Transport of its own rather than a patch of the SDK's callbacks.
 */
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';

export interface Tap {
  /** A message arriving from the other end; true when the tap consumed it (the SDK never sees it). */
  receive?(message: JSONRPCMessage, extra: MessageExtraInfo | undefined): boolean;
  /** A message the SDK sends; true when the tap delivered it itself. */
  send?(message: JSONRPCMessage, options: TransportSendOptions | undefined): boolean;
}

export class TappedTransport implements Transport {
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;

  constructor(
    readonly inner: Transport,
    private readonly tap: Tap,
  ) {}

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  async start(): Promise<void> {
    const { receive } = this.tap;
    this.inner.onmessage = receive
      ? (message, extra) => {
          if (!receive(message, extra)) this.onmessage?.(message, extra);
        }
      : (message, extra) => this.onmessage?.(message, extra);
    this.inner.onclose = () => this.onclose?.();
    this.inner.onerror = (error) => this.onerror?.(error);
    await this.inner.start();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (this.tap.send?.(message, options)) return Promise.resolve();
    return this.inner.send(message, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version);
  }
}
