/**
 * Protocol fidelity of /mcp/<backend>, measured by the official MCP conformance suite: our conformance fixture
 * (test/fixtures) behind the gateway over each backend transport, the suite speaking to the gateway. The suite needs
 * Node 22, which npx takes from the npm registry for this run only.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { startListening, type ListeningChild } from '../helpers/processes.js';

const run = promisify(execFile);
const CONFORMANCE = '@modelcontextprotocol/conformance@0.1.16';
const FIXTURE = 'dist/test/fixtures/conformance-server.js';
const EXPECTED_FAILURES = join(REPO_ROOT, 'test/conformance/expected-failures.yml');

let gw: RunningGateway;
let http: ListeningChild;
let sse: ListeningChild;
const results = mkdtempSync(join(tmpdir(), 'mcp-gateway-conformance-'));

beforeAll(async () => {
  [http, sse] = await Promise.all([
    startListening(FIXTURE, ['http', '--port', '0']),
    startListening(FIXTURE, ['sse', '--port', '0']),
  ]);
  gw = await startGateway(`
backends:
  fixture-stdio:
    command: node ${FIXTURE} stdio
  fixture-http:
    http_url: ${http.url}
  fixture-sse:
    http_url: ${sse.url}
`);
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await Promise.all([http?.stop(), sse?.stop()]);
  rmSync(results, { recursive: true, force: true });
});

/** Runs the whole suite (active and pending scenarios) against one gateway route; returns its summary line. */
async function conformance(backend: string) {
  // The suite's DNS-rebinding scenario needs a loopback name in the URL; the gateway listens on 127.0.0.1.
  const url = `${gw.url.replace('127.0.0.1', 'localhost')}/mcp/${backend}`;
  const args = ['-y', '-p', 'node@22', '-p', CONFORMANCE, '--', 'conformance', 'server', '--url', url];
  args.push('--suite', 'all', '--expected-failures', EXPECTED_FAILURES, '-o', results);
  const env = { ...process.env, NPM_CONFIG_LOGLEVEL: 'error', NO_COLOR: '1' };
  try {
    const { stdout } = await run('npx', args, { cwd: REPO_ROOT, env, timeout: 240_000, maxBuffer: 16 << 20 });
    return { exit: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { exit: failed.code ?? -1, stdout: `${failed.stdout ?? ''}\n${failed.stderr ?? ''}` };
  }
}

describe('the conformance suite through /mcp/<backend>', () => {
  it.each(['fixture-stdio', 'fixture-http', 'fixture-sse'])(
    '%s: every scenario passes',
    async (backend) => {
      const { exit, stdout } = await conformance(backend);
      const total = /Total: (\d+) passed, (\d+) failed/.exec(stdout);
      expect(total, stdout.slice(-3_000)).not.toBeNull();
      const [, passed, failed] = total!;
      expect(Number(failed), stdout.slice(-3_000)).toBe(0);
      // 44 checks in 32 scenarios in 0.1.16; a drop means scenarios stopped running, not that they pass.
      expect(Number(passed)).toBeGreaterThanOrEqual(44);
      expect(stdout).toMatch(/Baseline check passed/);
      expect(exit).toBe(0);
    },
    300_000,
  );
});
