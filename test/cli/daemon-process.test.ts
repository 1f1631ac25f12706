/**
 * The real executable: `mcp-gateway` started as a process, as a service manager would, then stopped by signal.
 * It must log where it listens, serve, stop its backends on SIGTERM, exit 0, and leave no child behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { connectClient, firstText, REPO_ROOT } from '../helpers/gateway.js';
import { isAlive, stopChild, until } from '../helpers/processes.js';

const scratch = mkdtempSync(join(tmpdir(), 'mcp-gateway-cli-'));
const started: ChildProcess[] = [];
// A test that fails half-way must not leave its gateway (and that gateway's backends) running.
afterAll(async () => {
  await Promise.all(started.map((child) => stopChild(child)));
  rmSync(scratch, { recursive: true, force: true });
});

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/mcp-gateway.js'), ...args], {
    cwd: scratch,
    env: { PATH: process.env.PATH, HOME: scratch, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  return child;
}

/** Resolves with the URL the gateway logs once it listens. */
function listeningUrl(child: ReturnType<typeof run>): Promise<string> {
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'mcp-gateway listening' && entry.url) resolve(entry.url);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
}

describe('the mcp-gateway process', () => {
  it('serves, then on SIGTERM stops its backends and exits 0', async () => {
    const config = join(scratch, 'servers.yaml');
    writeFileSync(
      config,
      `backends:\n  toolbox:\n    command: node ${join(REPO_ROOT, 'dist/examples/backends/toolbox.js')}\n    env: { TOKEN: "\${SECRET_TOKEN}" }\n`,
    );
    const child = run(['-c', config, '--port', '0', '--log-level', 'debug'], {
      SECRET_TOKEN: 'canary-4f9a1c',
    });
    const lines: string[] = [];
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stderr! }).on('line', (line) => {
        lines.push(line);
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'mcp-gateway listening' && entry.url) resolve(entry.url);
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}: ${lines.join('\n')}`)));
    });

    const { client } = await connectClient(`${url}/mcp/toolbox`);
    expect(
      firstText(await client.callTool({ name: 'echo', arguments: { message: 'via the binary' } })),
    ).toContain('via the binary');
    const health = (await (await fetch(`${url}/health`)).json()) as {
      backends: { toolbox: { pid: number } };
    };
    const backendPid = health.backends.toolbox.pid;
    expect(isAlive(backendPid)).toBe(true);

    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(isAlive(backendPid)).toBe(false);
    expect(lines.some((l) => l.includes('"msg":"gateway stopped"'))).toBe(true);
    // The secret reached the backend's environment but never a log line, even at debug level.
    expect(lines.join('\n')).not.toContain('canary-4f9a1c');
    await client.close().catch(() => {});
  });

  it('a gateway killed with SIGKILL leaves backends behind; the next start stops them', async () => {
    const config = join(scratch, 'ledger.yaml');
    writeFileSync(
      config,
      `backends:\n  faulty:\n    command: node ${join(REPO_ROOT, 'dist/test/fixtures/faulty-server.js')}\n` +
        '    env: { FAULTY_GRANDCHILD: "1" }\n',
    );
    const first = run(['-c', config, '--port', '0']);
    const url = await listeningUrl(first);
    const { client } = await connectClient(`${url}/mcp/faulty`);
    const { pid, grandchild } = JSON.parse(
      firstText(await client.callTool({ name: 'pids', arguments: {} })),
    ) as {
      pid: number;
      grandchild: number;
    };
    first.kill('SIGKILL');
    await once(first, 'exit');
    await client.close().catch(() => {});
    // Orphaned: its grandchild keeps it alive although its stdin is gone.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(isAlive(pid)).toBe(true);

    const second = run(['-c', config, '--port', '0']);
    await listeningUrl(second);
    await until(() => !isAlive(pid) && !isAlive(grandchild), 'the leftovers to be stopped');
    second.kill('SIGTERM');
    expect((await once(second, 'exit'))[0]).toBe(0);
  });

  it('SIGHUP reloads the config, said in a JSON log line like every other line on stderr', async () => {
    const config = join(scratch, 'hup.yaml');
    writeFileSync(config, 'backends: {}\n');
    const child = run(['-c', config, '--port', '0', '--no-watch']);
    const lines: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
    try {
      const url = await listeningUrl(child);
      child.kill('SIGHUP');
      await until(() => lines.some((l) => l.includes('config reloaded')), 'the reload line');
      const health = (await (await fetch(`${url}/health`)).json()) as { config: { generation: number } };
      expect(health.config.generation).toBe(2);
    } finally {
      child.kill('SIGTERM');
    }
    expect((await once(child, 'exit'))[0]).toBe(0);
    const entries = lines.map(
      (line) => JSON.parse(line) as { level: string; msg: string; generation?: number },
    );
    expect(entries).toContainEqual(
      expect.objectContaining({ level: 'info', msg: 'config reloaded', generation: 2 }),
    );
  });

  it('refuses an invalid config with exit 1 and every problem at its place', async () => {
    const config = join(scratch, 'broken.yaml');
    writeFileSync(config, 'port: nope\nbackends:\n  Bad Name:\n    comand: x\n');
    const child = run(['-c', config]);
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr).toContain('invalid configuration, not started');
    expect(stderr).toMatch(/broken\.yaml:1:7 port: /);
    expect(stderr).toMatch(/broken\.yaml:3:3 backends\["Bad Name"\]: backend name must match/);
    expect(stderr).toMatch(
      /broken\.yaml:4:5 backends\["Bad Name"\]\.comand: unknown key \(did you mean "command"\?\)/,
    );
  });

  it('check prints the normalized config with secrets redacted', async () => {
    const config = join(scratch, 'check.yaml');
    writeFileSync(
      config,
      'backends:\n  remote:\n    http_url: http://127.0.0.1:9/mcp\n    headers: { Authorization: "Bearer ${API_TOKEN}" }\n',
    );
    const child = run(['check', '-c', config], { API_TOKEN: 'canary-77e1' });
    let stdout = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    const printed = JSON.parse(stdout) as {
      backends: { remote: { headers: Record<string, string>; transport: string } };
    };
    expect(printed.backends.remote).toMatchObject({ transport: 'http', headers: { Authorization: '***' } });
    expect(stdout).not.toContain('canary-77e1');
  });

  it('a port in use: exit 1 saying so', async () => {
    const config = join(scratch, 'port.yaml');
    writeFileSync(config, 'backends: {}\n');
    const first = run(['-c', config, '--port', '0']);
    const url = await new Promise<string>((resolve) => {
      createInterface({ input: first.stderr! }).on('line', (line) => {
        const entry = JSON.parse(line) as { url?: string };
        if (entry.url) resolve(entry.url);
      });
    });
    const second = run(['-c', config, '--port', new URL(url).port]);
    let stderr = '';
    second.stderr!.on('data', (chunk) => (stderr += chunk));
    const [code] = await once(second, 'exit');
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot listen: port \d+ on 127\.0\.0\.1 is already in use/);
    first.kill('SIGTERM');
    expect((await once(first, 'exit'))[0]).toBe(0);
  });

  it('wrong usage: exit 2', async () => {
    const child = run(['--no-such-flag']);
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
  });
});
