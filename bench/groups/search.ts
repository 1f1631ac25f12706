/**
 * @module bench/groups/search: gateway_search_tools over a persisted catalog of 1,000 and 10,000 tools (a gateway of
 * its own for each), against the same queries on the same index built in the load client's process.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
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
      });
      await session.close();
      agent.destroy();
    } finally {
      await gateway.stop();
    }
  }
  return results;
}
