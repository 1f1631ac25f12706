/**
 * @module search-answer tests: what a search hit costs a model's context, measured with a real tokenizer on the
 * harvested catalog of real servers, before and after cutting what the next call does not need; and that the cut
 * keeps every parameter, type, enum and required list.
 */
import { describe, expect, it } from 'vitest';
import { answerHit, compactSchema, shorten } from '../../src/catalog/search-answer.js';
import { createSearchIndex } from '../../src/catalog/search-index.js';
import { countTokens } from '../helpers/tokens.js';
import { harvestedTools, loadEvalQueries, loadHarvestedServers } from '../fixtures/catalog/eval.js';

describe('search answer', () => {
  it('cuts long descriptions at a sentence or word end, and leaves short ones alone', () => {
    expect(shorten('Short.', 300)).toBe('Short.');
    const long = `${'First sentence is here. '.repeat(20)}`;
    const cut = shorten(long, 100);
    expect(cut.length).toBeLessThanOrEqual(102);
    expect(cut).toMatch(/here\. …$/);
    expect(shorten('word '.repeat(100), 50)).toMatch(/word …$/);
  });

  it('keeps what a call needs from a schema and drops the rest', () => {
    const schema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      additionalProperties: false,
      required: ['owner'],
      properties: {
        owner: { type: 'string', description: 'x'.repeat(400), examples: ['a'] },
        state: { type: 'string', enum: ['open', 'closed'] },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        description: { type: 'string' },
      },
    };
    const compact = compactSchema(schema) as typeof schema;
    expect(compact).not.toHaveProperty('$schema');
    expect(compact).not.toHaveProperty('additionalProperties');
    expect(compact.required).toEqual(['owner']);
    expect(Object.keys(compact.properties)).toEqual(['owner', 'state', 'labels', 'description']);
    expect(compact.properties.owner.description.length).toBeLessThanOrEqual(162);
    expect(compact.properties.owner).not.toHaveProperty('examples');
    expect(compact.properties.state.enum).toEqual(['open', 'closed']);
    expect(compact.properties.labels.additionalProperties).toEqual({ type: 'string' });
  });

  it('costs fewer tokens than the full definitions, over the requests of the evaluation set', () => {
    const index = createSearchIndex(harvestedTools(loadHarvestedServers()));
    let full = 0;
    let compact = 0;
    const queries = loadEvalQueries();
    for (const q of queries) {
      const result = index.search(q.query);
      if (!result.ok) continue;
      full += countTokens({
        results: result.hits.map((h) => ({
          server: h.server,
          tool: h.tool,
          description: h.entry.tool.description ?? '',
          inputSchema: h.entry.tool.inputSchema,
        })),
      });
      compact += countTokens({ results: result.hits.map(answerHit) });
    }
    const n = queries.length;
    console.log(
      `gateway_search_tools answer, 5 hits, mean over ${n} requests: ${Math.round(full / n)} tokens with full ` +
        `definitions, ${Math.round(compact / n)} compact (${Math.round((100 * (full - compact)) / full)} % less)`,
    );
    expect(compact).toBeLessThan(full * 0.8);
  });
});
