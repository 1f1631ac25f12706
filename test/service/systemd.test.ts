import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEMD_PATH } from '../../src/doctor/service-env.js';
import { REPO_ROOT, run, which } from './run.js';

const SYSTEM_UNIT = join(REPO_ROOT, 'systemd/mcp-gateway.service');
const USER_UNIT = join(REPO_ROOT, 'systemd/user/mcp-gateway.service');

/** `[Section] Key=value` lines; a key set twice keeps every value, in order. */
function parseUnit(text: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    const key = `${section}.${line.slice(0, eq)}`;
    keys.set(key, [...(keys.get(key) ?? []), line.slice(eq + 1)]);
  }
  return keys;
}

const one = (unit: Map<string, string[]>, key: string): string | undefined => unit.get(key)?.at(-1);

let tmp: string;
let analyze: string | undefined;
let copies = 0;

/** A copy of the unit, in a folder of its own, whose ExecStart names an executable stand-in for mcp-gateway. */
function withStub(unitPath: string, folder: string): string {
  expect(
    analyze,
    'systemd-analyze is needed (Debian: apt-get install systemd; .ci/run installs it)',
  ).toBeDefined();
  const stub = join(tmp, 'mcp-gateway-stub');
  writeFileSync(stub, '#!/bin/sh\nexit 0\n');
  chmodSync(stub, 0o755);
  const dir = join(tmp, folder);
  mkdirSync(dir, { recursive: true });
  const copy = join(dir, 'mcp-gateway.service');
  const text = readFileSync(unitPath, 'utf8');
  expect(text).toMatch(/^ExecStart=mcp-gateway /m);
  writeFileSync(copy, text.replace(/^ExecStart=mcp-gateway /m, `ExecStart=${stub} `));
  return copy;
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'mcp-gateway-systemd-'));
  analyze = await which('systemd-analyze');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * `systemd-analyze verify` also checks that ExecStart's program exists, and mcp-gateway is not installed on this
 * machine: the copy it verifies names an executable stand-in instead; every other line is verified as shipped.
 * Unknown keys and bad values are only warnings (exit code 0), so any output about the unit fails the test too.
 */
async function verify(unitPath: string, mode: 'system' | 'user'): Promise<string> {
  const copy = withStub(unitPath, `${mode}-${++copies}`);
  const runtime = join(tmp, 'runtime');
  mkdirSync(runtime, { recursive: true, mode: 0o700 });
  const args = mode === 'user' ? ['--user', 'verify', copy] : ['verify', copy];
  // The user manager needs a runtime directory even to verify.
  const result = await run(analyze!, args, { env: { ...process.env, XDG_RUNTIME_DIR: runtime } });
  return `exit ${result.code}\n${result.stdout}${result.stderr}`.trim();
}

