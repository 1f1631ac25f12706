import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, run } from './run.js';

// These read dist/: `npm test` builds first. --ignore-scripts keeps `prepare` (a second build) out of the way.
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
};
const npmEnv = {
  ...process.env,
  NPM_CONFIG_FUND: 'false',
  NPM_CONFIG_AUDIT: 'false',
  NPM_CONFIG_UPDATE_NOTIFIER: 'false',
};

interface PackResult {
  filename: string;
  files: { path: string; mode: number }[];
}

async function pack(args: string[]): Promise<PackResult> {
  const result = await run('npm', ['pack', '--json', '--ignore-scripts', ...args], {
    env: npmEnv,
    timeoutMs: 60_000,
  });
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as PackResult[])[0]!;
}

describe('the npm package', () => {
  let files: string[];
  beforeAll(async () => {
    files = (await pack(['--dry-run'])).files.map((f) => f.path);
  });

  it('is published as mcpgw (mcp-gateway on npm is another project) and installs the mcp-gateway command', () => {
    expect(pkg.name).toBe('mcpgw');
    expect(Object.keys(pkg.bin)).toEqual(['mcp-gateway']);
  });

  it('contains the executable with its shebang, and what it needs to run', () => {
    const bin = pkg.bin['mcp-gateway']!;
    expect(bin).toBe('dist/mcp-gateway.js');
    expect(files).toContain(bin);
    expect(readFileSync(join(REPO_ROOT, bin), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    for (const file of [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'servers.yaml',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/doctor/doctor.js',
      'dist/examples/backends/toolbox.js',
      'systemd/mcp-gateway.service',
      'systemd/user/mcp-gateway.service',
      'launchd/local.mcp-gateway.plist',
    ]) {
      expect(files).toContain(file);
    }
  });

  it('contains no tests, no TypeScript sources, no source maps and no development files', () => {
    const unwanted = files.filter(
      (f) =>
        f.startsWith('test/') ||
        f.startsWith('dist/test/') ||
        f.startsWith('src/') ||
        f.startsWith('node_modules/') ||
        f.startsWith('.') ||
        /\.test\.|\.map$/.test(f) ||
        (f.endsWith('.ts') && !f.endsWith('.d.ts')) ||
        ['Dockerfile', 'tsconfig.json', 'vitest.config.ts', 'eslint.config.js', 'package-lock.json'].includes(
          f,
        ),
    );
    expect(unwanted).toEqual([]);
  });

  describe('installed globally from the packed tarball', () => {
    let tmp: string;
    let prefix: string;
    beforeAll(async () => {
      tmp = mkdtempSync(join(tmpdir(), 'mcp-gateway-npm-'));
      prefix = join(tmp, 'prefix');
      const { filename } = await pack(['--pack-destination', tmp]);
      expect(filename).toBe(`mcpgw-${pkg.version}.tgz`);
      // The dependencies come from npm's cache when `npm ci` has filled it, from the registry otherwise.
      const install = await run(
        'npm',
        [
          'install',
          '--global',
          '--prefix',
          prefix,
          '--prefer-offline',
          '--no-audit',
          '--no-fund',
          join(tmp, filename),
        ],
        { env: npmEnv, timeoutMs: 150_000 },
      );
      expect(install.code, install.stderr).toBe(0);
    }, 180_000);
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    const installed = () => join(prefix, 'lib/node_modules/mcpgw');
    const gatewayBin = () => join(prefix, 'bin/mcp-gateway');

    it('gives a working mcp-gateway command', async () => {
      const result = await run(gatewayBin(), ['--version'], { cwd: tmp });
      expect(result.stderr).toBe('');
      expect(result.stdout.trim()).toBe(pkg.version);
    });

    it('checks the demo configuration it ships', async () => {
      const result = await run(gatewayBin(), ['check', '-c', join(installed(), 'servers.yaml')], {
        cwd: tmp,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('is valid');
    });

    it('init writes a servers.yaml whose toolbox example names the demo it ships', async () => {
      const config = join(tmp, 'init', 'servers.yaml');
      const result = await run(gatewayBin(), ['init', config], { cwd: tmp });
      expect(result.code, result.stderr).toBe(0);
      expect(readFileSync(config, 'utf8')).toContain(
        `#   command: node ${join(installed(), 'dist/examples/backends/toolbox.js')}`,
      );
      const check = await run(gatewayBin(), ['check', '-c', config], { cwd: tmp });
      expect(check.code, check.stderr).toBe(0);
    });

    it('runs doctor --start on the toolbox demo it ships', async () => {
      const config = join(tmp, 'servers.yaml');
      writeFileSync(
        config,
        `backends:\n  toolbox:\n    command: node ${join(installed(), 'dist/examples/backends/toolbox.js')}\n`,
      );
      const result = await run(gatewayBin(), ['doctor', '--start', '-c', config], {
        cwd: tmp,
        timeoutMs: 30_000,
      });
      expect(result.stdout).toMatch(/toolbox +stdio +initialize +ok +toolbox/);
      expect(result.code, result.stdout).toBe(0);
    });
  });
});
