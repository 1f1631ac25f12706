/**
 * Orphans: a backend's grandchild that left its process group (setsid) is stopped on every stop path (hibernation, a
 * crash, gateway shutdown by SIGTERM or SIGINT), and one whose parent had already exited when the gateway was killed
 * with SIGKILL is stopped by the next start. They are found by the MCP_GATEWAY_BACKEND marker they inherit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { connectClient, firstText, REPO_ROOT, startGateway, endSession } from '../helpers/gateway.js';
import { isAlive, stopChild, until } from '../helpers/processes.js';

const scratch = mkdtempSync(join(tmpdir(), 'mcp-gateway-orphans-'));
const started: ChildProcess[] = [];
const grandchildren: number[] = [];
afterAll(async () => {
  await Promise.all(started.map((child) => stopChild(child)));
  // A failing test must not leave its orphan running.
  for (const pid of grandchildren.filter(isAlive)) process.kill(pid, 'SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

const FAULTY = `node ${join(REPO_ROOT, 'dist/test/fixtures/faulty-server.js')}`;
const YAML = `backends:\n  escapes:\n    command: ${FAULTY}\n    env: { FAULTY_GRANDCHILD: setsid }\n    idle_timeout: 1\n`;

async function pids(client: Client): Promise<{ pid: number; grandchild: number }> {
  const answer = JSON.parse(firstText(await client.callTool({ name: 'pids', arguments: {} }))) as {
    pid: number;
    grandchild: number;
  };
  grandchildren.push(answer.grandchild);
  return answer;
}

/** The grandchild really is out of the backend's process group, and carries the marker. */
function escaped(pid: number, grandchild: number): void {
  const group = (p: number) => readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')[2];
  expect(group(grandchild)).not.toBe(group(pid));
  const environ = readFileSync(`/proc/${grandchild}/environ`, 'utf8').split('\0');
  expect(environ.find((e) => e.startsWith('MCP_GATEWAY_BACKEND='))).toMatch(
    /^MCP_GATEWAY_BACKEND=[0-9a-f-]{36}\/escapes\/\d+$/,
  );
}

describe.skipIf(process.platform !== 'linux')('grandchildren that left the process group', () => {
  it('are stopped when the backend hibernates, crashes, or the gateway shuts down', async () => {
    const gw = await startGateway(YAML);
    try {
      // Hibernation (once no session is attached).
      let { client } = await connectClient(`${gw.url}/mcp/escapes`);
      let { pid, grandchild } = await pids(client);
      escaped(pid, grandchild);
      await endSession(client);
      await until(() => !isAlive(pid) && !isAlive(grandchild), 'hibernation to stop both', 10_000);

      // A crash.
      ({ client } = await connectClient(`${gw.url}/mcp/escapes`));
      ({ pid, grandchild } = await pids(client));
      await client.callTool({ name: 'crash', arguments: {} }).catch(() => {});
      await until(() => !isAlive(pid) && !isAlive(grandchild), 'the crash to take both', 5_000);

      // Shutdown.
      ({ pid, grandchild } = await pids(client));
      await gw.close();
      expect(isAlive(pid)).toBe(false);
      // Killed by now; gone once init has reaped it.
      await until(() => !isAlive(grandchild), 'shutdown to stop the grandchild', 2_000);
    } finally {
      await gw.close();
    }
  });
});

function run(config: string) {
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'dist/mcp-gateway.js'), '-c', config, '--port', '0'],
    {
      cwd: scratch,
      env: { PATH: process.env.PATH, HOME: scratch },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  started.push(child);
  const url = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'mcp-gateway listening' && entry.url) resolve(entry.url);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
  return { child, url };
}

describe.skipIf(process.platform !== 'linux')('the gateway process', () => {
  const config = join(scratch, 'servers.yaml');
  writeFileSync(config, YAML);

  it.each(['SIGTERM', 'SIGINT'] as const)('%s: the escaped grandchild is stopped too', async (signal) => {
    const gateway = run(config);
    const { client } = await connectClient(`${await gateway.url}/mcp/escapes`);
    const { pid, grandchild } = await pids(client);
    gateway.child.kill(signal);
    expect((await once(gateway.child, 'exit'))[0]).toBe(0);
    expect(isAlive(pid)).toBe(false);
    await until(() => !isAlive(grandchild), `${signal} to stop the grandchild`, 2_000);
    await client.close().catch(() => {});
  });

  it('kill -9: the backend exits with its stdin, its grandchild lives on; the next start stops it', async () => {
    const first = run(config);
    const { client } = await connectClient(`${await first.url}/mcp/escapes`);
    const { pid, grandchild } = await pids(client);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    await client.close().catch(() => {});
    await until(() => !isAlive(pid), 'the backend to exit once its stdin closed');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(isAlive(grandchild)).toBe(true);

    const second = run(config);
    await second.url;
    await until(() => !isAlive(grandchild), 'the orphan to be stopped by the next start');
    second.child.kill('SIGTERM');
    expect((await once(second.child, 'exit'))[0]).toBe(0);
  });
});
