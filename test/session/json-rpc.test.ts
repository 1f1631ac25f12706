/** The structural checks frames get instead of a schema parse: what routing needs, nothing more. */
import { describe, expect, it } from 'vitest';
import {
  isJsonRpcMessage,
  isJsonRpcNotification,
  isJsonRpcRequest,
  isJsonRpcResponse,
} from '../../src/json-rpc.js';

describe('JSON-RPC structural checks', () => {
  it.each([
    [{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x' } }, 'request'],
    [{ jsonrpc: '2.0', id: 'a', method: 'ping' }, 'request'],
    [{ jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } }, 'notification'],
    [{ jsonrpc: '2.0', id: 1, result: {} }, 'response'],
    [{ jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'Method not found' } }, 'response'],
    [{ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' } }, 'response'],
  ])('%j is a %s', (value, kind) => {
    expect(isJsonRpcMessage(value)).toBe(true);
    expect(isJsonRpcRequest(value)).toBe(kind === 'request');
    expect(isJsonRpcNotification(value)).toBe(kind === 'notification');
    expect(isJsonRpcResponse(value)).toBe(kind === 'response');
  });

  it.each([
    null,
    [],
    'text',
    { id: 1, method: 'ping' },
    { jsonrpc: '1.0', id: 1, method: 'ping' },
    { jsonrpc: '2.0', id: 1.5, method: 'ping' },
    { jsonrpc: '2.0', id: null, method: 'ping' },
    { jsonrpc: '2.0', id: 1, method: 'ping', params: [1, 2] },
    { jsonrpc: '2.0', id: 1, result: 'not an object' },
    { jsonrpc: '2.0', id: 1, result: {}, error: { code: 1, message: 'both' } },
    { jsonrpc: '2.0', id: 1, error: { code: 'x', message: 'code is not a number' } },
    { jsonrpc: '2.0', result: {} },
  ])('%j is not a message', (value) => {
    expect(isJsonRpcMessage(value)).toBe(false);
  });
});
