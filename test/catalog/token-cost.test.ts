/**
 * @module token cost: what it costs a model's context to list every tool of the fixture's 20 servers, per server
 * and in total, counted with a real tokenizer. The number /mcp's meta-tools are measured against.
 */
import { describe, expect, it } from 'vitest';
import { TOKENIZER, countTextTokens, countTokens } from '../helpers/tokens.js';
import { loadCatalogServers } from '../fixtures/catalog/catalog.js';

describe('token counting', () => {
  it('counts with the real o200k_base tokenizer', () => {
    // tiktoken's o200k_base encodes this as Hello | , | world | ! | This | is | a | test | . (9 tokens).
    expect(TOKENIZER).toBe('o200k_base');
    expect(countTextTokens('Hello, world! This is a test.')).toBe(9);
    // countTokens counts the JSON text, quotes and braces included.
    expect(countTokens('Hello, world! This is a test.')).toBe(
      countTextTokens('"Hello, world! This is a test."'),
    );
    expect(countTokens({ tools: [] })).toBe(countTextTokens('{"tools":[]}'));
    expect(countTextTokens('a <|endoftext|> b')).toBeGreaterThan(3);
    expect(() => countTokens(undefined)).toThrow(TypeError);
  });
});

describe('token cost of listing every tool', () => {
  it('prints the tools/list cost of each fixture server and of all 20 together', () => {
    const servers = loadCatalogServers();
    const rows = servers
      .map((s) => ({ server: s.name, tools: s.tools.length, tokens: countTokens({ tools: s.tools }) }))
      .sort((a, b) => b.tokens - a.tokens || (a.server < b.server ? -1 : 1));
    const allTools = servers.flatMap((s) => s.tools);
    const total = countTokens({ tools: allTools });
    const sum = rows.reduce((n, r) => n + r.tokens, 0);
    console.log(
      `tools/list token cost (${TOKENIZER}), ${servers.length} servers, ${allTools.length} tools:\n` +
        rows
          .map(
            (r) =>
              `  ${r.server.padEnd(16)} ${String(r.tools).padStart(3)} tools ${String(r.tokens).padStart(6)}`,
          )
          .join('\n') +
        `\n  sum of the ${servers.length} lists: ${sum}; one list of all ${allTools.length} tools: ${total}` +
        ` (${(total / allTools.length).toFixed(0)} per tool)`,
    );

    expect(servers).toHaveLength(20);
    // Real servers' schemas make listing everything expensive: that is the problem the meta-tools solve.
    expect(total).toBeGreaterThan(10_000);
    // The lists cost what their tools cost: one combined list differs from the sum only by the wrappers.
    expect(Math.abs(sum - total)).toBeLessThan(servers.length * 5);
    for (const r of rows) expect(r.tokens, r.server).toBeGreaterThan(r.tools * 20);
  });
});