describe('systemd/mcp-gateway.service (system unit)', () => {
  const unit = parseUnit(readFileSync(SYSTEM_UNIT, 'utf8'));

  it('passes systemd-analyze verify without a single warning', async () => {
    expect(await verify(SYSTEM_UNIT, 'system')).toBe('exit 0');
  });

  it('would notice a broken unit (the check above is not vacuous)', async () => {
    const broken = join(tmp, 'broken.service');
    const text = readFileSync(SYSTEM_UNIT, 'utf8');
    writeFileSync(broken, text.replace(/^Restart=on-failure$/m, 'Restart=sometimes'));
    expect(await verify(broken, 'system')).toMatch(/restart specifier.*sometimes/);
    writeFileSync(broken, text.replace(/^PrivateTmp=yes$/m, 'PrivateTemp=yes'));
    expect(await verify(broken, 'system')).toMatch(/Unknown key.*PrivateTemp/);
  });

  it('keeps the systemd exposure level under 3.0 (systemd-analyze security --offline)', async () => {
    const copy = withStub(SYSTEM_UNIT, 'security');
    const result = await run(analyze!, ['security', '--offline=true', '--threshold=30', copy]);
    expect(result.code, result.stdout.split('\n').slice(-3).join('\n')).toBe(0);
  });

  it('runs the gateway on /etc/mcp-gateway/servers.yaml as a dedicated user', () => {
    expect(one(unit, 'Service.ExecStart')).toBe('mcp-gateway serve --config /etc/mcp-gateway/servers.yaml');
    expect(one(unit, 'Service.User')).toBe('mcp-gateway');
    expect(one(unit, 'Service.Type')).toBe('exec');
    expect(one(unit, 'Install.WantedBy')).toBe('multi-user.target');
  });

  it('restarts on failure, with a delay and a limit', () => {
    expect(one(unit, 'Service.Restart')).toBe('on-failure');
    const delay = Number(one(unit, 'Service.RestartSec'));
    expect(delay).toBeGreaterThanOrEqual(1);
    expect(delay).toBeLessThanOrEqual(10);
    expect(Number(one(unit, 'Unit.StartLimitBurst'))).toBeGreaterThan(1);
    expect(Number(one(unit, 'Unit.StartLimitIntervalSec'))).toBeGreaterThan(delay);
  });

  it('stops gracefully: SIGTERM to the gateway first, more time than its 20 s drain', () => {
    expect(one(unit, 'Service.KillMode')).toBe('mixed');
    expect(one(unit, 'Service.KillSignal')).toBe('SIGTERM');
    expect(Number(one(unit, 'Service.TimeoutStopSec'))).toBeGreaterThan(20);
  });

  it('keeps SIGHUP for reload', () => {
    expect(one(unit, 'Service.ExecReload')).toBe('/bin/kill -HUP $MAINPID');
  });

  it('is hardened, with the state directory as the writable place (and HOME there for npx/uvx caches)', () => {
    expect(one(unit, 'Service.NoNewPrivileges')).toBe('yes');
    expect(one(unit, 'Service.ProtectSystem')).toBe('strict');
    expect(one(unit, 'Service.PrivateTmp')).toBe('yes');
    expect(one(unit, 'Service.StateDirectory')).toBe('mcp-gateway');
    expect(unit.get('Service.Environment')).toContain('HOME=/var/lib/mcp-gateway');
    // glibc gives freed memory back above 1 MB (README, Performance); bench/processes.ts starts the gateway so too.
    expect(unit.get('Service.Environment')).toContain('MALLOC_TRIM_THRESHOLD_=1048576');
    expect(one(unit, 'Service.CapabilityBoundingSet')).toBe('');
  });

  it('leaves out the hardening that would stop node-based backends from running', () => {
    // V8 needs writable+executable memory for its JIT; MemoryDenyWriteExecute kills node at start.
    expect(unit.has('Service.MemoryDenyWriteExecute')).toBe(false);
    // Chromium-based backends (Playwright) sandbox themselves with namespaces.
    expect(unit.has('Service.RestrictNamespaces')).toBe(false);
  });

  it('reads secrets from an optional EnvironmentFile, documented with the PATH doctor assumes', () => {
    expect(one(unit, 'Service.EnvironmentFile')).toBe('-/etc/mcp-gateway/env');
    expect(readFileSync(SYSTEM_UNIT, 'utf8')).toContain(SYSTEMD_PATH);
  });
});

describe('systemd/user/mcp-gateway.service (user unit)', () => {
  const unit = parseUnit(readFileSync(USER_UNIT, 'utf8'));

  it('passes systemd-analyze --user verify without a single warning', async () => {
    expect(await verify(USER_UNIT, 'user')).toBe('exit 0');
  });

  it("runs on the user's own config, restarts on failure, and starts with the user's session", () => {
    expect(one(unit, 'Service.ExecStart')).toBe(
      'mcp-gateway serve --config %h/.config/mcp-gateway/servers.yaml',
    );
    expect(one(unit, 'Service.Restart')).toBe('on-failure');
    expect(Number(one(unit, 'Service.RestartSec'))).toBeGreaterThanOrEqual(1);
    expect(one(unit, 'Service.KillMode')).toBe('mixed');
    expect(Number(one(unit, 'Service.TimeoutStopSec'))).toBeGreaterThan(20);
    expect(one(unit, 'Service.StateDirectory')).toBe('mcp-gateway');
    expect(one(unit, 'Service.NoNewPrivileges')).toBe('yes');
    expect(one(unit, 'Service.EnvironmentFile')).toBe('-%h/.config/mcp-gateway/env');
    expect(unit.get('Service.Environment')).toContain('MALLOC_TRIM_THRESHOLD_=1048576');
    expect(one(unit, 'Install.WantedBy')).toBe('default.target');
    expect(unit.has('Service.User')).toBe(false);
  });
});
