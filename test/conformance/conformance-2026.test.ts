/**
 * The 2026-07-28 conformance suite (`@modelcontextprotocol/conformance@0.2.0-alpha.12`, `--requirements 2026-07-28`)
 * against our SDK v2 backend (test/fixtures/modern-backend.ts) directly, then through `/mcp/<backend>`: every
 * scenario that passes against the backend passes through the gateway too (none lost), and no check that passes
 * directly fails through it. The suite's own fixture is SDK v1 and has no 2026 backend; ours does not carry every
 * tool the suite calls, so the test compares the two runs rather than counting to a fixed total. The suite needs Node
 * 22, which npx takes from the npm registry for this run only.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { startModernBackend, type ModernBackend } from '../fixtures/modern-backend.js';

const run = promisify(execFile);
const CONFORMANCE = '@modelcontextprotocol/conformance@0.2.0-alpha.12';

let gw: RunningGateway;
let backend: ModernBackend;
const results = mkdtempSync(join(tmpdir(), 'mcp-gateway-conformance-2026-'));

beforeAll(async () => {
  backend = await startModernBackend();
  gw = await startGateway(`
backends:
  modern:
    http_url: ${backend.url}
`);
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await backend?.close();
  rmSync(results, { recursive: true, force: true });
});

interface SuiteRun {
  total: { passed: number; failed: number };
  /** Scenario name → passed and failed checks. */
  scenarios: Map<string, { passed: number; failed: number }>;
  stdout: string;
}

/** Runs the scenarios 2026-07-28 requires against `url`. */
async function conformance(url: string): Promise<SuiteRun> {
  // The suite's DNS-rebinding scenario needs a loopback name in the URL.
  const target = url.replace('127.0.0.1', 'localhost');
  const args = ['-y', '-p', 'node@22', '-p', CONFORMANCE, '--', 'conformance', 'server', '--url', target];
  args.push('--requirements', '2026-07-28', '-o', results);
  const env = { ...process.env, NPM_CONFIG_LOGLEVEL: 'error', NO_COLOR: '1' };
  let stdout: string;
  try {
    ({ stdout } = await run('npx', args, { cwd: REPO_ROOT, env, timeout: 240_000, maxBuffer: 16 << 20 }));
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    stdout = `${failed.stdout ?? ''}\n${failed.stderr ?? ''}`;
  }
  const scenarios = new Map<string, { passed: number; failed: number }>();
  for (const match of stdout.matchAll(/^[✓✗] ([\w/-]+): (\d+) passed, (\d+) failed$/gmu))
    scenarios.set(match[1]!, { passed: Number(match[2]), failed: Number(match[3]) });
  const total = /Total: (\d+) passed, (\d+) failed/.exec(stdout);
  return {
    total: { passed: Number(total?.[1] ?? -1), failed: Number(total?.[2] ?? -1) },
    scenarios,
    stdout,
  };
}

describe('the 2026-07-28 conformance suite through /mcp/<backend>', () => {
  it('passes every scenario the modern backend passes directly, and every check', async () => {
    const direct = await conformance(backend.url);
    const through = await conformance(`${gw.url}/mcp/modern`);
    expect(direct.scenarios.size, direct.stdout.slice(-3_000)).toBeGreaterThan(30);
    expect(through.scenarios.size, through.stdout.slice(-3_000)).toBe(direct.scenarios.size);
    const lost: string[] = [];
    for (const [name, outcome] of direct.scenarios) {
      const proxied = through.scenarios.get(name);
      if (!proxied || proxied.failed > outcome.failed || proxied.passed < outcome.passed) lost.push(name);
    }
    expect(lost, failedChecks(lost)).toEqual([]);
    expect(through.total.passed).toBeGreaterThanOrEqual(direct.total.passed);
    console.log(
      `2026-07-28 suite: directly ${direct.total.passed} passed, ${direct.total.failed} failed; ` +
        `through /mcp/<backend> ${through.total.passed} passed, ${through.total.failed} failed`,
    );
  }, 300_000);
});

/** The checks that failed in the given scenarios' last runs, from the suite's result files. */
function failedChecks(scenarios: string[]): string {
  const lines: string[] = [];
  for (const scenario of scenarios) {
    const runs = readdirSync(results)
      .filter((d) => d.startsWith(`server-${scenario}-`))
      .sort();
    const last = runs.at(-1);
    if (!last) continue;
    try {
      const checks = JSON.parse(readFileSync(join(results, last, 'checks.json'), 'utf8')) as Array<{
        id?: string;
        status?: string;
        errorMessage?: string;
      }>;
      for (const check of checks.filter((c) => c.status !== 'SUCCESS'))
        lines.push(`${scenario}: ${check.id ?? '?'} ${check.status ?? '?'} ${check.errorMessage ?? ''}`);
    } catch {
      lines.push(`${scenario}: no checks.json in ${last}`);
    }
  }
  return lines.join('\n');
}
