/**
 * The state directory belongs to one gateway: 0700, its files 0600 (the process ledger lists backend command lines,
 * which may carry secrets), and locked: a second gateway on it refuses to start naming the holder's pid, and a lock
 * left by a dead gateway is taken over.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { connectClient, REPO_ROOT } from '../helpers/gateway.js';
import { stopChild } from '../helpers/processes.js';

const scratch = mkdtempSync(join(tmpdir(), 'mcp-gateway-statedir-'));
const started: ChildProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((child) => stopChild(child)));
  rmSync(scratch, { recursive: true, force: true });
});

/** A config whose state_dir is `dir`, with one stdio backend. */
function config(dir: string): string {
  const path = join(scratch, `${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    path,
    `state_dir: ${dir}\nbackends:\n  faulty:\n    command: node ${join(REPO_ROOT, 'dist/test/fixtures/faulty-server.js')}\n` +
      '    args: ["--token", "${SECRET_ARG}"]\n',
  );
  return path;
}

function run(configPath: string) {
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'dist/mcp-gateway.js'), '-c', configPath, '--port', '0'],
    {
      cwd: scratch,
      env: { PATH: process.env.PATH, HOME: scratch, SECRET_ARG: 'canary-arg-31c7' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  started.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const url = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'mcp-gateway listening' && entry.url) resolve(entry.url);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  url.catch(() => {});
  return { child, url, stderr: () => stderr };
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('the state directory', () => {
  it('is tightened to 0700 and its files to 0600, the ledger included', async () => {
    const dir = join(scratch, 'loose');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    // As an earlier version left it: world-readable.
    const ledger = join(dir, 'backend-processes.json');
    writeFileSync(ledger, '{"gateway_pid":1,"gateway_started":0,"processes":[]}');
    chmodSync(ledger, 0o644);
    const gateway = run(config(dir));
    await gateway.url;
    expect(mode(dir)).toBe(0o700);
    expect(mode(ledger)).toBe(0o600);
    expect(mode(join(dir, 'gateway.lock'))).toBe(0o600);
    const { client } = await connectClient(`${await gateway.url}/mcp/faulty`);
    expect(readFileSync(ledger, 'utf8')).toContain('canary-arg-31c7');
    expect(mode(ledger)).toBe(0o600);
    await client.close();
    gateway.child.kill('SIGTERM');
    expect((await once(gateway.child, 'exit'))[0]).toBe(0);
  });

  it('a second gateway on the same directory refuses to start, naming the holder', async () => {
    const dir = join(scratch, 'shared');
    const first = run(config(dir));
    await first.url;
    const second = run(config(dir));
    const [code] = await once(second.child, 'exit');
    expect(code).toBe(1);
    expect(second.stderr()).toContain(
      `mcp-gateway: cannot start: the state directory ${dir} is in use by another mcp-gateway (pid ${first.child.pid})`,
    );
    // The first one is untouched, and its lock released when it stops.
    expect(first.child.exitCode).toBe(null);
    first.child.kill('SIGTERM');
    expect((await once(first.child, 'exit'))[0]).toBe(0);
    expect(() => statSync(join(dir, 'gateway.lock'))).toThrow();
  });

  it('a lock left by a dead gateway is taken over', async () => {
    const dir = join(scratch, 'stale');
    mkdirSync(dir, { mode: 0o700 });
    const dead = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    writeFileSync(
      join(dir, 'gateway.lock'),
      JSON.stringify({ pid: Number(dead), started: Date.now() - 60_000 }),
    );
    const gateway = run(config(dir));
    await gateway.url;
    const lock = JSON.parse(readFileSync(join(dir, 'gateway.lock'), 'utf8')) as { pid: number };
    expect(lock.pid).toBe(gateway.child.pid);
    gateway.child.kill('SIGTERM');
    expect((await once(gateway.child, 'exit'))[0]).toBe(0);
  });

  it('a lock naming a live process that is not the gateway that wrote it (a reused pid) is taken over', async () => {
    const dir = join(scratch, 'reused');
    mkdirSync(dir, { mode: 0o700 });
    // This test process is alive, but started long after the time the lock records.
    writeFileSync(join(dir, 'gateway.lock'), JSON.stringify({ pid: process.pid, started: 1_000 }));
    const gateway = run(config(dir));
    await gateway.url;
    gateway.child.kill('SIGTERM');
    expect((await once(gateway.child, 'exit'))[0]).toBe(0);
  });
});
