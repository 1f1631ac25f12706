/**
 * @module bench/search-quality: prints the search evaluation (dev and test splits, each whole and its hard subset)
 * over the harvested catalog of real servers, the misses of a split when asked, and the free-text query latency at
 * 10,000 tools. Runs in one process, no gateway:
 *
 *   npm run build && node dist/bench/search-quality.js [--test] [--misses dev|test]
 */
import { performance } from 'node:perf_hooks';
import { createSearchIndex } from '../src/catalog/search-index.js';
import {
  evaluate,
  formatMetrics,
  harvestedTools,
  loadEvalQueries,
  loadHarvestedServers,
} from '../test/fixtures/catalog/eval.js';
import { replicateTools } from '../test/fixtures/catalog/catalog.js';

const servers = loadHarvestedServers();
const tools = harvestedTools(servers);
const queries = loadEvalQueries();
const index = createSearchIndex(tools);
console.log(`${servers.length} servers, ${tools.length} tools, ${queries.length} requests`);
// The test split is scored only when asked: ranking is tuned on the dev split alone.
const splits = process.argv.includes('--test') ? (['dev', 'test'] as const) : (['dev'] as const);
for (const split of splits) {
  const all = queries.filter((q) => q.split === split);
  console.log(formatMetrics(split, evaluate(index, all).metrics));
  console.log(
    formatMetrics(
      `${split} hard`,
      evaluate(
        index,
        all.filter((q) => q.hard),
      ).metrics,
    ),
  );
}
if (splits.length === 2) console.log(formatMetrics('all', evaluate(index, queries).metrics));

const missesOf = process.argv.indexOf('--misses');
if (missesOf !== -1) {
  const split = process.argv[missesOf + 1] ?? 'dev';
  const { misses } = evaluate(
    index,
    queries.filter((q) => q.split === split),
  );
  for (const m of misses)
    console.log(
      `${String(m.rank ?? '-').padStart(2)}  ${m.query}  → ${m.top.join(', ')}  (want ${m.expected.join(' | ')})`,
    );
}

// Latency at 10,000 tools: the harvested catalog copied under renamed servers, every request once as a warm-up, then
// three timed passes.
const t0 = performance.now();
const big = createSearchIndex(
  replicateTools(
    servers.map((s) => ({ name: s.name, description: s.description, tools: s.tools })),
    10_000,
  ),
);
const buildMs = performance.now() - t0;
for (const q of queries) big.search(q.query);
const latencies: number[] = [];
for (let pass = 0; pass < 3; pass++) {
  for (const q of queries) {
    const start = performance.now();
    big.search(q.query);
    latencies.push(performance.now() - start);
  }
}
latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
console.log(
  `10,000 tools: build ${buildMs.toFixed(0)} ms; ${latencies.length} queries p50 ${pct(50).toFixed(2)} ms, ` +
    `p95 ${pct(95).toFixed(2)} ms, p99 ${pct(99).toFixed(2)} ms`,
);
