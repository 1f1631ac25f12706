/**
 * @module bench/first-request: run in a fresh process by the http-clients group: one POST to a server in this same
 * process, through `node:http` or through undici, and what that first request cost: its time (undici's load
 * included) and the resident memory it added after a full collection. Prints one JSON line.
 *
 *   node --expose-gc dist/bench/first-request.js undici|node:http
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

const client = process.argv[2];
if (client !== 'undici' && client !== 'node:http') {
  process.stderr.write('usage: first-request undici|node:http\n');
  process.exit(2);
}
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('{"jsonrpc":"2.0","id":1,"result":{}}'));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
const gc = (globalThis as { gc?: () => void }).gc;
const rssMb = () => {
  gc?.();
  return process.memoryUsage().rss / 1048576;
};

const before = rssMb();
const t0 = performance.now();
if (client === 'undici') {
  const { Agent } = await import('undici');
  const answer = await new Agent().request({
    origin: `http://127.0.0.1:${port}`,
    path: '/',
    method: 'POST',
    body: '{}',
  });
  await answer.body.text();
} else {
  await new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'POST' }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end('{}');
  });
}
const ms = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ client, ms, rssAddedMb: rssMb() - before })}\n`);
process.exit(0);
