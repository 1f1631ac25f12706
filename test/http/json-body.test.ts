/** The depth limit of request bodies: 64 levels parse, 65 are refused before parsing, strings do not count. */
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, parseJsonBody } from '../../src/http/json-body.js';

const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}[]${'}'.repeat(depth - 1)}`;

describe('parseJsonBody', () => {
  it('parses up to the limit and refuses beyond it', () => {
    expect(MAX_JSON_DEPTH).toBe(64);
    expect(parseJsonBody(nested(64))).toMatchObject({ ok: true });
    expect(parseJsonBody(nested(65))).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(parseJsonBody(nested(100_000))).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it('does not count brackets in strings, escaped quotes included', () => {
    const text = JSON.stringify({ s: `"${'[{'.repeat(500)}\\"` });
    expect(parseJsonBody(text)).toEqual({ ok: true, message: JSON.parse(text) });
  });

  it('answers a parse error for what is not JSON', () => {
    expect(parseJsonBody('{"a":')).toMatchObject({ ok: false, error: { code: 'parse_error' } });
  });
});
