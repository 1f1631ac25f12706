/**
 * Which era a request to a meta endpoint belongs to: legacy unless its body carries the 2026-07-28 `_meta` version,
 * and a modern request refused with the modern codes when its mirrored headers disagree with its body.
 */
import { describe, expect, it } from 'vitest';
import { requestEra, type EraRequest } from '../../src/http/protocol-era.js';

const V = '2026-07-28';
function req(body: unknown, headers: Record<string, string> = {}, method = 'POST'): EraRequest {
  return { method, header: (n) => headers[n], body };
}
function modern(method: string, params: Record<string, unknown> = {}) {
  return {
    jsonrpc: '2.0',
    id: 1,
    method,
    params: { ...params, _meta: { 'io.modelcontextprotocol/protocolVersion': V } },
  };
}
const headersFor = (method: string, name?: string) => ({
  'mcp-protocol-version': V,
  'mcp-method': method,
  ...(name !== undefined ? { 'mcp-name': name } : {}),
});

describe('requestEra', () => {
  it('keeps initialize, sessions, batches, GETs and envelope-less requests legacy', () => {
    expect(requestEra(req({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} })).era).toBe('legacy');
    expect(
      requestEra(req(modern('tools/list'), { ...headersFor('tools/list'), 'mcp-session-id': 's' })).era,
    ).toBe('legacy');
    expect(requestEra(req([modern('tools/list')], headersFor('tools/list'))).era).toBe('legacy');
    expect(requestEra(req(undefined, headersFor('tools/list'), 'GET')).era).toBe('legacy');
    expect(
      requestEra(
        req({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-protocol-version': '2025-11-25' }),
      ).era,
    ).toBe('legacy');
  });

  it('takes a modern request whose headers mirror its body', () => {
    const era = requestEra(
      req(modern('tools/call', { name: 'gateway_invoke' }), headersFor('tools/call', 'gateway_invoke')),
    );
    expect(era).toMatchObject({ era: 'modern', version: V, message: { id: 1, method: 'tools/call' } });
    const discover = requestEra(req(modern('server/discover'), headersFor('server/discover')));
    expect(discover).toMatchObject({ era: 'modern', version: V });
  });

  it('decodes a Base64 Mcp-Name', () => {
    const name = 'tööl';
    const header = `=?base64?${Buffer.from(name).toString('base64')}?=`;
    expect(requestEra(req(modern('tools/call', { name }), headersFor('tools/call', header)))).toMatchObject({
      era: 'modern',
    });
  });

  it('refuses mismatched or missing headers with -32020 and an unknown version with -32022', () => {
    const refusal = (r: EraRequest) => {
      const era = requestEra(r);
      return era.era === 'modern' && 'refusal' in era ? era.refusal : undefined;
    };
    expect(refusal(req(modern('tools/list'), {}))).toMatchObject({ code: -32020, httpStatus: 400, id: 1 });
    expect(
      refusal(
        req(modern('tools/list'), { ...headersFor('tools/list'), 'mcp-protocol-version': '2025-11-25' }),
      )?.code,
    ).toBe(-32020);
    expect(refusal(req(modern('tools/list'), headersFor('tools/call')))?.code).toBe(-32020);
    expect(refusal(req(modern('tools/list'), { 'mcp-protocol-version': V }))?.code).toBe(-32020);
    expect(refusal(req(modern('tools/call', { name: 'a' }), headersFor('tools/call', 'b')))?.code).toBe(
      -32020,
    );
    expect(refusal(req(modern('tools/call', { name: 'a' }), headersFor('tools/call')))?.code).toBe(-32020);
    const future = {
      ...modern('tools/list'),
      params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } },
    };
    expect(
      refusal(req(future, { ...headersFor('tools/list'), 'mcp-protocol-version': '2099-01-01' })),
    ).toMatchObject({ code: -32022, data: { supported: [V], requested: '2099-01-01' } });
    // A body naming another revision than its header is a mismatch first.
    expect(refusal(req(future, headersFor('tools/list')))?.code).toBe(-32020);
  });
});
