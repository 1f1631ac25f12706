/**
 * The commands that talk to a running gateway (`servers`, `tools search`, `tools call`, `reload`), against a real
 * gateway on a loopback port, found from the config as `serve` would find it. Every answer of the admin API's reload
 * (200, 400, 401, 404) is also given by a small HTTP server that speaks its shapes; the real daemon's is exercised
 * in test/admin/reload.test.ts.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';

const scratch = mkdtempSync(join(tmpdir(), 'mcp-gateway-client-'));
let gw: RunningGateway;
let config: string;

beforeAll(async () => {
  gw = await startGateway(
    'backends:\n' +
      '  toolbox:\n    command: node dist/examples/backends/toolbox.js\n    description: Offline utilities\n' +
      '  off:\n    command: node nowhere.js\n    enabled: false\n',
  );
  config = join(scratch, 'servers.yaml');
  // What the user's file says; the gateway under test was started from it, on the port the OS gave.
  writeFileSync(config, `port: ${new URL(gw.url).port}\nhost: 127.0.0.1\nbackends: {}\n`);
});
afterAll(async () => {
  await gw.close();
  rmSync(scratch, { recursive: true, force: true });
});

const run = (...argv: string[]) => cli(argv, { cwd: scratch });

/** A loopback port nothing listens on: bound by the OS once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('talking to the running gateway', () => {
  it('tools call: prints the text of the result; an isError result goes to stderr with exit 1', async () => {
    // ./servers.yaml is found as serve would find it, no -c needed.
    const echo = await run('tools', 'call', 'toolbox', 'echo', '{"message": "through the gateway"}');
    expect(echo.code, echo.stderr).toBe(0);
    expect(echo.stdout).toBe('through the gateway\n');

    const bad = await run('tools', 'call', 'toolbox', 'calculate', '{"expression": "1/"}');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/Cannot evaluate/);

    const unknown = await run('tools', 'call', 'toolbox', 'no_such_tool');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no_such_tool');

    const raw = await run('tools', 'call', 'toolbox', 'echo', '{"message": "x"}', '--json');
    expect(JSON.parse(raw.stdout)).toMatchObject({ content: [{ type: 'text', text: 'x' }] });
  });

  it('tools call: ARGS that are not a JSON object are a usage error (exit 2), nothing is called', async () => {
    for (const args of ['[1]', 'message=x', 'null']) {
      const result = await run('tools', 'call', 'toolbox', 'echo', args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('ARGS must be a JSON object');
    }
  });

  it('tools search: the matches as a table, or the raw answer with --json', async () => {
    // The toolbox was started by the call above; its tools reach the catalog as it connects.
    await until(
      async () => (await run('tools', 'search', 'time', 'zone')).stdout.includes('current_time'),
      'indexing',
    );
    const found = await run('tools', 'search', 'current', 'time', 'zone');
    expect(found.code, found.stderr).toBe(0);
    expect(found.stdout).toMatch(/^SERVER +TOOL +DESCRIPTION\ntoolbox +current_time +\S/);
    const limited = await run('tools', 'search', '.', '--regex', '--limit', '2', '--server', 'toolbox');
    expect(limited.stdout.trim().split('\n')).toHaveLength(3);

    const json = await run('tools', 'search', 'base64', '--json', '-c', config);
    expect(JSON.parse(json.stdout)).toMatchObject({ results: [{ server: 'toolbox', tool: 'base64' }] });

    const none = await run('tools', 'search', 'zzzqqq');
    expect(none.stdout).toBe('No tool matches "zzzqqq".\n');
    const badRegex = await run('tools', 'search', '(', '--regex');
    expect(badRegex.code).toBe(1);
  });

  it('servers: a row per backend with its state, and the raw /health with --json', async () => {
    const table = await run('servers', '-c', config);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(
      new RegExp(`^mcp-gateway \\S+ at ${gw.url}: healthy, up \\d+ s, 2 backends\\n\\n`),
    );
    expect(table.stdout).toMatch(/BACKEND +STATE +TRANSPORT +PID +TOOLS +RESTARTS +LAST USED +LAST ERROR\n/);
    expect(table.stdout).toMatch(/\noff +disabled +stdio +- +0 +0 +- +-\n/);
    expect(table.stdout).toMatch(/\ntoolbox +running +stdio +\d+ +5 +0 +\d+ s ago +-\n/);

    const json = await run('servers', '--json', '--url', `${gw.url}/`);
    const health = JSON.parse(json.stdout) as { backends: Record<string, { state: string }> };
    expect(health.backends.toolbox!.state).toBe('running');
  });

  it('reload against a gateway without the admin API: says how to turn it on, exit 1', async () => {
    const result = await run('reload');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `mcp-gateway: admin API is off: set admin.token in ${config} (a long random string) and restart the gateway at ${gw.url}\n`,
    );
  });

  it('a gateway that is not running: one line naming where it looked, exit 1', async () => {
    const port = await closedPort();
    const file = join(scratch, 'elsewhere.yaml');
    writeFileSync(file, `port: \${GW_PORT}\nhost: 0.0.0.0\n`);
    for (const argv of [['servers'], ['tools', 'search', 'x'], ['tools', 'call', 'a', 'b'], ['reload']]) {
      const result = await cli([...argv, '-c', file], { cwd: scratch, env: { GW_PORT: String(port) } });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `mcp-gateway: no gateway answers at http://127.0.0.1:${port} — is it running? (mcp-gateway serve)\n`,
      );
    }
  });

  it('no config anywhere: the default address', async () => {
    const empty = mkdtempSync(join(scratch, 'empty-'));
    const result = await cli(['servers', '--json'], { cwd: empty, env: { HOME: empty } });
    // Whether something runs on 39400 here is not this test's business; which address was asked is.
    if (result.code !== 0) expect(result.stderr).toContain('http://127.0.0.1:39400');
  });

  it('tools search where /mcp is off: says so', async () => {
    const off = await startGateway('enable_meta_mcp: false\nbackends: {}\n');
    try {
      const result = await run('tools', 'search', 'x', '--url', off.url);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `mcp-gateway: the gateway at ${off.url} serves no meta-tools at /mcp (enable_meta_mcp is false)\n`,
      );
    } finally {
      await off.close();
    }
  });
});

describe('reload against the admin API', () => {
  let server: Server;
  let url: string;
  const seen: { authorization: string | undefined; method: string | undefined; path: string | undefined }[] =
    [];
  /** Each test sets what the next reload is answered. */
  let answer: { status: number; body: unknown } = { status: 200, body: {} };

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      seen.push({ authorization: req.headers.authorization, method: req.method, path: req.url });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const TOKEN = 'a-long-admin-token-0123456789';
  function configWithToken(): string {
    const file = join(scratch, 'admin.yaml');
    writeFileSync(file, `port: ${new URL(url).port}\nadmin:\n  token: \${ADMIN_TOKEN}\n`);
    return file;
  }
  const reload = (...extra: string[]) =>
    cli(['reload', '-c', configWithToken(), ...extra], { cwd: scratch, env: { ADMIN_TOKEN: TOKEN } });

  it('200: the generation and what changed, with the token of the config sent as a bearer', async () => {
    answer = {
      status: 200,
      body: {
        generation: 3,
        loaded_at: '2025-01-02T03:04:05.000Z',
        diff: { added: ['notes'], removed: [], changed: ['toolbox', 'units'], unchanged: ['a', 'b'] },
        restart_needed: ['port'],
      },
    };
    const result = await reload();
    expect(result.code, result.stderr).toBe(0);
    expect(seen.at(-1)).toEqual({ authorization: `Bearer ${TOKEN}`, method: 'POST', path: '/api/v1/reload' });
    expect(result.stdout).toBe(
      `Reloaded the gateway at ${url}: generation 3, loaded at 2025-01-02T03:04:05.000Z\n` +
        '  added      notes\n  removed    -\n  changed    toolbox, units\n  unchanged  2 backends\n' +
        'Restart the gateway to apply: port (these cannot change while it runs)\n',
    );
    expect(JSON.parse((await reload('--json')).stdout)).toEqual(answer.body);
  });

  it('400: the gateway kept its configuration, and every problem of the file is listed', async () => {
    answer = {
      status: 400,
      body: {
        error: {
          code: 'invalid_config',
          message: 'servers.yaml is invalid',
          problems: ['servers.yaml:3:5 backends.x.comand: unknown key (did you mean "command"?)'],
        },
      },
    };
    const result = await reload();
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'mcp-gateway: the gateway kept its configuration: servers.yaml is invalid\n' +
        '  servers.yaml:3:5 backends.x.comand: unknown key (did you mean "command"?)\n',
    );
  });

  it('401: a token the gateway does not take, or none to send', async () => {
    answer = { status: 401, body: { error: { code: 'unauthorized', message: 'Unauthorized' } } };
    const wrong = await reload();
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('the gateway refused the admin token of');
    const none = await cli(['reload', '--url', url, '-c', join(scratch, 'servers.yaml')], { cwd: scratch });
    expect(none.code).toBe(1);
    expect(seen.at(-1)!.authorization).toBeUndefined();
    expect(none.stderr).toContain(
      `the gateway wants an admin token (HTTP 401): admin.token is not set in ${join(scratch, 'servers.yaml')}`,
    );
  });
});
