import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNotesServer } from '../../examples/backends/notes-http.js';
import { startUnitsServer } from '../../examples/backends/units-sse.js';
import { runCli } from '../../src/cli.js';
import { runDoctor } from '../../src/doctor/doctor.js';
import type { DoctorOptions, DoctorRow } from '../../src/doctor/rows.js';
import { formatTable } from '../../src/doctor/format.js';
import {
  LAUNCHD_DEFAULT_PATH,
  parseEnvFile,
  serviceEnvironment,
  SYSTEMD_PATH,
} from '../../src/doctor/service-env.js';
import { REPO_ROOT } from './run.js';

const TOOLBOX = join(REPO_ROOT, 'dist/examples/backends/toolbox.js');

let tmp: string;
let configs = 0;
/** Writes a servers.yaml into a folder of its own and returns its path. */
function config(yaml: string): string {
  const dir = join(tmp, `config-${++configs}`);
  mkdirSync(dir);
  const path = join(dir, 'servers.yaml');
  writeFileSync(path, yaml);
  return path;
}

/** A closed loopback port: bound once by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const baseEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME ?? tmp });

async function doctor(yaml: string, options: Partial<DoctorOptions> = {}) {
  return runDoctor({ configPath: config(yaml), service: 'none', env: baseEnv(), ...options });
}

const rowsOf = (rows: DoctorRow[], backend: string) => rows.filter((r) => r.backend === backend);
const only = (rows: DoctorRow[], backend: string, check: string | RegExp): DoctorRow => {
  const found = rowsOf(rows, backend).filter((r) =>
    typeof check === 'string' ? r.check === check : check.test(r.check),
  );
  expect(found, `${backend} ${check} in ${JSON.stringify(rows, null, 1)}`).toHaveLength(1);
  return found[0]!;
};

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mcp-gateway-doctor-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('doctor on stdio backends', () => {
  it('finds the toolbox demo, starts it and gets its initialize answer', async () => {
    const report = await doctor(`backends:\n  toolbox:\n    command: node ${TOOLBOX}\n`, { start: true });
    expect(only(report.rows, 'toolbox', 'command node')).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/\/node$/),
    });
    expect(only(report.rows, 'toolbox', 'initialize')).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/^toolbox /),
    });
    expect(only(report.rows, '(gateway)', 'config').status).toBe('ok');
    expect(report.problems).toBe(0);
  });

  it('does not start anything without start', async () => {
    const report = await doctor(`backends:\n  toolbox:\n    command: node ${TOOLBOX}\n`);
    expect(rowsOf(report.rows, 'toolbox').map((r) => r.check)).toEqual(['command node']);
  });

  it('reports a command that is not on PATH, with its fix', async () => {
    const report = await doctor('backends:\n  ghost:\n    command: mcp-gateway-no-such-program --stdio\n');
    const row = only(report.rows, 'ghost', 'command mcp-gateway-no-such-program');
    expect(row.status).toBe('problem');
    expect(row.detail).toBe('not found on PATH');
    expect(row.fix).toBe('install mcp-gateway-no-such-program, or correct command: in servers.yaml');
    expect(report.problems).toBe(1);
  });

  it('resolves a relative command against the backend cwd and checks its executable bit', async () => {
    const dir = join(tmp, 'tools');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'plain.sh'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(dir, 'plain.sh'), 0o644);
    writeFileSync(join(dir, 'runs.sh'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(dir, 'runs.sh'), 0o755);
    const report = await doctor(
      `backends:\n  a:\n    command: ./plain.sh\n    cwd: ${dir}\n  b:\n    command: ./runs.sh\n    cwd: ${dir}\n`,
    );
    expect(only(report.rows, 'a', 'command ./plain.sh')).toMatchObject({
      status: 'problem',
      fix: `chmod +x ${join(dir, 'plain.sh')}`,
    });
    expect(only(report.rows, 'b', 'command ./runs.sh')).toMatchObject({
      status: 'ok',
      detail: `${join(dir, 'runs.sh')} (runs on /bin/sh)`,
    });
  });

  it('follows a #!/usr/bin/env line: the interpreter must be on the same PATH', async () => {
    const dir = join(tmp, 'env-script');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'tool'), '#!/usr/bin/env mcp-gateway-no-such-interpreter\n');
    chmodSync(join(dir, 'tool'), 0o755);
    const report = await doctor(`backends:\n  s:\n    command: ${join(dir, 'tool')}\n`);
    const row = only(report.rows, 's', /^command /);
    expect(row.status).toBe('problem');
    expect(row.detail).toContain('mcp-gateway-no-such-interpreter is not on PATH');
  });

  it('reports a missing cwd', async () => {
    const report = await doctor(
      `backends:\n  c:\n    command: node ${TOOLBOX}\n    cwd: ${join(tmp, 'nowhere')}\n`,
    );
    expect(only(report.rows, 'c', 'cwd').status).toBe('problem');
  });

  it('reports a backend that exits at once, with the last lines of its stderr', async () => {
    const report = await doctor(
      `backends:\n  crash:\n    command: node\n    args: ['-e', 'console.error("boom: no API key"); process.exit(3)']\n`,
      { start: true },
    );
    const row = only(report.rows, 'crash', 'initialize');
    expect(row.status).toBe('problem');
    expect(row.detail).toContain('exited');
    expect(row.detail).toContain('boom: no API key');
  });

  it('gives up on a backend that never answers, within the start timeout, and kills it by its pid', async () => {
    const marker = join(tmp, 'silent.pid');
    // Ignores stdin closing and SIGTERM: only the last step of the stop ladder, SIGKILL, ends it.
    const script =
      'require("fs").writeFileSync(process.argv[1], String(process.pid)); ' +
      'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)';
    const started = Date.now();
    const report = await doctor(
      `backends:\n  silent:\n    command: node\n    args: ['-e', '${script}', '${marker}']\n`,
      { start: true, startTimeoutMs: 1_000 },
    );
    expect(only(report.rows, 'silent', 'initialize')).toMatchObject({
      status: 'problem',
      detail: 'no answer to initialize within 1 s',
    });
    // 1 s to answer, then the transport's stop ladder (stdin, SIGTERM after 2 s, SIGKILL after 2 more).
    expect(Date.now() - started).toBeLessThan(9_000);
    const pid = Number(readFileSync(marker, 'utf8'));
    await new Promise((r) => setTimeout(r, 200));
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('skips disabled backends', async () => {
    const report = await doctor(
      'backends:\n  off:\n    command: mcp-gateway-no-such-program\n    enabled: false\n',
    );
    expect(rowsOf(report.rows, 'off')).toEqual([expect.objectContaining({ check: 'enabled', status: 'ok' })]);
    expect(report.problems).toBe(0);
  });
});

describe('doctor on variables', () => {
  const yaml =
    'backends:\n' +
    '  keyed:\n' +
    `    command: node ${TOOLBOX}\n` +
    "    env: { API_KEY: '${DOCTOR_TEST_KEY}', REGION: '${DOCTOR_TEST_REGION:-eu}' }\n";

  it('names an undefined variable, per backend, and still checks the rest', async () => {
    const report = await doctor(yaml);
    const row = only(report.rows, 'keyed', 'variable DOCTOR_TEST_KEY');
    expect(row).toMatchObject({ status: 'problem', detail: '${DOCTOR_TEST_KEY} is not set' });
    expect(row.fix).toContain('export DOCTOR_TEST_KEY=…');
    expect(row.fix).toContain('${DOCTOR_TEST_KEY:-default}');
    // A variable with a default is not a problem; the command is still checked.
    expect(rowsOf(report.rows, 'keyed').map((r) => r.check)).toEqual([
      'variable DOCTOR_TEST_KEY',
      'command node',
    ]);
    expect(only(report.rows, '(gateway)', 'config').status).toBe('ok');
    expect(report.problems).toBe(1);
  });

  it('says when the shell has the variable but the service will not', async () => {
    const report = await doctor(yaml, {
      service: 'systemd',
      env: { ...baseEnv(), DOCTOR_TEST_KEY: 'from-shell' },
    });
    const row = only(report.rows, 'keyed', 'variable DOCTOR_TEST_KEY');
    expect(row.detail).toBe(
      '${DOCTOR_TEST_KEY} is set in your shell, but a systemd service does not inherit it',
    );
    expect(row.fix).toContain("unit's EnvironmentFile");
  });

  it('takes the variables of an --env-file, and never prints their values', async () => {
    const envFile = join(tmp, 'service.env');
    writeFileSync(envFile, '# secrets\nDOCTOR_TEST_KEY="s3cr3t-value"\n');
    const report = await doctor(yaml, { service: 'systemd', envFile, start: true });
    expect(only(report.rows, '(gateway)', 'env file')).toMatchObject({
      status: 'ok',
      detail: `${envFile}: 1 variable`,
    });
    expect(only(report.rows, 'keyed', 'variables')).toMatchObject({
      status: 'ok',
      detail: 'DOCTOR_TEST_KEY set',
    });
    expect(JSON.stringify(report.rows)).not.toContain('s3cr3t-value');
  });

  it('names an unset variable in a URL even though its stand-in then fails validation', async () => {
    const report = await doctor("backends:\n  remote:\n    http_url: '${DOCTOR_TEST_URL}'\n");
    expect(only(report.rows, 'remote', 'variable DOCTOR_TEST_URL').status).toBe('problem');
    const config = only(report.rows, '(gateway)', 'config');
    expect(config.status).toBe('problem');
    expect(config.fix).toContain('set the variables above first');
  });

  it('reports an unreadable env file', async () => {
    const report = await doctor(yaml, { envFile: join(tmp, 'missing.env') });
    expect(only(report.rows, '(gateway)', 'env file')).toMatchObject({
      status: 'problem',
      detail: expect.stringContaining('ENOENT'),
    });
  });

  it('reports an invalid config with its place, and nothing else about backends', async () => {
    const report = await doctor('backends:\n  toolbox:\n    comand: node\n');
    const row = only(report.rows, '(gateway)', 'config');
    expect(row.status).toBe('problem');
    expect(row.detail).toMatch(/servers\.yaml:3:5 backends\.toolbox\.comand: unknown key/);
    expect(rowsOf(report.rows, 'toolbox')).toEqual([]);
  });
});

describe('doctor on remote backends', () => {
  let notes: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    notes = await startNotesServer({ port: 0 });
  });
  afterAll(() => notes.close());

  it('reaches a Streamable HTTP server and, with start, initializes it', async () => {
    const report = await doctor(`backends:\n  notes:\n    http_url: ${notes.url}\n`, { start: true });
    expect(only(report.rows, 'notes', 'reachable')).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/^HTTP 4\d\d$/),
    });
    expect(only(report.rows, 'notes', 'initialize')).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/^notes /),
    });
    expect(report.problems).toBe(0);
  });

  it('reaches a legacy SSE server (its stream is closed at once) and initializes it', async () => {
    const units = await startUnitsServer({ port: 0 });
    try {
      const report = await doctor(`backends:\n  units:\n    http_url: ${units.url}\n`, { start: true });
      expect(only(report.rows, 'units', 'reachable')).toMatchObject({ status: 'ok', detail: 'HTTP 200' });
      expect(only(report.rows, 'units', 'initialize')).toMatchObject({
        status: 'ok',
        detail: expect.stringMatching(/^units /),
      });
    } finally {
      await units.close();
    }
  });

  it('reports a closed port as connection refused', async () => {
    const port = await closedPort();
    const report = await doctor(`backends:\n  down:\n    http_url: http://127.0.0.1:${port}/mcp\n`);
    expect(only(report.rows, 'down', 'reachable')).toEqual({
      backend: 'down',
      transport: 'http',
      check: 'reachable',
      status: 'problem',
      detail: 'connection refused: nothing listens on that port',
      fix: `start the server at http://127.0.0.1:${port}, or correct http_url`,
    });
  });

  it('reports a wrong path (404) and refused credentials (401)', async () => {
    const server = createServer((req, res) => {
      res.statusCode = req.url === '/mcp' ? 401 : 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const report = await doctor(
        `backends:\n  a:\n    http_url: http://127.0.0.1:${port}/wrong\n  b:\n    http_url: http://127.0.0.1:${port}/mcp\n    headers: { Authorization: 'Bearer x' }\n`,
      );
      expect(only(report.rows, 'a', 'reachable').detail).toContain('404');
      expect(only(report.rows, 'b', 'reachable').fix).toContain('credentials');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('the service environment', () => {
  it("is the manager's PATH and the account variables, not the shell's other variables", () => {
    const shell = {
      PATH: '/home/me/.nvm/bin:/usr/bin',
      HOME: '/home/me',
      USER: 'me',
      SECRET: 'x',
      TERM: 'xterm',
    };
    expect(serviceEnvironment('systemd', shell)).toEqual({
      PATH: SYSTEMD_PATH,
      HOME: '/home/me',
      USER: 'me',
    });
    expect(serviceEnvironment('launchd', shell).PATH).toBe(
      `/home/me/.local/bin:/opt/homebrew/bin:/usr/local/bin:${LAUNCHD_DEFAULT_PATH}`,
    );
    expect(serviceEnvironment('none', shell)).toEqual(shell);
    expect(serviceEnvironment('systemd', shell, { PATH: '/opt/bin', KEY: 'k' })).toMatchObject({
      PATH: '/opt/bin',
      KEY: 'k',
    });
  });

  it('finds a command that only the shell PATH has, and tells where it is', async () => {
    const bin = join(tmp, 'private-bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'my-mcp-tool'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, 'my-mcp-tool'), 0o755);
    const env = { ...baseEnv(), PATH: `${bin}${delimiter}${process.env.PATH}` };
    const yaml = 'backends:\n  mine:\n    command: my-mcp-tool\n';
    expect(only((await doctor(yaml, { env })).rows, 'mine', 'command my-mcp-tool').status).toBe('ok');
    const row = only((await doctor(yaml, { env, service: 'systemd' })).rows, 'mine', 'command my-mcp-tool');
    expect(row.status).toBe('problem');
    expect(row.detail).toBe('not found on the systemd PATH');
    expect(row.fix).toContain(
      `your shell finds ${join(bin, 'my-mcp-tool')}: write command: ${join(bin, 'my-mcp-tool')}`,
    );
    expect(row.fix).toContain(`PATH=${bin}:${SYSTEMD_PATH}`);
  });

  it('parses env files like systemd does', () => {
    expect(parseEnvFile('# c\n; c\n\nA=1\nB = "two words"\nexport C=\'3\'\nnot an assignment\n')).toEqual({
      values: { A: '1', B: 'two words', C: '3' },
      badLines: [7],
    });
  });
});

describe('mcp-gateway doctor (command line)', () => {
  const cli = async (args: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      env: baseEnv(),
      cwd: tmp,
      stopSignal: () => new Promise(() => {}),
    });
    return { code, stdout, stderr };
  };

  it('prints a table and exits 0 when everything is fine', async () => {
    const path = config(`backends:\n  toolbox:\n    command: node ${TOOLBOX}\n`);
    const { code, stdout } = await cli(['doctor', '-c', path]);
    expect(stdout).toMatch(/^BACKEND +TRANSPORT +CHECK +STATUS +DETAIL +FIX$/m);
    expect(stdout).toMatch(/^toolbox +stdio +command node +ok /m);
    expect(stdout).toContain('No problems found.');
    expect(code).toBe(0);
  });

  it('exits 1 on a problem, 2 on a wrong option', async () => {
    const path = config('backends:\n  ghost:\n    command: mcp-gateway-no-such-program\n');
    const { code, stdout } = await cli(['doctor', '-c', path, '--service', 'systemd']);
    expect(stdout).toMatch(
      /^ghost +stdio +command mcp-gateway-no-such-program +problem +not found on the systemd PATH/m,
    );
    expect(stdout).toContain('1 problem found');
    expect(code).toBe(1);
    expect((await cli(['doctor', '-c', path, '--service', 'upstart'])).code).toBe(2);
  });

  it('wraps long cells within their column', () => {
    const table = formatTable([
      {
        backend: 'b',
        transport: 'stdio',
        check: 'c',
        status: 'problem',
        detail: 'word '.repeat(30).trim(),
        fix: 'f',
      },
    ]);
    const lines = table.split('\n');
    expect(lines.length).toBeGreaterThan(2);
    expect(lines[1]).toMatch(/ f$/);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(120);
  });
});
