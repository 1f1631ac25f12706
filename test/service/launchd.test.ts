import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAUNCHD_DEFAULT_PATH, launchdPlistPath } from '../../src/doctor/service-env.js';
import { REPO_ROOT, run, which } from './run.js';

const PLIST = join(REPO_ROOT, 'launchd/local.mcp-gateway.plist');

// plutil where there is one (macOS); elsewhere Python's plistlib, which parses with expat (strict XML) and refuses
// what is not a property list. Both are asked for JSON so that the test can look at the values.
const PYTHON_TO_JSON =
  'import json, plistlib, sys\n' +
  'with open(sys.argv[1], "rb") as f: data = plistlib.load(f, fmt=plistlib.FMT_XML)\n' +
  'print(json.dumps(data))\n';

let tmp: string;
let plutil: string | undefined;
let python: string | undefined;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'mcp-gateway-launchd-'));
  plutil = await which('plutil');
  python = await which('python3');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function parsePlist(
  path: string,
): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; error: string }> {
  if (plutil) {
    const result = await run(plutil, ['-convert', 'json', '-o', '-', path]);
    return result.code === 0
      ? { ok: true, value: JSON.parse(result.stdout) }
      : { ok: false, error: result.stderr + result.stdout };
  }
  expect(python, 'plutil or python3 is needed to parse the plist').toBeDefined();
  const result = await run(python!, ['-c', PYTHON_TO_JSON, path]);
  return result.code === 0
    ? { ok: true, value: JSON.parse(result.stdout) }
    : { ok: false, error: result.stderr };
}

describe('launchd/local.mcp-gateway.plist', () => {
  it('is a valid property list', async () => {
    const parsed = await parsePlist(PLIST);
    expect(parsed.ok ? 'ok' : parsed.error).toBe('ok');
  });

  it('would be refused if it were not (the parser is strict)', async () => {
    const broken = join(tmp, 'broken.plist');
    // "--" inside an XML comment is not well-formed: an easy mistake when documenting command-line options.
    writeFileSync(broken, readFileSync(PLIST, 'utf8').replace('<!-- Restart', '<!-- --restart'));
    expect((await parsePlist(broken)).ok).toBe(false);
    writeFileSync(broken, readFileSync(PLIST, 'utf8').replace('<true/>', '<true>'));
    expect((await parsePlist(broken)).ok).toBe(false);
  });

  it('starts at load, restarts after a failure, and logs to a file', async () => {
    const parsed = await parsePlist(PLIST);
    if (!parsed.ok) throw new Error(parsed.error);
    const plist = parsed.value;
    expect(plist.Label).toBe('local.mcp-gateway');
    expect(plist.RunAtLoad).toBe(true);
    expect(plist.KeepAlive).toEqual({ SuccessfulExit: false });
    expect(plist.ThrottleInterval).toBeGreaterThanOrEqual(1);
    // More than the gateway's 20 s drain before launchd sends SIGKILL.
    expect(plist.ExitTimeOut).toBeGreaterThan(20);
    expect(plist.AbandonProcessGroup).toBeUndefined();
    expect(plist.StandardErrorPath).toBe('/Users/YOU/Library/Logs/mcp-gateway.log');
    expect(plist.StandardOutPath).toBe('/Users/YOU/Library/Logs/mcp-gateway.log');
    expect(plist.ProgramArguments).toEqual([
      '/usr/bin/env',
      'mcp-gateway',
      'serve',
      '--config',
      '/Users/YOU/.config/mcp-gateway/servers.yaml',
    ]);
  });

  it('sets PATH explicitly (launchd does not read the shell profile), the same PATH doctor --service launchd uses', async () => {
    const parsed = await parsePlist(PLIST);
    if (!parsed.ok) throw new Error(parsed.error);
    const env = parsed.value.EnvironmentVariables as Record<string, string>;
    expect(env.PATH).toBe(launchdPlistPath('/Users/YOU'));
    for (const dir of ['/opt/homebrew/bin', '/usr/local/bin', ...LAUNCHD_DEFAULT_PATH.split(':')]) {
      expect(env.PATH!.split(':')).toContain(dir);
    }
  });

  it('writes every path out (launchd expands neither ~ nor $HOME), all under the one placeholder home', async () => {
    const parsed = await parsePlist(PLIST);
    if (!parsed.ok) throw new Error(parsed.error);
    const strings = JSON.stringify(parsed.value).match(/"[^"]*"/g) ?? [];
    for (const value of strings) {
      expect(value).not.toMatch(/~|\$HOME|\$\{/);
      for (const home of value.matchAll(/\/Users\/([^/:"]+)/g)) expect(home[1]).toBe('YOU');
    }
  });
});
