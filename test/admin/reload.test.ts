/**
 * Reload on the real executable: the config file edited under a running gateway. An added backend is served at
 * once while another backend's session goes on untouched (same session, same process); a changed one is restarted
 * and read into the catalog again; a removed one ends its sessions (404); an invalid edit changes nothing and is
 * reported in /health.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { cli } from '../helpers/cli.js';
import { connectClient, firstText, REPO_ROOT } from '../helpers/gateway.js';
import { stopChild, until } from '../helpers/processes.js';

const TOOLBOX = `node ${join(REPO_ROOT, 'dist/examples/backends/toolbox.js')}`;
const scratch = mkdtempSync(join(tmpdir(), 'mcp-gateway-reload-'));
const configPath = join(scratch, 'servers.yaml');
let child: ChildProcess;
let url: string;
const clients: Client[] = [];

interface Health {
  config: { generation: number; last_error: { problems: string[] } | null };
  backends: Record<string, { pid: number | null; tools_cached: number; state: string }>;
}
const health = async () => (await (await fetch(`${url}/health`)).json()) as Health;

function writeConfig(backends: string): void {
  writeFileSync(configPath, `state_dir: ${join(scratch, 'state')}\nbackends:\n${backends}`);
}

async function client(path: string): Promise<Client> {
  const c = (await connectClient(`${url}${path}`)).client;
  clients.push(c);
  return c;
}

const echo = async (c: Client, message: string) =>
  firstText(await c.callTool({ name: 'echo', arguments: { message } }));

beforeAll(async () => {
  writeConfig(`  alpha:\n    command: ${TOOLBOX}\n`);
  child = spawn(process.execPath, [join(REPO_ROOT, 'dist/mcp-gateway.js'), '-c', configPath, '--port', '0'], {
    cwd: scratch,
    env: { PATH: process.env.PATH, HOME: scratch },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'mcp-gateway listening' && entry.url) resolve(entry.url);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
});

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  if (child) await stopChild(child);
  rmSync(scratch, { recursive: true, force: true });
});

describe('editing the config file of a running gateway', () => {
  it('serves an added backend at once, leaving the sessions of the others untouched', async () => {
    const alpha = await client('/mcp/alpha');
    expect(await echo(alpha, 'before')).toContain('before');
    const pid = (await health()).backends.alpha!.pid;
    expect(pid).toBeGreaterThan(0);

    writeConfig(`  alpha:\n    command: ${TOOLBOX}\n  beta:\n    command: ${TOOLBOX}\n`);
    await until(async () => (await health()).config.generation === 2, 'the reload');
    const beta = await client('/mcp/beta');
    expect(await echo(beta, 'new')).toContain('new');
    expect(await echo(alpha, 'after')).toContain('after');
    expect((await health()).backends.alpha!.pid).toBe(pid);
  });

  it('restarts a changed backend and reads its tools again', async () => {
    const before = (await health()).backends.beta!.pid;
    const beta = await client('/mcp/beta');
    writeConfig(
      `  alpha:\n    command: ${TOOLBOX}\n  beta:\n    command: ${TOOLBOX}\n    description: changed\n`,
    );
    await until(async () => (await health()).config.generation === 3, 'the reload');
    // The old session belonged to the old definition: 404, which makes a client start over.
    await expect(beta.callTool({ name: 'echo', arguments: { message: 'x' } })).rejects.toThrow();
    const again = await client('/mcp/beta');
    expect(await echo(again, 'again')).toContain('again');
    expect((await health()).backends.beta!.pid).not.toBe(before);
    await until(async () => (await health()).backends.beta!.tools_cached > 0, 'beta indexed again');
  });

  it('refuses an invalid edit, keeps serving the config before it, and says why in /health', async () => {
    const alpha = await client('/mcp/alpha');
    writeConfig(`  alpha:\n    comand: ${TOOLBOX}\n`);
    await until(async () => (await health()).config.last_error !== null, 'the refusal');
    const { config } = await health();
    expect(config.generation).toBe(3);
    expect(config.last_error!.problems.join('\n')).toMatch(
      /servers\.yaml:4:5 backends\.alpha\.comand: unknown key/,
    );
    expect(await echo(alpha, 'still')).toContain('still');
  });

  it('stops a removed backend and ends its sessions', async () => {
    const beta = await client('/mcp/beta');
    const pid = (await health()).backends.beta!.pid!;
    writeConfig(`  alpha:\n    command: ${TOOLBOX}\n`);
    await until(async () => (await health()).config.generation === 4, 'the reload');
    expect((await health()).backends.beta).toBeUndefined();
    await expect(beta.callTool({ name: 'echo', arguments: { message: 'x' } })).rejects.toThrow();
    expect((await fetch(`${url}/mcp/beta`, { method: 'POST' })).status).toBe(404);
    await until(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 'the removed backend to stop');
  });

  it('takes on an admin token at once, and `mcp-gateway reload` then reloads through the admin API', async () => {
    const admin = 'admin:\n  token: reload-test-token-0123456789\n';
    writeFileSync(
      configPath,
      `${admin}state_dir: ${join(scratch, 'state')}\nbackends:\n  alpha:\n    command: ${TOOLBOX}\n`,
    );
    await until(async () => (await health()).config.generation === 5, 'the reload');
    const reloaded = await cli(['reload', '-c', configPath, '--url', url], { cwd: scratch });
    expect(reloaded.code, reloaded.stderr).toBe(0);
    expect((await health()).config.generation).toBe(6);

    writeFileSync(configPath, `${admin}backends:\n  alpha:\n    comand: x\n`);
    const refused = await cli(['reload', '-c', configPath, '--url', url], { cwd: scratch });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/comand: unknown key/);
    expect((await health()).config.generation).toBe(6);
  });
});
