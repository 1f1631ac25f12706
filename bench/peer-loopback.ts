/**
 * @module bench/peer-loopback: preloaded (`node --import`) into a peer gateway that has no flag for its listen
 * address (mcp-hub, supergateway): a `listen(port)` without a host binds 127.0.0.1 instead of every interface.
 * Nothing else of the peer is changed.
 */
import net from 'node:net';

const listen = net.Server.prototype.listen;
const LOOPBACK = '127.0.0.1';

net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
  const [first, second] = args;
  const port = typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first));
  if (port && typeof second !== 'string') args.splice(1, 0, LOOPBACK);
  else if (first !== null && typeof first === 'object' && 'port' in first && !('host' in first)) {
    args[0] = { ...first, host: LOOPBACK };
  }
  return (listen as (...a: unknown[]) => net.Server).apply(this, args);
} as typeof listen;
