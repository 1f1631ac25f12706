/**
 * The response of a directly answered call, on a real node:http server: one write of known length when nothing
 * precedes the answer; otherwise an SSE stream with the call's messages in order, keep-alive comments while it is
 * quiet, and an end without an answer when the call was cancelled. The Connection header is node:http's to write.
 */
import { createServer, get, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CallResponse } from '../../src/http/call-response.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** Serves requests with `script` on a fresh server; resolves with its port. */
async function serve(script: (response: CallResponse) => Promise<void> | void, keepAliveMs?: number) {
  server = createServer(
    (_req, res) => void script(new CallResponse(res, ['mcp-session-id', 's-1'], keepAliveMs)),
  );
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Serves one request with `script`, returns the response's headers and body as the client saw them. */
async function respond(script: (response: CallResponse) => Promise<void> | void, keepAliveMs?: number) {
  const port = await serve(script, keepAliveMs);
  const response = await fetch(`http://127.0.0.1:${port}/`);
  return { headers: response.headers, body: await response.text() };
}

/** The headers of a response to a GET sent with `connection` as its Connection header. */
async function headersFor(connection: 'close' | 'keep-alive', script: (response: CallResponse) => void) {
  const port = await serve(script);
  return new Promise<IncomingHttpHeaders>((resolve, reject) => {
    get({ host: '127.0.0.1', port, headers: { connection }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.headers));
    }).on('error', reject);
  });
}

const answer = { jsonrpc: '2.0' as const, id: 1, result: { ok: true } };
const progress = {
  jsonrpc: '2.0' as const,
  method: 'notifications/progress',
  params: { progressToken: 1, progress: 1 },
};
const event = (message: unknown) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;

describe('CallResponse', () => {
  it('writes an answer with nothing before it as one SSE event of known length', async () => {
    const { headers, body } = await respond((r) => r.end(answer));
    expect(headers.get('content-type')).toBe('text/event-stream');
    expect(headers.get('content-length')).toBe(String(Buffer.byteLength(event(answer))));
    expect(headers.get('mcp-session-id')).toBe('s-1');
    expect(body).toBe(event(answer));
  });

  it("streams the call's messages before its answer, in order", async () => {
    const { headers, body } = await respond((r) => {
      r.send(progress);
      r.end(answer);
    });
    expect(headers.get('content-length')).toBeNull();
    expect(headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(headers.get('x-accel-buffering')).toBe('no');
    expect(body).toBe(event(progress) + event(answer));
  });

  it('keeps the connection open, or closes it when the client asked, for an answer written whole', async () => {
    expect((await headersFor('close', (r) => r.end(answer))).connection).toBe('close');
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    expect((await headersFor('keep-alive', (r) => r.end(answer))).connection).toBe('keep-alive');
  });

  it('sends keep-alive comments while the call is quiet', async () => {
    const { body } = await respond(async (r) => {
      await new Promise((resolve) => setTimeout(resolve, 130));
      r.end(answer);
    }, 40);
    expect(body.startsWith(': keepalive\n\n')).toBe(true);
    expect(body.endsWith(event(answer))).toBe(true);
  });

  it('ends without an answer when the call was cancelled, and ignores what comes after', async () => {
    const { body } = await respond((r) => {
      r.end();
      r.send(progress);
      r.end(answer);
    });
    expect(body).toBe('');
  });
});
