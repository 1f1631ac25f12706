/**
 * examples/grafana/mcp-gateway.json queries only what the gateway exports: every metric name in every PromQL
 * expression (panels and template variables) is a family in a live scrape. With promtool installed, every
 * expression also parses as PromQL.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { scrape } from '../helpers/scrape.js';
import { SKIP_WITHOUT_PROMTOOL, requirePromtool } from '../helpers/promtool.js';

const dashboard = JSON.parse(
  readFileSync(resolve(REPO_ROOT, 'examples/grafana/mcp-gateway.json'), 'utf8'),
) as unknown;
let gw: RunningGateway;

beforeAll(async () => {
  gw = await startGateway('backends:\n  toolbox:\n    command: node dist/examples/backends/toolbox.js\n');
});

afterAll(async () => {
  await gw?.close();
});

/** Every PromQL string in the dashboard: panel targets' `expr`, and template variables' queries. */
function expressions(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) expressions(item, out);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'expr' && typeof value === 'string') out.push(value);
      else if (key === 'query' && typeof value === 'string' && value.startsWith('label_values(')) {
        out.push(value.slice('label_values('.length, value.lastIndexOf(',')));
      } else expressions(value, out);
    }
  }
  return out;
}

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/** The metric names an expression selects: identifiers that are not functions, keywords, labels or durations. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ''); // label lists
  const names = [...bare.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)]
    .filter((m) => m[2] === undefined) // a function call
    .map((m) => m[1]!)
    .filter((name) => !KEYWORDS.has(name.toLowerCase()));
  return [...new Set(names)];
}

/** A histogram's series carry suffixes; its family (as # TYPE declares it) does not. */
function family(name: string): string {
  return name.replace(/_(bucket|sum|count)$/, '');
}

describe('the Grafana dashboard', () => {
  const exprs = expressions(dashboard);

  it('finds the expressions and the names in them', () => {
    expect(exprs.length).toBeGreaterThan(20);
    expect(
      metricNames('histogram_quantile(0.95, sum by (le, backend) (rate(a_bucket{x="y"}[5m]))) / b * 1e3'),
    ).toEqual(['a_bucket', 'b']);
  });

  it('queries only metrics a live gateway exports', async () => {
    const { families } = await scrape(gw.url);
    const used = new Set(exprs.flatMap(metricNames));
    expect(used.size).toBeGreaterThan(10);
    const missing = [...used].filter((name) => !families.has(name) && !families.has(family(name)));
    expect(missing).toEqual([]);
    // The panels the dashboard promises.
    for (const name of [
      'mcp_gateway_requests_total',
      'mcp_gateway_request_duration_seconds_bucket',
      'mcp_gateway_backend_state',
      'mcp_gateway_backend_restarts_total',
      'mcp_gateway_backend_hibernations_total',
      'mcp_gateway_client_sessions',
      'mcp_gateway_search_zero_results_total',
    ])
      expect(used).toContain(name);
  });

  it.skipIf(SKIP_WITHOUT_PROMTOOL)('has only expressions that parse as PromQL', () => {
    requirePromtool();
    const dir = mkdtempSync(join(tmpdir(), 'mcp-gateway-dashboard-'));
    try {
      // Grafana's variables, replaced by what they stand for, so that promtool sees plain PromQL.
      const rules = exprs.map((expr, i) => ({
        record: `dashboard:expr_${i}`,
        expr: expr.replaceAll('$__rate_interval', '5m').replace(/\$\w+/g, '.*'),
      }));
      const file = join(dir, 'rules.yml');
      writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
      const result = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
      expect(result.stdout + result.stderr).toMatch(/SUCCESS/);
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
