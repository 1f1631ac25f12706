/**
 * Slow and greedy clients at the HTTP edge, over real sockets on 127.0.0.1: a body sent a byte at a time, headers that
 * never end, and more connections than max_connections. Each is cut by the gateway's own limits instead of Node's
 * defaults (300 s for a request body), and the gateway keeps serving.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';

let gw: RunningGateway;
let port: number;
const sockets: Socket[] = [];

beforeAll(async () => {
  gw = await startGateway(
    'max_connections: 4\nbackends:\n  toolbox:\n    command: node dist/examples/backends/toolbox.js\n',
    { http: { headersTimeoutMs: 500, requestTimeoutMs: 1_000, keepAliveTimeoutMs: 500 } },
  );
  port = Number(new URL(gw.url).port);
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await gw?.close();
});

/** A raw connection; resolves once connected. Records what the gateway answers and when it closes. */
async function open(): Promise<{
  socket: Socket;
  received: () => string;
  closedAt: () => number | undefined;
}> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let received = '';
  let closedAt: number | undefined;
  socket.on('data', (chunk) => (received += chunk));
  socket.on('close', () => (closedAt = Date.now()));
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  return { socket, received: () => received, closedAt: () => closedAt };
}

async function healthy(): Promise<void> {
  const response = await fetch(`${gw.url}/health`);
  expect(response.status).toBe(200);
  await response.arrayBuffer();
}

describe('slow clients', () => {
  it('a body sent a byte at a time is cut at requestTimeout (408), not after 300 s', async () => {
    const conn = await open();
    const started = Date.now();
    conn.socket.write(
      'POST /mcp/toolbox HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        'Accept: application/json, text/event-stream\r\nContent-Length: 1000\r\n\r\n{',
    );
    const drip = setInterval(() => conn.socket.writable && conn.socket.write(' '), 100);
    try {
      await until(() => conn.closedAt() !== undefined, 'the connection to be closed', 4_000);
    } finally {
      clearInterval(drip);
    }
    expect(conn.closedAt()! - started).toBeLessThan(3_000);
    expect(conn.received()).toMatch(/^HTTP\/1\.1 408/);
    await healthy();
  });

  it('headers that never end are cut at headersTimeout', async () => {
    const conn = await open();
    const started = Date.now();
    conn.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const drip = setInterval(() => conn.socket.writable && conn.socket.write('X-Slow: 1\r\n'), 100);
    try {
      await until(() => conn.closedAt() !== undefined, 'the connection to be closed', 4_000);
    } finally {
      clearInterval(drip);
    }
    expect(conn.closedAt()! - started).toBeLessThan(2_500);
    await healthy();
  });

  it('beyond max_connections a new connection is closed at once; one freed lets the next in', async () => {
    const held = await Promise.all(Array.from({ length: 4 }, () => open()));
    const extra = await open();
    await until(() => extra.closedAt() !== undefined, 'the extra connection to be closed', 2_000);
    expect(held.every((c) => c.closedAt() === undefined)).toBe(true);
    for (const c of held) c.socket.destroy();
    await until(() => held.every((c) => c.closedAt() !== undefined), 'the held connections to close');
    await healthy();
  });
});
