/**
 * `mcp-gateway init`: a starter servers.yaml that `check` accepts as written, never written over an existing file
 * without --force, and ready for `import --into` (its commented examples stay).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { starterConfig } from '../../src/commands/init.js';
import { cli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/gateway.js';

const scratch = mkdtempSync(join(tmpdir(), 'mcp-gateway-init-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('mcp-gateway init', () => {
  it('writes ./servers.yaml, which check accepts; a second init refuses, --force overwrites', async () => {
    const path = join(scratch, 'servers.yaml');
    const first = await cli(['init'], { cwd: scratch });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`Wrote ${path}`);
    const check = await cli(['check'], { cwd: scratch });
    expect(check.code, check.stderr).toBe(0);
    expect(check.stderr).toContain(`${path} is valid`);

    writeFileSync(path, '# mine\n');
    const again = await cli(['init'], { cwd: scratch });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${path} exists: nothing was written (--force overwrites it)`);
    expect(readFileSync(path, 'utf8')).toBe('# mine\n');
    expect((await cli(['init', '--force'], { cwd: scratch })).code).toBe(0);
    expect(readFileSync(path, 'utf8')).toContain('written by `mcp-gateway init`');
  });

  it('writes FILE, creating its folder (~/.config/mcp-gateway/ on a new machine)', async () => {
    const path = join(scratch, 'config', 'mcp-gateway', 'servers.yaml');
    expect((await cli(['init', path], { cwd: scratch })).code).toBe(0);
    expect((await cli(['check', '-c', path], { cwd: scratch })).code).toBe(0);
  });

  it('points its commented toolbox example at the demo that ships beside it, which works uncommented', () => {
    const toolbox = join(REPO_ROOT, 'dist/examples/backends/toolbox.js');
    const text = starterConfig('/etc/mcp-gateway/servers.yaml', toolbox);
    expect(text).toContain(`#   command: node ${toolbox}`);
    const uncommented = text.replace(/^ {2}# (toolbox:| {2}command: node| {2}description:)/gm, '  $1');
    const { config } = parseConfig(uncommented, { path: '/etc/mcp-gateway/servers.yaml', env: {} });
    expect(config.backends.toolbox).toMatchObject({ command: 'node', args: [toolbox] });
    expect(config.admin.token).toBeUndefined();
    expect(existsSync(toolbox)).toBe(true);
  });

  it('then import --into fills it, and the examples stay below the imported backends', async () => {
    const dir = mkdtempSync(join(scratch, 'flow-'));
    await cli(['init'], { cwd: dir });
    writeFileSync(
      join(dir, '.mcp.json'),
      JSON.stringify({ mcpServers: { time: { command: 'uvx', args: ['mcp-server-time'] } } }),
    );
    const run = await cli(['import', '.mcp.json', '--into', 'servers.yaml'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const text = readFileSync(join(dir, 'servers.yaml'), 'utf8');
    expect(text.indexOf('  time:')).toBeLessThan(text.indexOf('# github:'));
    expect(text).toContain('# admin:');
    expect((await cli(['check'], { cwd: dir })).code).toBe(0);
  });
});
