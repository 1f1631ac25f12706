/**
 * The README's REST examples (the `sh` block under "### REST examples"), run as written with curl against a real
 * gateway: every line must succeed (`curl -f`), so that the documentation cannot drift from the API.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO_ROOT, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { until } from '../helpers/processes.js';

const run = promisify(execFile);
const TOKEN = 'readme-client-token-0123456789';
let gw: RunningGateway;
const backends: HttpBackend[] = [];
const seen: (string | undefined)[] = [];

function examples(): string[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### REST examples'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block.split('\n').filter((line) => line.startsWith('curl '));
}

beforeAll(async () => {
  for (const name of ['alpha', 'beta']) {
    backends.push(
      await startHttpBackend({
        name,
        tools(server) {
          server.registerTool(
            'echo',
            { description: 'Echoes a message', inputSchema: { message: z.string() } },
            async ({ message }) => ({ content: [{ type: 'text', text: message }] }),
          );
        },
        intercept(req, _res, body) {
          if (body.includes('"tools/call"')) seen.push(req.headers.authorization);
          return false;
        },
      }),
    );
  }
  gw = await startGateway(
    `
auth:
  clients:
    reader: { token: '${TOKEN}' }
backends:
  alpha: { http_url: '${backends[0]!.url}' }
  beta: { http_url: '${backends[1]!.url}' }
`,
    { discover: true },
  );
  await until(() => ['alpha', 'beta'].every((n) => gw.gateway.catalog.isIndexed(n)), 'discovery', 15_000);
}, 30_000);

afterAll(async () => {
  await gw?.close();
  for (const b of backends) await b.close();
});

it('runs every curl example of the README', async () => {
  const lines = examples();
  expect(lines.length).toBeGreaterThanOrEqual(8);
  const env: NodeJS.ProcessEnv = { ...process.env, GW: gw.url, TOKEN, SESSION: '' };
  for (const line of lines) {
    const { stdout } = await run('bash', ['-c', line], { env });
    // The first example creates the session the others use.
    if (env.SESSION === '') env.SESSION = (JSON.parse(stdout) as { session_id: string }).session_id;
  }
  expect(seen).toEqual(['Bearer user-token-for-alpha']);
}, 30_000);
