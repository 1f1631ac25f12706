/**
 * @module bench/groups/search: gateway_search_tools over a persisted catalog of 1,000 and 10,000 tools (a gateway of
 * its own for each), against the same queries on the same index built in the load client's process.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { encode } from 'gpt-tokenizer';
import { createSearchIndex } from '../../src/catalog/search-index.js';
import { replicateTools } from '../../test/fixtures/catalog/catalog.js';
import { searchCall } from '../calls.js';
import { loadFixtureQueries, loadFixtureServers, writeLargeCatalog } from '../fixtures.js';
import type { Call } from '../loop.js';
import { HttpMcpSession, createAgent } from '../mcp-client.js';
import { mb, runBlock, type Summary } from '../measure.js';
import { startGateway } from '../processes.js';
import { rssBytes } from '../procfs.js';

export interface SearchResult {
  tools: number;
  servers: number;
  /** The first search builds the index: its latency, as a user would see it after a start. */
  firstSearchMs: number;
  gateway: Summary;
  /** The same queries on the same index built in the load client's process: the floor. */
  inProcess: Summary;
  inProcessBuildMs: number;
  gatewayRssMb: number | null;
  /** What one search answer weighs, and what writing it as JSON costs (see answerWeight). */
  answer?: AnswerWeight;
}

/**
 * One search answer (the fixture's queries, averaged): its bytes as JSON-RPC, the share of the text block and of
 * `structuredContent` (the same object twice), its tokens (gpt-tokenizer, o200k) as a model reads the text block and
 * as the whole result, how many input schemas it carries (once in each half), and the CPU of JSON.stringify of the
 * whole answer and of the text half alone, per call (the gateway stringifies the object into the text block and then
 * the whole answer into the response), measured here on the same objects.
 */
export interface AnswerWeight {
  queries: number;
  bytes: number;
  textBytes: number;
  structuredBytes: number;
  textTokens: number;
  resultTokens: number;
  inputSchemas: number;
  stringifyUs: number;
  stringifyTextUs: number;
}

async function answerWeight(session: HttpMcpSession, queries: string[]): Promise<AnswerWeight> {
  const answers: Array<{ content: Array<{ text: string }>; structuredContent: { results?: unknown[] } }> = [];
  for (const query of queries) {
    answers.push(
      (await session.request('tools/call', {
        name: 'gateway_search_tools',
        arguments: { query },
      })) as (typeof answers)[number],
    );
  }
  const mean = (f: (a: (typeof answers)[number]) => number) =>
    answers.reduce((sum, a) => sum + f(a), 0) / answers.length;
  const json = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
  const time = (f: (a: (typeof answers)[number]) => unknown) => {
    for (const a of answers) f(a); // warm-up
    const rounds = Math.max(1, Math.floor(20_000 / answers.length));
    const t0 = performance.now();
    for (let r = 0; r < rounds; r++) for (const a of answers) f(a);
    return ((performance.now() - t0) * 1000) / (rounds * answers.length);
  };
  return {
    queries: answers.length,
    bytes: mean((a) => json({ jsonrpc: '2.0', id: 1, result: a })),
    textBytes: mean((a) => Buffer.byteLength(a.content[0]!.text)),
    structuredBytes: mean((a) => json(a.structuredContent)),
    textTokens: mean((a) => encode(a.content[0]!.text).length),
    resultTokens: mean((a) => encode(JSON.stringify(a)).length),
    inputSchemas: mean((a) => JSON.stringify(a.structuredContent).split('"inputSchema"').length - 1),
    stringifyUs: time((a) => JSON.stringify({ jsonrpc: '2.0', id: 1, result: a })),
    stringifyTextUs: time((a) => JSON.stringify(a.structuredContent)),
  };
}

export async function searchGroup(dir: string): Promise<SearchResult[]> {
  const queries = loadFixtureQueries();
  const fixture = loadFixtureServers();
  const results: SearchResult[] = [];
  for (const size of [1_000, 10_000]) {
    process.stderr.write(`  gateway_search_tools over ${size} tools …\n`);
    const { configPath, servers } = writeLargeCatalog(join(dir, `catalog-${size}`), size);
    const gateway = await startGateway(configPath);
    try {
      const agent = createAgent(4);
      const session = await HttpMcpSession.open(agent, `${gateway.url}/mcp`);
      const search = searchCall(session, queries);
      const t0 = performance.now();
      await search(0, 0);
      const firstSearchMs = performance.now() - t0;
      const answer = await answerWeight(session, queries);
      const b0 = performance.now();
      const index = createSearchIndex(replicateTools(fixture, size));
      const inProcessBuildMs = performance.now() - b0;
      const local: Call = async (_w, seq) => {
        const hit = index.search(queries[seq % queries.length]!);
        if (!hit.ok) throw new Error(hit.message);
      };
      const result = await runBlock(
        [
          { label: 'in-process', probe: {}, call: local },
          { label: 'gateway', probe: { gatewayPid: gateway.pid }, call: search },
        ],
        1,
      );
      results.push({
        tools: size,
        servers,
        firstSearchMs,
        gateway: result.get('gateway')!,
        inProcess: result.get('in-process')!,
        inProcessBuildMs,
        gatewayRssMb: mb(rssBytes(gateway.pid)),
        answer,
      });
      await session.close();
      agent.destroy();
    } finally {
      await gateway.stop();
    }
  }
  return results;
}
