/**
 * Preparing gateway_invoke arguments: unwrapping what models nest, keeping what the schema names, checking against
 * the schema without running its regular expressions.
 */
import { describe, expect, it } from 'vitest';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { toolHash } from '../../src/catalog/catalog.js';
import { ArgumentChecker } from '../../src/meta/arguments.js';

function entry(inputSchema: Tool['inputSchema']) {
  const tool: Tool = { name: 't', inputSchema };
  return { tool, hash: toolHash(tool) };
}

const checker = new ArgumentChecker();
const calc = entry({
  type: 'object',
  properties: { expression: { type: 'string' } },
  required: ['expression'],
});

describe('ArgumentChecker', () => {
  it('passes matching arguments through', () => {
    expect(checker.prepare({ expression: '1+1' }, calc)).toEqual({
      ok: true,
      arguments: { expression: '1+1' },
    });
  });

  it.each([
    [{ arguments: { expression: '1' } }],
    [{ args: { expression: '1' } }],
    [{ arguments: { arguments: { expression: '1' } } }],
    ['{"expression":"1"}'],
  ])('unwraps %j', (raw) => {
    expect(checker.prepare(raw, calc)).toEqual({ ok: true, arguments: { expression: '1' } });
  });

  it('keeps a wrapper-looking key that the schema names', () => {
    const withInput = entry({
      type: 'object',
      properties: { input: { type: 'object' } },
      required: ['input'],
    });
    expect(checker.prepare({ input: { a: 1 } }, withInput)).toEqual({
      ok: true,
      arguments: { input: { a: 1 } },
    });
  });

  it('passes arguments as given when the tool is not indexed', () => {
    expect(checker.prepare({ input: { a: 1 } }, undefined)).toEqual({
      ok: true,
      arguments: { input: { a: 1 } },
    });
  });

  it('refuses what does not match, with the expected schema', () => {
    const result = checker.prepare({ expr: '1' }, calc);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(
      /do not match the input schema of "t".*expression.*Expected: \{"type":"object"/,
    );
    expect(checker.prepare([1, 2], calc)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/got an array/),
    });
    expect(checker.prepare('not json', calc)).toMatchObject({ ok: false });
  });

  it('never runs a backend regular expression (ReDoS), yet checks the rest of the schema', () => {
    const evil = entry({
      type: 'object',
      properties: { pattern: { type: 'string', pattern: '^(a|a)*$' }, n: { type: 'integer' } },
      required: ['pattern'],
    });
    // A backtracking engine would spend hours on this input; the test's own timeout would fail it.
    expect(checker.prepare({ pattern: `${'a'.repeat(40)}!` }, evil)).toMatchObject({ ok: true });
    expect(checker.prepare({ pattern: 'x', n: 'not a number' }, evil)).toMatchObject({ ok: false });
  });
});
